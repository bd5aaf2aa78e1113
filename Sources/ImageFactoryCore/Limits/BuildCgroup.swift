import Foundation
import Glibc

/// The cgroups of one build ("build-<id>" under the `imagefactory` parent of every usable
/// controller). Every process of the build joins them through `joinShellPrefix()`, so limits,
/// peak memory, OOM kills and killing apply to the whole build, including processes that
/// left its session or process group.
public final class BuildCgroup: Sendable {
    public enum Version: Sendable, Hashable {
        case v1, v2
    }

    public struct Directory: Sendable, Hashable {
        public let path: String
        public let version: Version
        /// The limits this directory's controller handles.
        public let resources: Set<LimitCapabilities.Resource>
    }

    public enum CreateError: Error, Sendable, Hashable, CustomStringConvertible {
        case invalidName(String)
        case invalidRequest(String)

        public var description: String {
            switch self {
            case .invalidName(let n): "invalid build cgroup name \"\(n)\": use letters, digits, '.', '_' and '-', not starting with '.'"
            case .invalidRequest(let why): "invalid limit request: \(why)"
            }
        }
    }

    /// CFS period used for CPU limits: quota = cpus * period.
    public static let cpuPeriodMicroseconds = 100_000

    public let name: String
    public let directories: [Directory]

    init(name: String, directories: [Directory]) {
        self.name = name
        self.directories = directories
    }

    /// The cgroup.procs files a process must be written into to join the build.
    public var procsFiles: [String] { directories.map { $0.path + "/cgroup.procs" } }

    /// Sampler membership for this build. Every process joins all the cgroups (first the
    /// first one) and children inherit them, so the first file lists the whole build; reading
    /// one instead of all saves the kernel's cost of listing each.
    public var samplerMembership: BuildProcessSampler.Membership {
        .cgroup(procsFiles: Array(procsFiles.prefix(1)))
    }

    // MARK: - Creation

    /// Creates (or takes over, if it exists) the build's cgroup in each usable controller and
    /// writes the requested limits; limits not requested are reset to unlimited so a reused
    /// cgroup keeps no stale limit. Processes and counters (peak, OOM kills) of a taken-over
    /// cgroup stay: `removeStale` or `remove()` clears a crashed run first.
    /// Returns nil for the cgroup when no controller is usable.
    /// A memory limit that no cgroup can hold is planned as RLIMIT_AS: apply
    /// `RlimitFallback.shellPrefix(for: plan, capabilities:)` in the build's shell.
    /// Throws only for an invalid name or request.
    public static func create(name: String, request: LimitRequest, capabilities: LimitCapabilities) throws -> (BuildCgroup?, LimitPlan) {
        try validate(name: name, request: request)

        var groups: [(parent: String, version: Version, resources: [LimitCapabilities.Resource])] = []
        for r in LimitCapabilities.Resource.allCases {
            let (parent, version): (String, Version)
            switch capabilities.support(for: r) {
            case .cgroupV1(let p): (parent, version) = (p, .v1)
            case .cgroupV2(let p): (parent, version) = (p, .v2)
            case .rlimit, .none: continue
            }
            if let k = groups.firstIndex(where: { $0.parent == parent }) {
                groups[k].resources.append(r)
            } else {
                groups.append((parent, version, [r]))
            }
        }

        var directories: [Directory] = []
        var problems: [LimitCapabilities.Resource: String] = [:]
        for g in groups {
            let path = g.parent + "/" + name
            // The parent may have been removed since detection.
            var e = LimitsFS.makeDirectory(g.parent)
            if e == 0 { e = LimitsFS.makeDirectory(path) }
            if e != 0 {
                for r in g.resources { problems[r] = "cannot create \(path): \(LimitsFS.describe(e))" }
                continue
            }
            directories.append(Directory(path: path, version: g.version, resources: Set(g.resources)))
        }

        var plan = LimitPlan()
        for d in directories {
            for r in LimitCapabilities.Resource.allCases where d.resources.contains(r) {
                let outcome = apply(r, request: request, in: d)
                guard let requested = requestedValue(r, request) else { continue }
                switch outcome {
                case .failure(let why):
                    problems[r] = why
                case .success(let swapCapped):
                    plan[r] = LimitPlan.cgroupEntry(r, requested: requested, version: d.version, path: d.path, swapCapped: swapCapped)
                }
            }
        }

        for r in LimitCapabilities.Resource.allCases where plan[r] == nil {
            guard let requested = requestedValue(r, request) else { continue }
            plan[r] = fallbackEntry(r, requested: requested, problem: problems[r], capabilities: capabilities)
        }
        return (directories.isEmpty ? nil : BuildCgroup(name: name, directories: directories), plan)
    }

    private static func validate(name: String, request: LimitRequest) throws {
        if let why = invalidRequestReason(request) { throw CreateError.invalidRequest(why) }
        let allowed = name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
        }
        guard !name.isEmpty, name.utf8.count <= 200, allowed, !name.hasPrefix(".") else {
            throw CreateError.invalidName(name)
        }
    }

    static func invalidRequestReason(_ request: LimitRequest) -> String? {
        if let m = request.memoryBytes, m <= 0 { return "memory must be positive, got \(m) bytes" }
        if let c = request.cpus, !(c.isFinite && c >= 0.01) {
            return "cpus must be at least 0.01 (a 1 ms quota per 100 ms), got \(c)"
        }
        if let p = request.pids, p <= 0 { return "pids must be positive, got \(p)" }
        return nil
    }

    static func requestedValue(_ r: LimitCapabilities.Resource, _ request: LimitRequest) -> LimitPlan.Value? {
        switch r {
        case .memory: request.memoryBytes.map { .bytes($0) }
        case .cpu: request.cpus.map { .cpus($0) }
        case .pids: request.pids.map { .count($0) }
        }
    }

    private enum Outcome {
        /// Whether swap is capped too (memory only).
        case success(swapCapped: Bool)
        case failure(String)
    }

    /// Writes the requested limit, or the "unlimited" value when none was requested.
    private static func apply(_ r: LimitCapabilities.Resource, request: LimitRequest, in d: Directory) -> Outcome {
        func write(_ file: String, _ value: String) -> Int32 { LimitsFS.write(d.path + "/" + file, value) }
        func failed(_ file: String, _ value: String, _ e: Int32) -> Outcome {
            .failure("writing \(value) to \(file) at \(d.path) failed: \(LimitsFS.describe(e))")
        }

        switch (r, d.version) {
        case (.memory, .v1):
            let value = request.memoryBytes.map(String.init) ?? "-1"
            let memsw = "memory.memsw.limit_in_bytes"
            let hasMemsw = LimitsFS.exists(d.path + "/" + memsw)
            // memsw (memory + swap) may never be below the memory limit, so when raising a
            // reused cgroup's limit the first write fails until memsw is raised.
            var e = write("memory.limit_in_bytes", value)
            var swapCapped = hasMemsw && write(memsw, value) == 0
            if e != 0 {
                e = write("memory.limit_in_bytes", value)
                if e == 0 && hasMemsw { swapCapped = write(memsw, value) == 0 }
            }
            if e != 0 { return failed("memory.limit_in_bytes", value, e) }
            return .success(swapCapped: swapCapped)
        case (.memory, .v2):
            let value = request.memoryBytes.map(String.init) ?? "max"
            let e = write("memory.max", value)
            if e != 0 { return failed("memory.max", value, e) }
            // Keeps a build from exceeding its limit by swapping; absent without swap accounting.
            let noSwap = LimitsFS.exists(d.path + "/memory.swap.max")
                && write("memory.swap.max", request.memoryBytes == nil ? "max" : "0") == 0
            return .success(swapCapped: noSwap)
        case (.cpu, .v1):
            let period = String(cpuPeriodMicroseconds)
            var e = write("cpu.cfs_period_us", period)
            if e != 0 { return failed("cpu.cfs_period_us", period, e) }
            let quota = request.cpus.map { String(quotaMicroseconds($0)) } ?? "-1"
            e = write("cpu.cfs_quota_us", quota)
            if e != 0 { return failed("cpu.cfs_quota_us", quota, e) }
            return .success(swapCapped: false)
        case (.cpu, .v2):
            let value = (request.cpus.map { String(quotaMicroseconds($0)) } ?? "max") + " \(cpuPeriodMicroseconds)"
            let e = write("cpu.max", value)
            if e != 0 { return failed("cpu.max", value, e) }
            return .success(swapCapped: false)
        case (.pids, _):
            let value = request.pids.map(String.init) ?? "max"
            let e = write("pids.max", value)
            if e != 0 { return failed("pids.max", value, e) }
            return .success(swapCapped: false)
        }
    }

    static func quotaMicroseconds(_ cpus: Double) -> Int {
        max(1000, Int((cpus * Double(cpuPeriodMicroseconds)).rounded()))
    }

    static func fallbackEntry(_ r: LimitCapabilities.Resource, requested: LimitPlan.Value,
                                      problem: String?, capabilities: LimitCapabilities) -> LimitPlan.Entry {
        let label = LimitPlan.label(requested)
        let problem = problem ?? capabilities.cgroupProblems[r]
        var rlimitPossible = true
        if case .none = capabilities.memory { rlimitPossible = false }
        if r == .memory, rlimitPossible, case .bytes(let bytes) = requested {
            let why = "no writable memory cgroup controller" + (problem.map { " (\($0))" } ?? "")
            let hard = capabilities.addressSpaceHardLimitBytes
            let effective = RlimitFallback.effectiveBytes(bytes, hardLimit: hard)
            let inherited = effective < bytes
                ? "; the inherited hard limit of \(LimitPlan.formatBytes(effective)) applies instead" : ""
            return LimitPlan.Entry(
                resource: r, requested: requested, mechanism: .rlimit("RLIMIT_AS"),
                sentence: "\(label): enforced only by RLIMIT_AS (\(RlimitFallback.command(bytes: bytes, hardLimit: hard))), "
                    + "which caps VIRTUAL address space per process, NOT resident memory: \(why)\(inherited)")
        }
        let reason: String
        if case .none(let why) = capabilities.support(for: r) {
            reason = why
        } else {
            // Detection found a cgroup controller, but this build's cgroup could not use it.
            reason = "the \(r.rawValue) cgroup could not be set up: \(problem ?? "unknown error")"
        }
        return LimitPlan.Entry(resource: r, requested: requested, mechanism: .unenforced(reason: reason),
                               sentence: "\(label): NOT enforced: \(reason)")
    }

    // MARK: - Joining

    /// A /bin/sh script that moves the shell into every build cgroup, then execs its
    /// arguments: `/bin/sh -c SCRIPT NAME command args...`. A failed join stops the build
    /// (the && chain) rather than running it unlimited.
    public func joinShellPrefix() -> String {
        (procsFiles.map { "echo $$ > \(LimitsFS.shellQuote($0))" } + ["exec \"$@\""]).joined(separator: " && ")
    }

    /// argv that runs `command` inside the build cgroups, after `shellPrefix` (e.g. an
    /// RlimitFallback ulimit) when given.
    public func launchArguments(for command: [String], shellPrefix: String? = nil) -> [String] {
        let script = [shellPrefix, joinShellPrefix()].compactMap { $0 }.joined(separator: " && ")
        return ["/bin/sh", "-c", script, "imagefactory-build"] + command
    }

    // MARK: - Observing

    /// Highest memory use of the build so far: memory.max_usage_in_bytes (v1) or memory.peak (v2).
    public func memoryPeakBytes() -> Int64? {
        guard let d = directories.first(where: { $0.resources.contains(.memory) }),
              let text = LimitsFS.read(d.path + (d.version == .v1 ? "/memory.max_usage_in_bytes" : "/memory.peak"))
        else { return nil }
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Whether the kernel OOM-killed a process of the build ("oom_kill" in memory.oom_control
    /// for v1, memory.events for v2).
    public func oomKilled() -> Bool {
        guard let d = directories.first(where: { $0.resources.contains(.memory) }) else { return false }
        let buffer = MetricsByteBuffer(capacity: 512)
        guard buffer.readFile(d.path + (d.version == .v1 ? "/memory.oom_control" : "/memory.events")) else { return false }
        return (MetricsParse.value(after: "oom_kill ", in: buffer.bytes) ?? 0) > 0
    }

    /// Processes in any of the build's cgroups, sorted.
    public func pids() -> [pid_t] {
        var all = Set<pid_t>()
        for f in procsFiles {
            guard let text = LimitsFS.read(f) else { continue }
            for line in text.split(separator: "\n") {
                if let p = pid_t(line) { all.insert(p) }
            }
        }
        return all.sorted()
    }

    // MARK: - Killing and removal

    /// Signals every process in the build's cgroups, also those that escaped the build's
    /// process group or session. Lists again after each pass to catch processes forked
    /// meanwhile; with SIGKILL it keeps going (up to 2 s) until no live process is left.
    public func killAll(signal: Int32) {
        let me = getpid()
        if signal == SIGKILL {
            for d in directories where d.version == .v2 && LimitsFS.exists(d.path + "/cgroup.kill") {
                LimitsFS.write(d.path + "/cgroup.kill", "1")
            }
        }
        var signalled = Set<pid_t>()
        let deadline = MetricsClock.nanoseconds(CLOCK_MONOTONIC) + (signal == SIGKILL ? 2_000_000_000 : 200_000_000)
        while true {
            let live = pids().filter { $0 != me && !Self.isZombie($0) }
            let targets = signal == SIGKILL ? live : live.filter { !signalled.contains($0) }
            if targets.isEmpty { return }
            for p in targets {
                kill(p, signal)
                signalled.insert(p)
            }
            if MetricsClock.nanoseconds(CLOCK_MONOTONIC) > deadline { return }
            usleep(signal == SIGKILL ? 5_000 : 20_000)
        }
    }

    /// A zombie has exited already: signals cannot affect it, only its parent's wait can.
    private static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = LimitsFS.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].dropFirst().first == "Z"
    }

    /// Kills what is left of the build, then removes its cgroup directories, retrying for up
    /// to 2 s while exiting processes still hold them. Returns whether all are gone.
    @discardableResult
    public func remove() -> Bool {
        killAll(signal: SIGKILL)
        var allGone = true
        for d in directories {
            let deadline = MetricsClock.nanoseconds(CLOCK_MONOTONIC) + 2_000_000_000
            while true {
                let e = LimitsFS.removeDirectory(d.path)
                if e == 0 { break }
                if e != EBUSY || MetricsClock.nanoseconds(CLOCK_MONOTONIC) > deadline {
                    allGone = false
                    break
                }
                usleep(10_000)
            }
        }
        return allGone
    }

    /// Removes `build-*` (and leftover detection `probe-*`) cgroups that a crashed run left under
    /// the parents in `capabilities`, killing their processes, except the names in `except`
    /// (the builds this process is running). Returns the directories removed.
    @discardableResult
    public static func removeStale(except: Set<String> = [], capabilities: LimitCapabilities = .detect()) -> [String] {
        var parents: [(String, Version)] = []
        for r in LimitCapabilities.Resource.allCases {
            switch capabilities.support(for: r) {
            case .cgroupV1(let p): if !parents.contains(where: { $0.0 == p }) { parents.append((p, .v1)) }
            case .cgroupV2(let p): if !parents.contains(where: { $0.0 == p }) { parents.append((p, .v2)) }
            case .rlimit, .none: break
            }
        }
        var names = Set<String>()
        for (parent, _) in parents {
            for n in LimitsFS.subdirectories(of: parent)
            where (n.hasPrefix("build-") || n.hasPrefix("probe-")) && !except.contains(n) {
                names.insert(n)
            }
        }
        var removed: [String] = []
        for n in names.sorted() {
            let dirs = parents.map { Directory(path: $0.0 + "/" + n, version: $0.1, resources: []) }
                .filter { LimitsFS.isDirectory($0.path) }
            let stale = BuildCgroup(name: n, directories: dirs)
            stale.remove()
            removed += dirs.map(\.path).filter { !LimitsFS.exists($0) }
        }
        return removed
    }
}
