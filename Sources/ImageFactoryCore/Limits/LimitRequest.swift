/// Resource limits asked for one build. nil means no limit.
public struct LimitRequest: Sendable, Hashable, Codable {
    public var memoryBytes: Int64?
    /// CPU time per wall second, in cores (0.5 = half of one core).
    public var cpus: Double?
    /// Maximum number of processes and threads.
    public var pids: Int?

    public init(memoryBytes: Int64? = nil, cpus: Double? = nil, pids: Int? = nil) {
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.pids = pids
    }
}
