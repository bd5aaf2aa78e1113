/// How each requested limit of one build is enforced, with a sentence per limit for the
/// build log, e.g. "memory 2.0 GiB: enforced by cgroup v1 memory.limit_in_bytes at
/// /sys/fs/cgroup/memory/imagefactory/build-42" or "cpus 2: NOT enforced: no writable cpu
/// cgroup controller (rlimit cannot limit a CPU rate)".
public struct LimitPlan: Sendable, Hashable, Codable {
    public enum Value: Sendable, Hashable, Codable {
        case bytes(Int64)
        case cpus(Double)
        case count(Int)
    }

    public struct Entry: Sendable, Hashable, Codable {
        public var resource: LimitCapabilities.Resource
        public var requested: Value
        public var mechanism: LimitMechanism
        public var sentence: String

        public init(resource: LimitCapabilities.Resource, requested: Value, mechanism: LimitMechanism, sentence: String) {
            self.resource = resource
            self.requested = requested
            self.mechanism = mechanism
            self.sentence = sentence
        }

        public var isEnforced: Bool {
            if case .unenforced = mechanism { return false }
            return true
        }
    }

    /// nil where no limit was requested.
    public var memory: Entry?
    public var cpu: Entry?
    public var pids: Entry?

    public init(memory: Entry? = nil, cpu: Entry? = nil, pids: Entry? = nil) {
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
    }

    public var entries: [Entry] { [memory, cpu, pids].compactMap { $0 } }
    public var sentences: [String] { entries.map(\.sentence) }
    public var allEnforced: Bool { entries.allSatisfy(\.isEnforced) }

    /// "2.0 GiB", "256 MiB", "1.5 MiB", "512 KiB", "100 B".
    public static func formatBytes(_ bytes: Int64) -> String {
        let units: [(Int64, String)] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (size, name) in units where bytes >= size {
            let v = Double(bytes) / Double(size)
            if name == "GiB" { return "\(Self.oneDecimal(v)) \(name)" }
            return bytes % size == 0 ? "\(bytes / size) \(name)" : "\(Self.oneDecimal(v)) \(name)"
        }
        return "\(bytes) B"
    }

    /// "2", "0.5", "1.25".
    public static func formatCPUs(_ cpus: Double) -> String {
        if cpus == cpus.rounded() && abs(cpus) < 1e9 { return String(Int64(cpus)) }
        var s = String(cpus)
        if s.contains("e") { s = String(Double(Int64((cpus * 1000).rounded())) / 1000) }
        return s
    }

    private static func oneDecimal(_ v: Double) -> String {
        let tenths = Int64((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// The plan `BuildCgroup.create` would make, without creating anything (for dry runs):
    /// cgroup paths name the build `name`.
    public static func preview(request: LimitRequest, capabilities: LimitCapabilities, name: String = "build-<id>") -> LimitPlan {
        var plan = LimitPlan()
        for r in LimitCapabilities.Resource.allCases {
            guard let requested = BuildCgroup.requestedValue(r, request) else { continue }
            if let why = BuildCgroup.invalidRequestReason(request) {
                plan[r] = Entry(resource: r, requested: requested, mechanism: .unenforced(reason: why),
                                sentence: "\(label(requested)): NOT enforced: invalid request: \(why)")
                continue
            }
            switch capabilities.support(for: r) {
            case .cgroupV1(let parent):
                let swap = r == .memory && LimitsFS.exists(parent + "/memory.memsw.limit_in_bytes")
                plan[r] = cgroupEntry(r, requested: requested, version: .v1, path: parent + "/" + name, swapCapped: swap)
            case .cgroupV2(let parent):
                let swap = r == .memory && LimitsFS.exists(parent + "/memory.swap.max")
                plan[r] = cgroupEntry(r, requested: requested, version: .v2, path: parent + "/" + name, swapCapped: swap)
            case .rlimit, .none:
                plan[r] = BuildCgroup.fallbackEntry(r, requested: requested, problem: nil, capabilities: capabilities)
            }
        }
        return plan
    }

    static func cgroupEntry(_ r: LimitCapabilities.Resource, requested: Value, version: BuildCgroup.Version,
                            path: String, swapCapped: Bool) -> Entry {
        let how: String
        switch (r, version, requested) {
        case (.memory, .v1, _):
            how = "memory.limit_in_bytes" + (swapCapped ? " (swap included via memory.memsw.limit_in_bytes)" : "")
        case (.memory, .v2, _):
            how = "memory.max" + (swapCapped ? " (no swap: memory.swap.max 0)" : "")
        case (.cpu, .v1, .cpus(let c)):
            how = "cpu.cfs_quota_us \(BuildCgroup.quotaMicroseconds(c)) per cpu.cfs_period_us \(BuildCgroup.cpuPeriodMicroseconds)"
        case (.cpu, .v2, .cpus(let c)):
            how = "cpu.max \"\(BuildCgroup.quotaMicroseconds(c)) \(BuildCgroup.cpuPeriodMicroseconds)\""
        case (.cpu, _, _):
            how = version == .v1 ? "cpu.cfs_quota_us" : "cpu.max"
        case (.pids, _, _):
            how = "pids.max"
        }
        let mechanism: LimitMechanism = version == .v1 ? .cgroupV1(path: path) : .cgroupV2(path: path)
        return Entry(resource: r, requested: requested, mechanism: mechanism,
                     sentence: "\(label(requested)): enforced by cgroup \(version == .v1 ? "v1" : "v2") \(how) at \(path)")
    }

    static func label(_ value: Value) -> String {
        switch value {
        case .bytes(let b): "memory \(formatBytes(b))"
        case .cpus(let c): "cpus \(formatCPUs(c))"
        case .count(let n): "pids \(n)"
        }
    }
}

extension LimitPlan {
    subscript(resource: LimitCapabilities.Resource) -> Entry? {
        get {
            switch resource {
            case .memory: memory
            case .cpu: cpu
            case .pids: pids
            }
        }
        set {
            switch resource {
            case .memory: memory = newValue
            case .cpu: cpu = newValue
            case .pids: pids = newValue
            }
        }
    }
}
