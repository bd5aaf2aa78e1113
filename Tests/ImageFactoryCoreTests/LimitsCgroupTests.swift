import Glibc
import Testing
@testable import ImageFactoryCore

/// Whether real cgroups can be used here, and if not, why (shown as the skip reason).
enum LimitsTestEnvironment {
    static let skipReason: String? = {
        if geteuid() != 0 {
            return "not running as root: cgroup directories are not writable, real-cgroup tests skipped"
        }
        let scratch = LimitsTestParent()
        defer { scratch.cleanup() }
        let missing = LimitCapabilities.Resource.allCases.filter { scratch.capabilities.cgroupParent(for: $0) == nil }
        if missing.isEmpty { return nil }
        return "no usable cgroup for \(missing.map(\.rawValue)): " + scratch.capabilities.report().joined(separator: "; ")
    }()

    static let usable: Bool = {
        if let skipReason { print("cgroup tests skipped: \(skipReason)") }
        return skipReason == nil
    }()

    static var comment: Comment { Comment(rawValue: skipReason ?? "cgroups usable") }

    /// Judged from /proc/mounts alone, not from detect(), so that a detection bug fails the
    /// detection test instead of skipping it: running as root with read-write v1 memory and
    /// cpu hierarchies (as on the build hosts), or a read-write cgroup2 offering both.
    static let hostOffersCgroups: Bool = {
        guard geteuid() == 0 else { return false }
        let mounts = LimitsFS.mounts().filter { $0.point.hasPrefix("/sys/fs/cgroup") && $0.options.contains("rw") }
        let v1 = ["memory", "cpu"].allSatisfy { c in mounts.contains { $0.type == "cgroup" && $0.options.contains(c) } }
        let v2 = mounts.contains { m in
            m.type == "cgroup2" && ["memory", "cpu"].allSatisfy { (LimitsFS.read(m.point + "/cgroup.controllers") ?? "").contains($0) }
        }
        if !(v1 || v2) { print("cgroup detection test skipped: not root, or no read-write memory and cpu cgroup hierarchy mounted") }
        return v1 || v2
    }()
}

/// Capabilities under a parent directory of its own, so parallel tests and real runs do not
/// see each other's build cgroups; `cleanup` removes the parents.
struct LimitsTestParent {
    let capabilities: LimitCapabilities

    init() {
        capabilities = LimitCapabilities.detect(parentName: "imagefactory-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    func cleanup() {
        for r in LimitCapabilities.Resource.allCases {
            switch capabilities.support(for: r) {
            case .cgroupV1(let p), .cgroupV2(let p): rmdir(p)
            default: break
            }
        }
    }
}

func limitsTestReadInt(_ path: String) -> Int64? {
    LimitsFS.read(path).flatMap { Int64($0.split(separator: "\n").first ?? "") }
}

@Suite struct LimitsCgroupTests {
    @Test(.enabled(if: LimitsTestEnvironment.hostOffersCgroups,
                   "not root, or no read-write memory and cpu cgroup hierarchy mounted"))
    func detectFindsMemoryAndCPUControllersAsRoot() {
        let parent = LimitsTestParent()
        defer { parent.cleanup() }
        let caps = parent.capabilities
        print("detect: " + caps.report().joined(separator: " | "))
        #expect(caps.cgroupParent(for: .memory) != nil)
        #expect(caps.cgroupParent(for: .cpu) != nil)
        #expect(caps.cgroupParent(for: .pids) != nil)
        // On this kind of host (hybrid, controllers on v1) the v1 hierarchies must be chosen.
        if LimitsFS.mounts().contains(where: { $0.type == "cgroup" && $0.options.contains("memory") }) {
            #expect(caps.memory == .cgroupV1(parent: "/sys/fs/cgroup/memory/\(caps.parentName)"))
            #expect(caps.cpu == .cgroupV1(parent: "/sys/fs/cgroup/cpu/\(caps.parentName)"))
        }
        // The probes are removed again.
        if case .cgroupV1(let p) = caps.memory {
            #expect(LimitsFS.subdirectories(of: p).isEmpty)
        }
    }

    @Test(.enabled(if: LimitsTestEnvironment.usable, LimitsTestEnvironment.comment))
    func childTouchingMoreThanTheLimitIsOOMKilled() throws {
        let parent = LimitsTestParent()
        defer { parent.cleanup() }
        let (made, plan) = try BuildCgroup.create(
            name: "build-oom", request: LimitRequest(memoryBytes: 64 << 20), capabilities: parent.capabilities)
        let cgroup = try #require(made)
        defer { cgroup.remove() }
        #expect(plan.memory?.isEnforced == true)
        #expect(plan.memory?.sentence.hasPrefix("memory 64 MiB: enforced by cgroup") == true)
        #expect(!cgroup.oomKilled())

        // tail keeps an unterminated line whole, so it holds all 200 MB it reads.
        let child = try MetricsTestChild(cgroup.launchArguments(
            for: ["/bin/sh", "-c", "head -c 200000000 /dev/zero | tail -n 1 > /dev/null"]))
        let status = try #require(child.wait(timeout: 30), "the child did not finish")
        let peak = cgroup.memoryPeakBytes()
        print("oom: exit status \(status), oomKilled \(cgroup.oomKilled()), peak \(peak ?? -1) B; \(plan.sentences)")
        #expect(status != 0)
        #expect(cgroup.oomKilled())
        #expect((peak ?? 0) > 48 << 20 && (peak ?? .max) <= 64 << 20)
    }

    @Test(.enabled(if: LimitsTestEnvironment.usable, LimitsTestEnvironment.comment))
    func killAllCatchesAProcessThatEscapedWithSetsid() throws {
        let parent = LimitsTestParent()
        defer { parent.cleanup() }
        let (made, _) = try BuildCgroup.create(name: "build-escape", request: LimitRequest(), capabilities: parent.capabilities)
        let cgroup = try #require(made)
        defer { cgroup.remove() }

        let child = try MetricsTestChild(
            cgroup.launchArguments(for: ["/bin/sh", "-c", "setsid sleep 300 & echo $!; exec sleep 300"]),
            captureStdout: true)
        let escaped = try #require(child.readLine(timeout: 10).flatMap { pid_t($0) })
        metricsTestSleep(0.2)
        #expect(getsid(escaped) != child.pid, "setsid did not move the process to a session of its own")
        #expect(Set(cgroup.pids()) == [child.pid, escaped])

        child.signalGroup(SIGKILL)
        child.wait()
        #expect(metricsTestIsRunning(escaped), "killing the process group should not reach the escaped process")

        cgroup.killAll(signal: SIGKILL)
        let deadline = metricsTestNow() + 3
        while metricsTestIsRunning(escaped) && metricsTestNow() < deadline { metricsTestSleep(0.02) }
        #expect(!metricsTestIsRunning(escaped))
    }

    @Test(.enabled(if: LimitsTestEnvironment.usable, LimitsTestEnvironment.comment))
    func removeKillsLeftoversAndLeavesNoDirectory() throws {
        let parent = LimitsTestParent()
        defer { parent.cleanup() }
        let (made, _) = try BuildCgroup.create(
            name: "build-remove", request: LimitRequest(memoryBytes: 256 << 20, cpus: 1, pids: 100),
            capabilities: parent.capabilities)
        let cgroup = try #require(made)
        let child = try MetricsTestChild(cgroup.launchArguments(
            for: ["/bin/sh", "-c", "sleep 300 & sleep 300 & wait"]))
        let deadline = metricsTestNow() + 5
        while cgroup.pids().count < 3 && metricsTestNow() < deadline { metricsTestSleep(0.02) }
        #expect(cgroup.pids().count == 3)
        #expect(cgroup.directories.count == 3)

        #expect(cgroup.remove())
        #expect(child.wait(timeout: 5) != nil)
        for d in cgroup.directories {
            #expect(!LimitsFS.exists(d.path), "\(d.path) is still there")
        }
        #expect(cgroup.pids().isEmpty)
    }

    @Test(.enabled(if: LimitsTestEnvironment.usable, LimitsTestEnvironment.comment))
    func createIsIdempotentAndResetsLimitsNotAskedFor() throws {
        let parent = LimitsTestParent()
        defer { parent.cleanup() }
        let caps = parent.capabilities
        let (first, _) = try BuildCgroup.create(name: "build-again", request: LimitRequest(memoryBytes: 128 << 20, pids: 10), capabilities: caps)
        let a = try #require(first)
        defer { a.remove() }
        // Raising the limit must work although memsw (memory + swap) was set lower.
        let (second, plan) = try BuildCgroup.create(name: "build-again", request: LimitRequest(memoryBytes: 256 << 20, cpus: 1.5), capabilities: caps)
        let b = try #require(second)
        #expect(a.directories == b.directories)
        #expect(plan.allEnforced)
        let memory = try #require(b.directories.first { $0.resources.contains(.memory) })
        let cpu = try #require(b.directories.first { $0.resources.contains(.cpu) })
        let pids = try #require(b.directories.first { $0.resources.contains(.pids) })
        if memory.version == .v1 {
            #expect(limitsTestReadInt(memory.path + "/memory.limit_in_bytes") == 256 << 20)
            if LimitsFS.exists(memory.path + "/memory.memsw.limit_in_bytes") {
                #expect(limitsTestReadInt(memory.path + "/memory.memsw.limit_in_bytes") == 256 << 20)
            }
        }
        if cpu.version == .v1 {
            #expect(limitsTestReadInt(cpu.path + "/cpu.cfs_quota_us") == 150_000)
        }
        #expect(LimitsFS.read(pids.path + "/pids.max")?.hasPrefix("max") == true)

        let (third, _) = try BuildCgroup.create(name: "build-again", request: LimitRequest(), capabilities: caps)
        #expect(third?.directories == a.directories)
        if memory.version == .v1 {
            #expect((limitsTestReadInt(memory.path + "/memory.limit_in_bytes") ?? 0) > 1 << 50)
        }
    }

    @Test(.enabled(if: LimitsTestEnvironment.usable, LimitsTestEnvironment.comment))
    func previewCreatesNothingAndMatchesCreate() throws {
        let parent = LimitsTestParent()
        defer { parent.cleanup() }
        let request = LimitRequest(memoryBytes: 2 << 30, cpus: 2, pids: 300)
        let preview = LimitPlan.preview(request: request, capabilities: parent.capabilities, name: "build-42")
        let memoryParent = try #require(parent.capabilities.cgroupParent(for: .memory))
        #expect(!LimitsFS.exists(memoryParent + "/build-42"))
        let (made, plan) = try BuildCgroup.create(name: "build-42", request: request, capabilities: parent.capabilities)
        defer { made?.remove() }
        #expect(preview == plan)
        if memoryParent.hasPrefix("/sys/fs/cgroup/memory/") {
            #expect(plan.memory?.sentence == "memory 2.0 GiB: enforced by cgroup v1 memory.limit_in_bytes "
                + "(swap included via memory.memsw.limit_in_bytes) at \(memoryParent)/build-42")
            #expect(plan.cpu?.sentence.hasPrefix("cpus 2: enforced by cgroup v1 cpu.cfs_quota_us 200000 per cpu.cfs_period_us 100000 at ") == true)
        }
    }

    @Test(.enabled(if: LimitsTestEnvironment.usable, LimitsTestEnvironment.comment))
    func pidsLimitStopsForks() throws {
        let parent = LimitsTestParent()
        defer { parent.cleanup() }
        let (made, plan) = try BuildCgroup.create(name: "build-pids", request: LimitRequest(pids: 4), capabilities: parent.capabilities)
        let cgroup = try #require(made)
        defer { cgroup.remove() }
        #expect(plan.pids?.sentence.hasPrefix("pids 4: enforced by cgroup") == true)
        // The shell gives up at the first fork that fails, leaving the sleeps it could start.
        let child = try MetricsTestChild(cgroup.launchArguments(
            for: ["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 300 & done; exec sleep 300"]))
        let status = try #require(child.wait(timeout: 10), "the shell kept running: forks did not fail")
        #expect(status != 0)
        #expect(cgroup.pids().count == 3)
    }

    @Test(.enabled(if: LimitsTestEnvironment.usable, LimitsTestEnvironment.comment))
    func removeStaleRemovesCrashedBuildsButNotTheOnesRunning() throws {
        let parent = LimitsTestParent()
        defer { parent.cleanup() }
        let caps = parent.capabilities
        let (staleMade, _) = try BuildCgroup.create(name: "build-stale", request: LimitRequest(), capabilities: caps)
        let stale = try #require(staleMade)
        let (keepMade, _) = try BuildCgroup.create(name: "build-keep", request: LimitRequest(), capabilities: caps)
        let keep = try #require(keepMade)
        defer { keep.remove() }
        let orphan = try MetricsTestChild(stale.launchArguments(for: ["sleep", "300"]))
        let deadline = metricsTestNow() + 5
        while stale.pids().isEmpty && metricsTestNow() < deadline { metricsTestSleep(0.02) }

        let removed = BuildCgroup.removeStale(except: ["build-keep"], capabilities: caps)
        #expect(Set(removed) == Set(stale.directories.map(\.path)))
        #expect(orphan.wait(timeout: 5) != nil, "the stale build's process was not killed")
        #expect(stale.directories.allSatisfy { !LimitsFS.exists($0.path) })
        #expect(keep.directories.allSatisfy { LimitsFS.isDirectory($0.path) })
    }
}

extension MetricsSerialTests {
    @Suite struct LimitsCPUTests {
        /// A busy child limited to 0.5 cpus, measured for about 2 s with the sampler.
        @Test(.enabled(if: LimitsTestEnvironment.usable, LimitsTestEnvironment.comment))
        func halfACPUIsHalfACore() throws {
            let parent = LimitsTestParent()
            defer { parent.cleanup() }
            let (made, plan) = try BuildCgroup.create(name: "build-cpu", request: LimitRequest(cpus: 0.5), capabilities: parent.capabilities)
            let cgroup = try #require(made)
            defer { cgroup.remove() }
            #expect(plan.cpu?.isEnforced == true)

            let child = try MetricsTestChild(cgroup.launchArguments(for: ["/bin/sh", "-c", "while :; do :; done"]))
            let deadline = metricsTestNow() + 5
            while cgroup.pids().isEmpty && metricsTestNow() < deadline { metricsTestSleep(0.01) }
            metricsTestSleep(0.3)

            let sampler = BuildProcessSampler(membership: cgroup.samplerMembership)
            let hostBefore = HostSnapshot.read()
            let ticksBefore = Self.cpuTicks(child.pid)
            let t0 = metricsTestNow()
            var samples = [sampler.sample()]
            for _ in 0..<4 {
                metricsTestSleep(0.5)
                samples.append(sampler.sample())
            }
            let ticksAfter = Self.cpuTicks(child.pid)
            let elapsed = metricsTestNow() - t0
            let hostAfter = HostSnapshot.read()

            let measured = samples.dropFirst().map(\.cpuPercent).reduce(0, +) / 4
            // The child's own utime+stime over the same window, read directly.
            let truth = Double(ticksAfter - ticksBefore) / Double(sysconf(Int32(_SC_CLK_TCK))) / elapsed * 100
            let others = HostSnapshot.cpuPercent(from: hostBefore, to: hostAfter) - truth
            print("cpu 0.5: sampler \(String(format: "%.1f", measured))%, child's own ticks \(String(format: "%.1f", truth))%, "
                + "rest of host \(String(format: "%.0f", others))%; \(plan.sentences)")
            #expect(abs(measured - truth) <= 10)
            #expect(measured <= 65, "the quota did not hold")
            // Only a host busy with other work may excuse getting less than the quota.
            if measured < 35 && others > 100 {
                print("cpu 0.5: host busy (other processes used \(Int(others))% of a core): lower bound not checked")
            } else {
                #expect(abs(measured - 50) <= 15)
            }
        }

        static func cpuTicks(_ pid: pid_t) -> Int64 {
            guard let text = LimitsFS.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return 0 }
            let fields = text[text.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
            return (Int64(fields[11]) ?? 0) + (Int64(fields[12]) ?? 0)
        }
    }
}
