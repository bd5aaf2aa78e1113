/// Resources a build asks for; nil means "use the runner's default".
public struct ResourceRequest: Sendable, Hashable, Codable {
    public var cpus: Double?
    public var memory: ByteCount?
    public var timeout: Duration?

    public init(cpus: Double? = nil, memory: ByteCount? = nil, timeout: Duration? = nil) {
        self.cpus = cpus
        self.memory = memory
        self.timeout = timeout
    }

    public var isEmpty: Bool { cpus == nil && memory == nil && timeout == nil }

    private enum CodingKeys: String, CodingKey {
        case cpus, memory
        case timeoutSeconds = "timeout"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cpus = try container.decodeIfPresent(Double.self, forKey: .cpus)
        memory = try container.decodeIfPresent(ByteCount.self, forKey: .memory)
        if let seconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) {
            let milliseconds = (seconds * 1000).rounded()
            guard milliseconds.isFinite, abs(milliseconds) <= DurationParser.maximumMilliseconds else {
                throw DecodingError.dataCorruptedError(
                    forKey: .timeoutSeconds, in: container, debugDescription: "timeout out of range")
            }
            timeout = .milliseconds(Int64(milliseconds))
        } else {
            timeout = nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(cpus, forKey: .cpus)
        try container.encodeIfPresent(memory, forKey: .memory)
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            try container.encode(Double(seconds) + Double(attoseconds) / 1e18, forKey: .timeoutSeconds)
        }
    }
}
