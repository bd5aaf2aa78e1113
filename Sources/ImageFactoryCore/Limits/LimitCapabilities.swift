import Glibc

/// Which mechanisms can enforce build limits on this host, found by trying them: a cgroup
/// controller counts as usable only after a probe cgroup was created, written and removed.
public struct LimitCapabilities: Sendable, Hashable {
    public enum Resource: String, Sendable, Hashable, Codable, CaseIterable {
        case memory, cpu, pids
    }

    public enum Support: Sendable, Hashable {
        /// Build cgroups go under this writable v2 directory, which has the controller enabled
        /// for its children.
        case cgroupV2(parent: String)
        /// Build cgroups go under this writable directory of the v1 controller's hierarchy.
        case cgroupV1(parent: String)
        /// Memory only: a per-process address-space limit, e.g. "RLIMIT_AS".
        case rlimit(String)
        case none(reason: String)
    }

    public var memory: Support
    public var cpu: Support
    public var pids: Support
    /// Directory name under each controller that holds the build cgroups.
    public var parentName: String
    /// Why better mechanisms were not usable, for `doctor`.
    public var findings: [String]
    /// For each resource no cgroup can limit: what went wrong with the cgroup mechanisms.
    public var cgroupProblems: [Resource: String]
    /// The hard RLIMIT_AS this process inherited; nil when unlimited. A build cannot get more.
    public var addressSpaceHardLimitBytes: Int64?

    public init(memory: Support, cpu: Support, pids: Support, parentName: String = "imagefactory",
                findings: [String] = [], cgroupProblems: [Resource: String] = [:],
                addressSpaceHardLimitBytes: Int64? = nil) {
        self.memory = memory
        self.cpu = cpu
        self.pids = pids
        self.parentName = parentName
        self.findings = findings
        self.cgroupProblems = cgroupProblems
        self.addressSpaceHardLimitBytes = addressSpaceHardLimitBytes
    }

    public func support(for resource: Resource) -> Support {
        switch resource {
        case .memory: memory
        case .cpu: cpu
        case .pids: pids
        }
    }

    /// The directory build cgroups for `resource` go under, or nil when no cgroup can limit it.
    public func cgroupParent(for resource: Resource) -> String? {
        switch support(for: resource) {
        case .cgroupV1(let parent), .cgroupV2(let parent): parent
        case .rlimit, .none: nil
        }
    }

    /// One line per resource, then the findings.
    public func report() -> [String] {
        var lines: [String] = []
        for r in Resource.allCases {
            let file = Self.limitFileName(r, v2: false)
            switch support(for: r) {
            case .cgroupV2(let parent):
                lines.append("\(r.rawValue): cgroup v2 (\(Self.limitFileName(r, v2: true)) in build cgroups under \(parent))")
            case .cgroupV1(let parent):
                lines.append("\(r.rawValue): cgroup v1 (\(file) in build cgroups under \(parent))")
            case .rlimit(let name):
                let why = cgroupProblems[r].map { ": \($0)" } ?? ""
                lines.append("\(r.rawValue): \(name) only (\(Self.rlimitCaveat)); no writable memory cgroup controller\(why)")
            case .none(let reason):
                lines.append("\(r.rawValue): NOT enforceable: \(reason)")
            }
        }
        return lines + findings
    }

    static let rlimitCaveat = "it caps virtual address space, not resident memory"

    static func limitFileName(_ r: Resource, v2: Bool) -> String {
        switch (r, v2) {
        case (.memory, false): "memory.limit_in_bytes"
        case (.memory, true): "memory.max"
        case (.cpu, false): "cpu.cfs_quota_us"
        case (.cpu, true): "cpu.max"
        case (.pids, _): "pids.max"
        }
    }

    /// Probes the cgroup hierarchies mounted at or below `root`. Leaves the `parentName`
    /// directories in place (build cgroups need them); removes its probe cgroups.
    public static func detect(root: String = "/sys/fs/cgroup", parentName: String = "imagefactory") -> LimitCapabilities {
        var findings = LimitsFindings()
        let mounts = LimitsFS.mounts().filter { $0.point == root || $0.point.hasPrefix(root + "/") }

        var found: [Resource: Support] = [:]
        if let v2 = mounts.first(where: { $0.type == "cgroup2" }) {
            found = probeV2(mount: v2.point, parentName: parentName, findings: &findings)
        } else {
            findings.add(Resource.allCases, "cgroup v2: no cgroup2 file system mounted under \(root)")
        }
        for r in Resource.allCases where found[r] == nil {
            if let v1 = mounts.first(where: { $0.type == "cgroup" && $0.options.contains(r.rawValue) }) {
                if let parent = probeV1(r, mount: v1.point, parentName: parentName, findings: &findings) {
                    found[r] = .cgroupV1(parent: parent)
                }
            } else {
                findings.add([r], "cgroup v1: no \(r.rawValue) controller mounted under \(root)")
            }
        }

        var hard: Int64?
        var lim = rlimit()
        // rlim_t.max is RLIM_INFINITY, whose macro does not import into Swift.
        if getrlimit(addressSpaceResource, &lim) == 0 && lim.rlim_max != rlim_t.max {
            hard = Int64(clamping: lim.rlim_max)
        }
        var problems: [Resource: String] = [:]
        for r in Resource.allCases where found[r] == nil {
            problems[r] = findings.about(r)
        }
        let memory = found[.memory] ?? .rlimit("RLIMIT_AS")
        let cpu = found[.cpu] ?? .none(reason: unenforceableReason(.cpu, problem: problems[.cpu]))
        let pids = found[.pids] ?? .none(reason: unenforceableReason(.pids, problem: problems[.pids]))
        return LimitCapabilities(memory: memory, cpu: cpu, pids: pids, parentName: parentName,
                                 findings: findings.lines, cgroupProblems: problems,
                                 addressSpaceHardLimitBytes: hard)
    }

    /// "no writable cpu cgroup controller (<what failed>; rlimit cannot limit a CPU rate)".
    static func unenforceableReason(_ r: Resource, problem: String?) -> String {
        let noRlimit = switch r {
        case .cpu: "rlimit cannot limit a CPU rate"
        case .pids: "RLIMIT_NPROC counts every process of the user, not the build's"
        case .memory: ""
        }
        let parts = [problem ?? "", noRlimit].filter { !$0.isEmpty }
        return "no writable \(r.rawValue) cgroup controller" + (parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + ")")
    }

    /// RLIMIT_AS in the type getrlimit takes from Swift.
    static let addressSpaceResource = __rlimit_resource_t(RLIMIT_AS.rawValue)

    private static func probeName() -> String {
        "probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    private static func probeV1(_ r: Resource, mount: String, parentName: String, findings: inout LimitsFindings) -> String? {
        let parent = mount + "/" + parentName
        var e = LimitsFS.makeDirectory(parent)
        guard e == 0 else {
            findings.add([r], "cgroup v1 \(r.rawValue) at \(mount): cannot create \(parent): \(LimitsFS.describe(e))")
            return nil
        }
        let probe = parent + "/" + probeName()
        e = LimitsFS.makeDirectory(probe)
        guard e == 0 else {
            findings.add([r], "cgroup v1 \(r.rawValue) at \(mount): cannot create a cgroup under \(parent): \(LimitsFS.describe(e))")
            return nil
        }
        defer { _ = LimitsFS.removeDirectory(probe) }
        let file = limitFileName(r, v2: false)
        // Writing the "no limit" value proves the limit file is writable without limiting anything.
        e = LimitsFS.write(probe + "/" + file, r == .pids ? "max" : "-1")
        guard e == 0 else {
            findings.add([r], "cgroup v1 \(r.rawValue) at \(mount): cannot write \(file): \(LimitsFS.describe(e))")
            return nil
        }
        return parent
    }

    /// Tries our own v2 cgroup, then its ancestors: the first directory that has the
    /// controllers available and lets us create a parent with them enabled for its children.
    private static func probeV2(mount: String, parentName: String, findings: inout LimitsFindings) -> [Resource: Support] {
        let own = LimitsFS.read("/proc/self/cgroup")?.split(separator: "\n")
            .first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? "/"
        var dir = own == "/" ? mount : mount + own
        while true {
            if let result = tryV2(dir: dir, isRoot: dir == mount, parentName: parentName, findings: &findings) {
                return result
            }
            if dir == mount || !dir.hasPrefix(mount) { return [:] }
            dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.endIndex)])
        }
    }

    private static func tryV2(dir: String, isRoot: Bool, parentName: String, findings: inout LimitsFindings) -> [Resource: Support]? {
        let available = Set((LimitsFS.read(dir + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        let wanted = Resource.allCases.filter { available.contains($0.rawValue) }
        guard !wanted.isEmpty else {
            findings.add(Resource.allCases, "cgroup v2 at \(dir): none of memory, cpu, pids in cgroup.controllers"
                + (isRoot ? " (they are bound to cgroup v1 hierarchies or disabled)" : ""))
            return nil
        }
        let enabled = Set((LimitsFS.read(dir + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        var usable: [Resource] = []
        for r in wanted {
            if enabled.contains(r.rawValue) {
                usable.append(r)
                continue
            }
            // Fails with EBUSY in a non-root cgroup that holds processes ("no internal processes").
            let e = LimitsFS.write(dir + "/cgroup.subtree_control", "+" + r.rawValue)
            if e == 0 {
                usable.append(r)
            } else {
                findings.add([r], "cgroup v2 at \(dir): cannot enable \(r.rawValue) for child cgroups: \(LimitsFS.describe(e))")
            }
        }
        guard !usable.isEmpty else { return nil }

        let parent = dir + "/" + parentName
        var e = LimitsFS.makeDirectory(parent)
        guard e == 0 else {
            findings.add(usable, "cgroup v2 at \(dir): cannot create \(parent): \(LimitsFS.describe(e))")
            return nil
        }
        var result: [Resource: Support] = [:]
        let probe = parent + "/" + probeName()
        for r in usable {
            e = LimitsFS.write(parent + "/cgroup.subtree_control", "+" + r.rawValue)
            if e != 0 {
                findings.add([r], "cgroup v2 at \(parent): cannot enable \(r.rawValue) for build cgroups: \(LimitsFS.describe(e))")
                continue
            }
            result[r] = .cgroupV2(parent: parent)
        }
        guard !result.isEmpty else { return nil }
        e = LimitsFS.makeDirectory(probe)
        guard e == 0 else {
            findings.add(Array(result.keys), "cgroup v2 at \(parent): cannot create a cgroup: \(LimitsFS.describe(e))")
            return nil
        }
        defer { _ = LimitsFS.removeDirectory(probe) }
        for r in Array(result.keys) {
            let file = limitFileName(r, v2: true)
            e = LimitsFS.write(probe + "/" + file, r == .cpu ? "max 100000" : "max")
            if e != 0 {
                findings.add([r], "cgroup v2 at \(parent): cannot write \(file): \(LimitsFS.describe(e))")
                result[r] = nil
            }
        }
        return result.isEmpty ? nil : result
    }
}

/// Detection notes, each tagged with the resources it explains.
struct LimitsFindings {
    private var items: [(resources: Set<LimitCapabilities.Resource>, text: String)] = []

    mutating func add(_ resources: [LimitCapabilities.Resource], _ text: String) {
        items.append((Set(resources), text))
    }

    var lines: [String] { items.map(\.text) }

    func about(_ r: LimitCapabilities.Resource) -> String? {
        let texts = items.filter { $0.resources.contains(r) }.map(\.text)
        return texts.isEmpty ? nil : texts.joined(separator: "; ")
    }
}
