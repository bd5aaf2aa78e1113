import Glibc
import Testing
@testable import ImageFactoryCore

@Suite struct LimitsPlanTests {
    /// What detection reports on a host without usable cgroups (here: none mounted under the root given).
    @Test func detectionWithoutCgroupsDegradesAndSaysWhy() {
        let caps = LimitCapabilities.detect(root: "/nonexistent-cgroup-root")
        #expect(caps.memory == .rlimit("RLIMIT_AS"))
        guard case .none(let cpuReason) = caps.cpu, case .none(let pidsReason) = caps.pids else {
            Issue.record("cpu and pids must be unenforceable: \(caps.report())")
            return
        }
        #expect(cpuReason.hasPrefix("no writable cpu cgroup controller ("))
        #expect(cpuReason.contains("rlimit cannot limit a CPU rate"))
        #expect(cpuReason.contains("no cgroup2 file system mounted under /nonexistent-cgroup-root"))
        #expect(pidsReason.contains("RLIMIT_NPROC"))
        let report = caps.report()
        #expect(report.contains { $0.hasPrefix("memory: RLIMIT_AS only (it caps virtual address space, not resident memory)") })
        #expect(report.contains { $0.hasPrefix("cpu: NOT enforceable: no writable cpu cgroup controller") })
    }

    @Test func unenforceableRequestSaysNotEnforcedAndWhy() throws {
        let caps = LimitCapabilities.detect(root: "/nonexistent-cgroup-root")
        let (cgroup, plan) = try BuildCgroup.create(
            name: "build-42", request: LimitRequest(memoryBytes: 256 << 20, cpus: 2, pids: 512), capabilities: caps)
        #expect(cgroup == nil)
        #expect(!plan.allEnforced)
        let cpu = try #require(plan.cpu)
        #expect(cpu.sentence.hasPrefix("cpus 2: NOT enforced: no writable cpu cgroup controller ("))
        #expect(cpu.sentence.hasSuffix("rlimit cannot limit a CPU rate)"))
        #expect(!cpu.isEnforced)
        let pids = try #require(plan.pids)
        #expect(pids.sentence.hasPrefix("pids 512: NOT enforced: no writable pids cgroup controller"))
        let memory = try #require(plan.memory)
        #expect(memory.mechanism == .rlimit("RLIMIT_AS"))
        #expect(memory.sentence.hasPrefix("memory 256 MiB: enforced only by RLIMIT_AS (ulimit -v 262144)"))
        #expect(memory.sentence.contains("VIRTUAL address space"))
        #expect(memory.sentence.contains("NOT resident memory"))
        #expect(RlimitFallback.shellPrefix(for: LimitRequest(memoryBytes: 256 << 20), capabilities: caps) == "ulimit -v 262144")
        #expect(RlimitFallback.shellPrefix(for: plan, capabilities: caps) == "ulimit -v 262144")
        print("plan without cgroups: \(plan.sentences)")
    }

    @Test func previewMatchesCreateWithoutCgroups() throws {
        let caps = LimitCapabilities.detect(root: "/nonexistent-cgroup-root")
        let request = LimitRequest(memoryBytes: 1 << 30, cpus: 1.5, pids: 64)
        let (_, plan) = try BuildCgroup.create(name: "build-9", request: request, capabilities: caps)
        #expect(LimitPlan.preview(request: request, capabilities: caps) == plan)
        #expect(LimitPlan.preview(request: LimitRequest(), capabilities: caps).entries.isEmpty)
        let bad = LimitPlan.preview(request: LimitRequest(cpus: 0), capabilities: caps)
        #expect(bad.cpu?.sentence.hasPrefix("cpus 0: NOT enforced: invalid request") == true)
    }

    /// The RLIMIT_AS fallback really stops a process that wants more.
    @Test func rlimitFallbackPrefixLimitsTheShell() throws {
        let caps = LimitCapabilities.detect(root: "/nonexistent-cgroup-root")
        let prefix = try #require(RlimitFallback.shellPrefix(for: LimitRequest(memoryBytes: 64 << 20), capabilities: caps))
        let limited = try MetricsTestChild(["/bin/sh", "-c", "\(prefix) && head -c 200000000 /dev/zero | tail -n 1 > /dev/null 2>&1"])
        let unlimited = try MetricsTestChild(["/bin/sh", "-c", "head -c 20000000 /dev/zero | tail -n 1 > /dev/null"])
        #expect(limited.wait(timeout: 30).map { $0 != 0 } == true)
        #expect(unlimited.wait(timeout: 30) == 0)
    }

    @Test func noCgroupFallbackWhenTheRequestedMemoryIsNotByRlimit() {
        let caps = LimitCapabilities(memory: .cgroupV1(parent: "/sys/fs/cgroup/memory/imagefactory"),
                                     cpu: .none(reason: "x"), pids: .none(reason: "y"))
        #expect(RlimitFallback.shellPrefix(for: LimitRequest(memoryBytes: 1 << 30), capabilities: caps) == nil)
        #expect(RlimitFallback.shellPrefix(for: LimitRequest(), capabilities: LimitCapabilities.detect(root: "/nonexistent")) == nil)
        // An inherited hard limit below the request cannot be raised: ask for no more than it.
        let capped = LimitCapabilities(memory: .rlimit("RLIMIT_AS"), cpu: .none(reason: "x"), pids: .none(reason: "y"),
                                       addressSpaceHardLimitBytes: (100 << 20) + 512)
        #expect(RlimitFallback.shellPrefix(for: LimitRequest(memoryBytes: 1 << 30), capabilities: capped) == "ulimit -v 102400")
    }

    /// Detection said a controller was usable, but the build's cgroup cannot be made there.
    @Test func cgroupThatCannotBeCreatedDegradesPerLimit() throws {
        let caps = LimitCapabilities(memory: .cgroupV1(parent: "/proc/no-such-parent"),
                                     cpu: .cgroupV1(parent: "/proc/no-such-parent"),
                                     pids: .none(reason: "no writable pids cgroup controller (test)"))
        let (cgroup, plan) = try BuildCgroup.create(
            name: "build-7", request: LimitRequest(memoryBytes: 1 << 30, cpus: 0.5, pids: 10), capabilities: caps)
        #expect(cgroup == nil)
        #expect(plan.memory?.mechanism == .rlimit("RLIMIT_AS"))
        #expect(plan.memory?.sentence.contains("cannot create /proc/no-such-parent") == true)
        #expect(plan.cpu?.sentence.hasPrefix("cpus 0.5: NOT enforced: the cpu cgroup could not be set up: cannot create /proc/no-such-parent") == true)
        #expect(plan.pids?.sentence == "pids 10: NOT enforced: no writable pids cgroup controller (test)")
    }

    @Test func invalidNamesAndRequestsAreRejected() {
        let caps = LimitCapabilities.detect(root: "/nonexistent")
        for bad in ["", "../x", "a/b", ".hidden", "with space", "quote'"] {
            #expect(throws: BuildCgroup.CreateError.invalidName(bad)) {
                _ = try BuildCgroup.create(name: bad, request: LimitRequest(), capabilities: caps)
            }
        }
        for bad in [LimitRequest(memoryBytes: 0), LimitRequest(cpus: 0), LimitRequest(cpus: .nan), LimitRequest(pids: -1)] {
            #expect(throws: BuildCgroup.CreateError.self) {
                _ = try BuildCgroup.create(name: "build-1", request: bad, capabilities: caps)
            }
        }
    }

    @Test func joinPrefixQuotesPathsAndExecsTheCommand() {
        let cgroup = BuildCgroup(name: "build-1", directories: [
            .init(path: "/sys/fs/cgroup/memory/imagefactory/build-1", version: .v1, resources: [.memory]),
            .init(path: "/tmp/it's here", version: .v1, resources: [.cpu]),
        ])
        #expect(cgroup.joinShellPrefix()
            == "echo $$ > '/sys/fs/cgroup/memory/imagefactory/build-1/cgroup.procs' && echo $$ > '/tmp/it'\\''s here/cgroup.procs' && exec \"$@\"")
        #expect(cgroup.launchArguments(for: ["make", "-j2"], shellPrefix: "ulimit -v 1024")
            == ["/bin/sh", "-c", "ulimit -v 1024 && " + cgroup.joinShellPrefix(), "imagefactory-build", "make", "-j2"])
        #expect(cgroup.samplerMembership == .cgroup(procsFiles: ["/sys/fs/cgroup/memory/imagefactory/build-1/cgroup.procs"]))
    }

    @Test func formatting() {
        #expect(LimitPlan.formatBytes(2 << 30) == "2.0 GiB")
        #expect(LimitPlan.formatBytes(256 << 20) == "256 MiB")
        #expect(LimitPlan.formatBytes(3 << 19) == "1.5 MiB")
        #expect(LimitPlan.formatBytes(512 << 10) == "512 KiB")
        #expect(LimitPlan.formatBytes(100) == "100 B")
        #expect(LimitPlan.formatCPUs(2) == "2")
        #expect(LimitPlan.formatCPUs(0.5) == "0.5")
        #expect(LimitPlan.formatCPUs(1.25) == "1.25")
    }
}
