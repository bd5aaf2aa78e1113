import CSystemShims
import Foundation
import GRDB
import ImageFactoryCore

/// The build server: owns the scheduler, the runners (child processes), the event hub and the socket.
/// Threads, not tasks: a blocked client read or a slow disk never starves the scheduler.
public final class BuildServer: @unchecked Sendable {
    /// Build ends the store could not record yet, shared by the scheduler, the hub and every client's service.
    let outcomes = PendingOutcomes()
    public struct Settings: Sendable {
        public var budget: ResourceBudget
        /// A group whose members may connect (a shared build host); nil for a personal server (0600 socket).
        public var group: gid_t?
        /// A personal server exits after this long with no client and no build; nil never.
        public var idleTimeout: TimeInterval?
        public var version: String
        /// Bytes kept free on the data filesystem: below it the queue waits and running builds stop. Nil: the
        /// default (5% of the filesystem, at most 1 GiB); 0: only a full disk stops builds.
        public var minFreeBytes: Int64?

        public init(budget: ResourceBudget = .machineDefault(), group: gid_t? = nil, idleTimeout: TimeInterval? = nil,
                    version: String = "0.1.0", minFreeBytes: Int64? = nil) {
            self.minFreeBytes = minFreeBytes
            self.budget = budget
            self.group = group
            self.idleTimeout = idleTimeout
            self.version = version
        }
    }

    public let directory: DataDirectory
    public let endpoint: ServerEndpoint
    public let settings: Settings
    let log: ServerLog
    let store: FactoryStore
    let owner: FactoryService
    let scheduler: Scheduler
    let hub: EventHub
    let startedAt = Date()

    private let lock = NSLock()
    private var connections: [Int: ClientConnection] = [:]
    private var nextConnectionID = 1
    private var stopRequested: (now: Bool, by: String)?
    private var listener: ListeningSocket?
    private var lastBusy = Date()

    public init(directory: DataDirectory, endpoint: ServerEndpoint, settings: Settings, log: ServerLog) throws {
        self.directory = directory
        self.endpoint = endpoint
        self.settings = settings
        self.log = log
        store = try FactoryStore(directory: directory)
        FactoryStore.slowWriteReporter = { [log] message in log.info(message) }
        let user = try Bootstrap.ensureUser(.current(), in: store)
        owner = FactoryService(store: store, user: user, outcomes: outcomes)
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let minFree = settings.minFreeBytes ?? DataFilesystem.read(directory)?.defaultMinimumFree ?? 0
        scheduler = Scheduler(store: store, service: owner, budget: settings.budget, executable: exe, log: log, minFreeBytes: minFree)
        hub = EventHub(store: store, log: log, outcomes: outcomes)
        scheduler.onChange = { [hub] in hub.wake() }
    }

    // MARK: Lifecycle

    /// Runs until stopped (`server stop`, SIGTERM or SIGINT, or idle). Throws when another server owns the endpoint.
    public func run() throws {
        let lockFD = try takeEndpointLock()
        defer { Glibc.close(lockFD) }
        if endpoint.shared {
            // The service user alone reads the data; clients get everything through the socket.
            chmod(directory.root.path, 0o700)
            chmod(directory.databaseURL.path, 0o600)
        }
        try recoverAfterRestart()
        let listener = try ListeningSocket(path: endpoint.socketPath, mode: settings.group == nil ? 0o600 : 0o660,
                                           group: settings.group)
        lock.withLock { self.listener = listener }
        try "\(getpid())\n".write(toFile: endpoint.pidFile, atomically: true, encoding: .utf8)
        log.info("listening on \(endpoint.socketPath) (pid \(getpid()), data \(directory.root.path), budget \(settings.budget.maxBuilds) builds, \(Scheduler.cpuText(settings.budget.cpus)), \(ByteCount(bytes: settings.budget.memoryBytes)))")

        // run() outlives these threads' work, so they hold the server strongly.
        let stopped: @Sendable () -> Bool = { self.isStopping }
        let threads = [
            Thread { [scheduler] in scheduler.run(until: stopped) },
            Thread { [hub] in hub.run(connections: { self.liveConnections() }, until: stopped) },
            Thread { self.acceptLoop(listener) },
        ]
        for (i, t) in threads.enumerated() {
            t.name = ["scheduler", "events", "accept"][i]
            t.start()
        }
        installSignalHandlers()

        // The main thread watches for signals, idleness and the end of a graceful stop.
        var ticks = 0
        while true {
            usleep(50_000)
            ticks += 1
            if ServerSignals.received != 0 {
                // SIGTERM/SIGINT (a service manager, Ctrl-C) stop now: running builds are ended and marked
                // interrupted, which leaves nothing behind. `server stop` is the way to wait for them.
                let sig = ServerSignals.received
                ServerSignals.received = 0
                requestStop(now: true, by: sig == SIGINT ? "SIGINT" : "SIGTERM")
            }
            if let stop = lock.withLock({ stopRequested }) {
                if stop.now || scheduler.runningChildren == 0 { break }
                continue
            }
            if let idle = settings.idleTimeout, ticks % 20 == 0, isIdle(for: idle) {
                log.info("idle for \(Int(idle)) s with no client and no build: exiting")
                break
            }
        }
        shutdown()
    }

    /// Stops accepting builds; with `now`, ends running ones (they are marked interrupted), else waits for them.
    func requestStop(now: Bool, by who: String) {
        lock.withLock {
            if let existing = stopRequested, existing.now || !now { return }
            stopRequested = (now, who)
        }
        log.info("stop requested by \(who)\(now ? " (now: running builds are ended)" : " (waiting for running builds)")")
        scheduler.drain()
        for c in liveConnections() { c.send(event: .stopping(reason: now ? "the server is stopping now" : "the server is stopping after its running builds")) }
    }

    var isStopping: Bool {
        lock.withLock {
            guard let stop = stopRequested else { return false }
            return stop.now || closing
        }
    }

    private var closing = false

    private func shutdown() {
        let now = lock.withLock { stopRequested?.now ?? false }
        if now { scheduler.killRunners() }
        _ = try? owner.recoverInterruptedBuilds()
        lock.withLock { closing = true }
        hub.wake()
        scheduler.wake()
        lock.withLock { listener }?.close()
        for c in liveConnections() { c.finish(after: WireJSON.frame(.event, ServerEvent.stopping(reason: "the server stopped"))) }
        unlink(endpoint.pidFile)
        log.info("stopped")
    }

    private func isIdle(for seconds: TimeInterval) -> Bool {
        let busy = !liveConnections().isEmpty || scheduler.runningChildren > 0
            || ((try? store.read { db in try Build.filter(Build.Columns.status == BuildStatus.queued.rawValue).fetchCount(db) }) ?? 0) > 0
        if busy {
            lock.withLock { lastBusy = Date() }
            return false
        }
        return Date().timeIntervalSince(lock.withLock { lastBusy }) > seconds
    }

    /// One server per endpoint: an exclusive lock held for the server's life (released by the kernel on SIGKILL).
    private func takeEndpointLock() throws -> Int32 {
        if !endpoint.shared { try endpoint.preparePrivateDirectory() }
        let path = endpoint.socketPath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FactoryError.runtime("cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            Glibc.close(fd)
            let pid = endpoint.runningPid().map { " (pid \($0))" } ?? ""
            throw FactoryError.conflict("a build server is already running for \(endpoint.socketPath)\(pid)")
        }
        return fd
    }

    /// After a crash or SIGKILL: runners of the old server are ended (they die with it, but may still be
    /// exiting), their builds are marked interrupted with what they logged kept, and their processes are ended.
    private func recoverAfterRestart() throws {
        let stale = try store.builds(project: nil, statuses: [.running, .queued], limit: 10_000).filter { $0.runnerPid != nil }
        for build in stale {
            let pid = Int32(build.runnerPid!)
            // Only runners of an earlier server: a runner started by hand (`build run`) is left to finish.
            guard ProcessLiveness.isAlive(pid: pid, startTicks: build.runnerStartTicks),
                  let owner = Self.serverPid(ofRunner: pid), owner != getpid() else { continue }
            kill(pid, SIGKILL)
            let deadline = Date().addingTimeInterval(3)
            while ProcessLiveness.isAlive(pid: pid, startTicks: build.runnerStartTicks), Date() < deadline { usleep(10_000) }
        }
        let recovered = try owner.recoverInterruptedBuilds()
        for b in recovered {
            log.info("build id \(b.id!) was interrupted by the previous server's end; its log and metrics are kept")
            let name = try store.project(id: b.projectId)?.name ?? "?"
            try hub.publish(BuildNotification(userId: b.startedBy, buildId: b.id, kind: "build.interrupted",
                                              message: "build \(name)#\(b.number.rawValue) \(b.name) was interrupted: the build server stopped"),
                            connections: [])
        }
        let check = try store.integrityCheck()
        if check != "ok" { log.error("database integrity check: \(check)") }
    }

    /// The server a runner was started by, from its environment.
    static func serverPid(ofRunner pid: Int32) -> Int32? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
        for entry in data.split(separator: 0) where entry.starts(with: Array("IMAGEFACTORY_SERVER_PID=".utf8)) {
            return Int32(String(decoding: entry.dropFirst("IMAGEFACTORY_SERVER_PID=".utf8.count), as: UTF8.self))
        }
        return nil
    }

    // MARK: Connections

    func liveConnections() -> [ClientConnection] {
        lock.withLock {
            connections = connections.filter { !$0.value.isClosed }
            return Array(connections.values)
        }
    }

    private func acceptLoop(_ listener: ListeningSocket) {
        while let socket = listener.accept() {
            if isStopping {
                socket.close()
                break
            }
            let t = Thread { self.serve(socket) }
            t.name = "client"
            t.start()
        }
    }

    private func serve(_ socket: FrameSocket) {
        guard let creds = socket.peerCredentials() else {
            socket.close()
            return
        }
        let user: User
        do {
            guard let known = try identify(uid: creds.uid) else {
                let name = getpwuid(creds.uid).map { " (\(String(cString: $0.pointee.pw_name)))" } ?? ""
                let message = "uid \(creds.uid)\(name) has no Image Factory account on this server; a project admin can add it with `imagefactory member add LOGIN --uid \(creds.uid) -p PROJECT`"
                log.info("refused pid \(creds.pid): \(message)")
                _ = socket.write(WireJSON.frame(.error, RemoteError(message: message, exitCode: 4)))
                socket.close()
                return
            }
            user = known
        } catch {
            _ = socket.write(WireJSON.frame(.error, RemoteError(error)))
            socket.close()
            return
        }
        let id = lock.withLock { () -> Int in
            defer { nextConnectionID += 1 }
            return nextConnectionID
        }
        let connection = ClientConnection(id: id, socket: socket, user: user, uid: creds.uid,
                                          service: FactoryService(store: store, user: user, outcomes: outcomes))
        lock.withLock {
            connections[id] = connection
            lastBusy = Date()
        }
        let writer = Thread { connection.runWriter() }
        writer.name = "client-writer"
        writer.start()
        connection.send(event: .welcome(Welcome(serverPid: getpid(), version: settings.version, login: user.login, uid: Int64(creds.uid), user: user)))
        let handler = RequestHandler(server: self, connection: connection)
        while true {
            do {
                let frame = try socket.readFrame(limit: WireProtocol.maxRequestPayload)
                guard frame.kind == .request else { throw FrameError.unexpectedKind(frame.kind) }
                let request = try WireJSON.decode(RequestFrame.self, frame.payload)
                try connection.accept(requestID: request.id)
                connection.send(handler.handle(request))
            } catch FrameError.closed(midFrame: false) {
                break
            } catch let error as FrameError {
                // A broken or hostile client: say why, then hang up on it alone.
                log.info("closing client \(id) (uid \(creds.uid)): \(error)")
                connection.finish(after: WireJSON.frame(.error, RemoteError(message: "protocol error: \(error)", exitCode: 70)))
                break
            } catch {
                connection.finish(after: WireJSON.frame(.error, RemoteError(error)))
                break
            }
            if connection.isClosed { break }
        }
        connection.release()
        lock.withLock {
            _ = connections.removeValue(forKey: id)
            lastBusy = Date()
        }
    }

    /// The caller is who the kernel says connected: the server's own user, or an account with that uid.
    private func identify(uid: uid_t) throws -> User? {
        if uid == geteuid() { return owner.user }
        return try store.user(uid: Int64(uid))
    }

    // MARK: Signals

    private func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        signal(SIGTERM) { sig in ServerSignals.received = sig }
        signal(SIGINT) { sig in ServerSignals.received = sig }
    }
}

enum ServerSignals {
    nonisolated(unsafe) static var received: sig_atomic_t = 0
}

extension ResourceBudget {
    /// Every core and 80% of the memory, and as many concurrent builds as cores (at least 2).
    public static func machineDefault() -> ResourceBudget {
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let memory = Int64(Double(ProcessInfo.processInfo.physicalMemory) * 0.8)
        return ResourceBudget(maxBuilds: max(2, Int(cores)), cpus: cores, memoryBytes: memory)
    }
}
