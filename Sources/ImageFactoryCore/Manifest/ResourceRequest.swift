/// Resources a build asks for; nil means "use the runner's default".
public struct ResourceRequest: Sendable, Hashable, Codable {
    public var cpus: Double?
    public var memory: ByteCount?
    public var timeout: Duration?
    /// Lowers the project's log limit for this build (never raises it).
    public var logLimit: LogLimit?
    /// At the log limit: go on without storing more (default) or fail the build.
    public var onLogLimit: LogLimitAction?

    public init(cpus: Double? = nil, memory: ByteCount? = nil, timeout: Duration? = nil,
                logLimit: LogLimit? = nil, onLogLimit: LogLimitAction? = nil) {
        self.cpus = cpus
        self.memory = memory
        self.timeout = timeout
        self.logLimit = logLimit
        self.onLogLimit = onLogLimit
    }

    public var isEmpty: Bool { cpus == nil && memory == nil && timeout == nil && logLimit == nil && onLogLimit == nil }

    private enum CodingKeys: String, CodingKey {
        case cpus, memory
        case timeoutSeconds = "timeout"
        case logLimit = "log_limit"
        case onLogLimit = "on_log_limit"
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
        logLimit = try container.decodeIfPresent(LogLimit.self, forKey: .logLimit)
        onLogLimit = try container.decodeIfPresent(LogLimitAction.self, forKey: .onLogLimit)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(cpus, forKey: .cpus)
        try container.encodeIfPresent(memory, forKey: .memory)
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            try container.encode(Double(seconds) + Double(attoseconds) / 1e18, forKey: .timeoutSeconds)
        }
        try container.encodeIfPresent(logLimit, forKey: .logLimit)
        try container.encodeIfPresent(onLogLimit, forKey: .onLogLimit)
    }
}
