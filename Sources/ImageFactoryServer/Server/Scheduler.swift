import Foundation
import GRDB
import ImageFactoryCore

/// The queue: highest priority first, FIFO within a priority, started while the host's budget (build slots,
/// CPUs, memory) has room. A build that does not fit waits at the head of the queue, and every queued build
/// says why it waits. Runners are child processes of the server: one crashing never takes the server down.
final class Scheduler: @unchecked Sendable {
    let store: FactoryStore
    let service: FactoryService
    let budget: ResourceBudget
    let executable: String
    let log: ServerLog

    private let lock = NSCondition()
    private var wakeRequested = false
    /// Runner pid -> build, for the runners this server started.
    private var children: [pid_t: BuildID] = [:]
    private var draining = false
    /// What runners get: this data directory, and the server's pid (they die with it).
    private lazy var runnerEnvironment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["IMAGEFACTORY_SERVER_PID"] = String(getpid())
        env["IMAGEFACTORY_HOME"] = store.directory.root.path
        env.removeValue(forKey: "IMAGEFACTORY_SOCKET")
        env["IMAGEFACTORY_MIN_FREE"] = String(minFreeBytes)
        return env
    }()
    /// Called after a tick changed what runs (the hub then tells the dashboards).
    var onChange: (@Sendable () -> Void)?

    /// Bytes kept free on the data filesystem (`server --min-free`); 0: none beyond a full disk.
    let minFreeBytes: Int64

    init(store: FactoryStore, service: FactoryService, budget: ResourceBudget, executable: String, log: ServerLog, minFreeBytes: Int64 = 0) {
        self.minFreeBytes = minFreeBytes
        self.store = store
        self.service = service
        self.budget = budget
        self.executable = executable
        self.log = log
    }

    /// Builds that do not name resources count against the build slots only.
    static func demand(of build: Build) -> (cpus: Double, memory: Int64) {
        (build.requestedCpus ?? 0, build.requestedMemory ?? 0)
    }

    func wake() {
        lock.lock()
        wakeRequested = true
        lock.signal()
        lock.unlock()
    }

    var runningChildren: Int { lock.withLock { children.count } }

    /// No new builds start; running ones go on.
    func drain() {
        lock.withLock { draining = true }
        wake()
    }

    /// The loop of the scheduler thread: a tick when woken (new build, cancel), every 250 ms while runners
    /// run (to reap them), and every second otherwise (builds queued by another writer of the store).
    func run(until stopped: @escaping @Sendable () -> Bool) {
        while !stopped() {
            tick()
            lock.lock()
            let period = children.isEmpty ? 1.0 : 0.25
            if !wakeRequested { _ = lock.wait(until: Date().addingTimeInterval(period)) }
            wakeRequested = false
            lock.unlock()
        }
    }

    func tick() {
        reapChildren()
        writePendingOutcomes()
        do {
            try schedule()
        } catch {
            log.error("scheduler: \(error)")
        }
    }

    var outcomes: PendingOutcomes { service.outcomes }

    /// Room kept free on the data filesystem so that the end of a build can still be written when the disk
    /// fills: released when a write finds no space, made again once there is room.
    lazy var reserve = SpaceReserve(path: store.directory.root.appendingPathComponent(".space-reserve").path,
                                    bytes: Int(DataFilesystem.read(store.directory)?.reserveBytes ?? 1 << 20))

    /// Ends kept in memory are written as soon as the store takes them (space freed, a lock gone).
    private func writePendingOutcomes() {
        let pending = outcomes.all
        if pending.isEmpty {
            reserve.ensure()
            return
        }
        for (id, o) in pending {
            do {
                try service.recordEnd(of: id, status: o.status, reason: o.reason, at: o.finishedAt)
                outcomes.remove(id)
                log.info("recorded the end of build id \(id) (\(o.status.rawValue): \(o.reason))")
            } catch where StorageFault.isNoSpace(error) && reserve.release() {
                log.info("released the space reserve to record the end of build id \(id)")
                if (try? service.recordEnd(of: id, status: o.status, reason: o.reason, at: o.finishedAt)) != nil { outcomes.remove(id) }
            } catch {
                // Still kept in memory, and shown to every client as if written.
            }
        }
        onChange?()
    }

    // MARK: Runners

    private func reapChildren() {
        var ended: [(pid_t, BuildID, Int32)] = []
        lock.withLock {
            for (pid, build) in children {
                var status: Int32 = 0
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid || (r < 0 && errno == ECHILD) { ended.append((pid, build, status)) }
            }
            for (pid, _, _) in ended { children.removeValue(forKey: pid) }
        }
        guard !ended.isEmpty else { return }
        for (pid, build, status) in ended {
            log.info("runner \(pid) of build id \(build) exited (wait status \(status))")
            // A runner that ended without recording its build's end (crash, OOM kill, a full disk): record it
            // here, or keep it in memory and tell every client now when the store cannot take it.
            guard let row = try? store.build(id: build), !row.status.isFinished else { continue }
            let exited = status & 0x7f == 0 ? (status >> 8) & 0xff : -1
            let fs = DataFilesystem.read(store.directory)
            let noSpace = exited == StorageFault.runnerExitStatus || fs?.isFull == true
            let (end, reason): (BuildStatus, String) = noSpace
                ? (.failed, fs?.noSpaceReason ?? "no space left in the data directory \(store.directory.root.path)")
                : (.interrupted, "interrupted: the process running the build (pid \(pid)) ended before the build finished")
            do {
                try service.recordEnd(of: build, status: end, reason: reason)
            } catch {
                outcomes.record(build, status: end, reason: reason)
                log.error("cannot record the end of build id \(build) (\(error)): kept in memory and shown to clients until it can be written")
            }
        }
        onChange?()
    }

    private func launch(_ build: Build) throws {
        let dir = store.directory.logDirectory(for: build.id!)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let pid = try SimpleCommand.spawn([executable, "build", "run", "--build-id", String(build.id!.rawValue)],
                                          newSession: true, outputPath: dir.appendingPathComponent("runner.log").path,
                                          environment: runnerEnvironment)
        lock.withLock { children[pid] = build.id! }
        try store.write { db in
            try BuildRowWriter.recordLaunch(build.id!, runnerPid: pid, runnerStartTicks: ProcessLiveness.stat(pid)?.startTicks, db)
        }
        log.info("started build id \(build.id!) (runner pid \(pid))")
    }

    /// Ends every runner at once (`server stop --now`); the builds are then marked interrupted.
    func killRunners() {
        let pids = lock.withLock { Array(children.keys) }
        for pid in pids { kill(pid, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while runningChildren > 0 && Date() < deadline {
            reapChildren()
            usleep(20_000)
        }
    }

    // MARK: Queue

    private func schedule() throws {
        let (stored, queued) = try store.read { db -> ([Build], [Build]) in
            let active = try Build.filter(Build.Columns.status == BuildStatus.running.rawValue
                || (Build.Columns.status == BuildStatus.queued.rawValue && Build.Columns.runnerPid != nil)).fetchAll(db)
            let queued = try Build.filter(Build.Columns.status == BuildStatus.queued.rawValue && Build.Columns.runnerPid == nil)
                .order(Build.Columns.priority.desc, Build.Columns.id).fetchAll(db)
            return (active, queued)
        }
        // Builds whose end is only in memory no longer hold their share of the budget.
        let active = stored.map(outcomes.apply).filter { !$0.status.isFinished }
        guard !queued.isEmpty else { return }
        // Nothing starts while the data filesystem cannot record a build; the queue says why, and goes on once
        // there is room again.
        if let fs = DataFilesystem.read(store.directory), fs.isFull || fs.readOnly || fs.freeBytes < minFreeBytes {
            let hold = fs.readOnly ? "waiting: the data filesystem \(fs.path) is read-only"
                : fs.isFull ? "waiting for space: \(fs.noSpaceReason)" : "waiting for space: \(fs.lowSpaceReason(minimum: minFreeBytes))"
            if outcomes.holdReason != hold {
                outcomes.holdReason = hold
                log.error("queue held: \(hold)")
                onChange?()
            }
            return
        }
        if outcomes.holdReason != nil {
            outcomes.holdReason = nil
            log.info("queue released: the data filesystem has room again")
            onChange?()
        }
        var slots = budget.maxBuilds - active.count
        var cpus = budget.cpus - active.reduce(0) { $0 + Self.demand(of: $1).cpus }
        var memory = budget.memoryBytes - active.reduce(0) { $0 + Self.demand(of: $1).memory }
        let isDraining = lock.withLock { draining }
        var blocker: String?
        var position = 0
        var reasons: [(BuildID, String?)] = []
        var changed = false
        for build in queued {
            let need = Self.demand(of: build)
            if let why = impossible(need) {
                try fail(build, reason: why)
                changed = true
                continue
            }
            if blocker == nil {
                if isDraining {
                    blocker = "the server is stopping"
                } else if slots <= 0 {
                    blocker = "a build slot (\(budget.maxBuilds) of \(budget.maxBuilds) running)"
                } else if need.cpus > cpus + 1e-9 {
                    blocker = "\(Self.cpuText(need.cpus)) (\(Self.number(max(0, cpus))) of \(Self.number(budget.cpus)) free)"
                } else if need.memory > memory {
                    blocker = "\(ByteCount(bytes: need.memory)) of memory (\(ByteCount(bytes: max(0, memory))) of \(ByteCount(bytes: budget.memoryBytes)) free)"
                } else {
                    try launch(build)
                    changed = true
                    slots -= 1
                    cpus -= need.cpus
                    memory -= need.memory
                    continue
                }
            }
            position += 1
            let reason = blocker == "the server is stopping"
                ? "waiting: the server is stopping and starts no new builds, position \(position)"
                : "waiting for \(blocker!), position \(position)"
            if reason != build.queueReason { reasons.append((build.id!, reason)) }
        }
        if !reasons.isEmpty {
            try store.write { db in
                for (id, reason) in reasons {
                    try BuildRowWriter.setQueueReason(id, reason, db)
                }
            }
            changed = true
        }
        if changed { onChange?() }
    }

    /// A request the whole budget could never satisfy fails at once instead of blocking the queue forever.
    private func impossible(_ need: (cpus: Double, memory: Int64)) -> String? {
        if need.cpus > budget.cpus + 1e-9 {
            return "the build asks for \(Self.cpuText(need.cpus)) but this server's budget is \(Self.cpuText(budget.cpus)) (`imagefactory server --cpus`)"
        }
        if need.memory > budget.memoryBytes {
            return "the build asks for \(ByteCount(bytes: need.memory)) of memory but this server's budget is \(ByteCount(bytes: budget.memoryBytes)) (`imagefactory server --memory`)"
        }
        return nil
    }

    private func fail(_ build: Build, reason: String) throws {
        let now = Date()
        try store.write { db in
            try BuildRowWriter.endQueued(build.id!, status: .failed, reason: reason, at: now, clearQueueReason: true, db)
        }
        log.info("build id \(build.id!) cannot fit the budget: \(reason)")
    }

    static func cpuText(_ cpus: Double) -> String { "\(number(cpus)) CPU" + (cpus == 1 ? "" : "s") }

    static func number(_ cpus: Double) -> String {
        cpus == cpus.rounded() ? String(Int(cpus)) : String(format: "%.1f", cpus)
    }
}
