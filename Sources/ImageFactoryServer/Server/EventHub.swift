import Foundation
import GRDB
import ImageFactoryCore

/// Turns what runners commit to the store into events for the clients that follow it: build status,
/// steps, metric samples, artifacts, log lines by sequence, the dashboard's active builds, and the
/// notifications of each build's starter. Runners write the store; the hub reads it every `interval`
/// (one small query when nothing changed), so one encoded page of lines serves every follower.
final class EventHub: @unchecked Sendable {
    let store: FactoryStore
    let log: ServerLog
    let interval: TimeInterval
    /// Lines per frame, and frames per client per tick: a fast client catches up quickly; a slow one
    /// gets its lines when its queue has room.
    static let pageLines = 4096
    static let pagesPerTick = 16
    /// A follower this many lines behind is told so (once) and may jump to the end.
    static let behindLines = 100_000

    private var lastBuilds: [BuildID: Build] = [:]
    private var lastSteps: [BuildID: [Int: Step]] = [:]
    private var lastMetricMs: [BuildID: Int64] = [:]
    private var lastMetricCheck: [BuildID: Date] = [:]
    private var readers: [BuildID: LogReader] = [:]
    private var lastDashboard: [BuildRow] = []
    private var projectNames: [ProjectID: String] = [:]
    private var logins: [UserID: String] = [:]
    private let wakeCondition = NSCondition()
    private var wakeRequested = false
    /// The database files' sizes and change times at the last full tick: every commit changes them, so an
    /// idle server costs a few stat calls a tick rather than a query.
    private var lastStamp: [Int64] = []
    private var lastError: String?
    /// Notifications pushed live that the store could not keep yet (a full disk): pushed once, kept later.
    private var unrecorded: [BuildNotification] = []
    private var pushed = Set<String>()

    /// Ends not yet written: followers hear them as if they were.
    let outcomes: PendingOutcomes

    init(store: FactoryStore, log: ServerLog, outcomes: PendingOutcomes, interval: TimeInterval = 0.01) {
        self.outcomes = outcomes
        self.store = store
        self.log = log
        self.interval = interval
    }

    func wake() {
        wakeCondition.lock()
        wakeRequested = true
        wakeCondition.signal()
        wakeCondition.unlock()
    }

    func run(connections: @escaping @Sendable () -> [ClientConnection], until stopped: @escaping @Sendable () -> Bool) {
        var busy = true
        var forced = true
        var lastFull = Date.distantPast
        while !stopped() {
            let clients = connections()
            // Nobody following anything: changes only matter to notifications and dashboards, at a slower pace.
            let following = clients.contains { !$0.subscribedBuilds.isEmpty }
            let stamp = storeStamp()
            // Change times are coarse (a clock tick): a full pass every 250 ms catches a same-tick commit.
            if busy || forced || stamp != lastStamp || Date().timeIntervalSince(lastFull) > (following ? 0.25 : 1) {
                lastStamp = stamp
                lastFull = Date()
                do {
                    busy = try tick(clients)
                    lastError = nil
                } catch {
                    // Said once, not every 10 ms, until it changes.
                    if "\(error)" != lastError { log.error("event hub: \(error)") }
                    lastError = "\(error)"
                    busy = false
                }
            }
            wakeCondition.lock()
            if !wakeRequested {
                _ = wakeCondition.wait(until: Date().addingTimeInterval(busy ? 0 : following ? interval : interval * 10))
            }
            forced = wakeRequested
            wakeRequested = false
            wakeCondition.unlock()
        }
    }

    private func storeStamp() -> [Int64] {
        var out: [Int64] = []
        for path in [store.directory.databaseURL.path, store.directory.databaseURL.path + "-wal"] {
            var st = stat()
            if stat(path, &st) == 0 {
                out += [Int64(st.st_size), Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec)]
            } else {
                out += [-1, -1, -1]
            }
        }
        return out
    }

    /// One pass; true when some client still has lines to catch up on.
    @discardableResult
    func tick(_ connections: [ClientConnection]) throws -> Bool {
        // Taken before the store is read: the row each new subscriber is pushed is no older than its subscription.
        var newSubscribers: [Int: Set<BuildID>] = [:]
        for c in connections {
            let new = c.takeNewSubscriptions()
            if !new.isEmpty { newSubscribers[c.id] = new }
        }
        do {
            return try tick(connections, newSubscribers: newSubscribers)
        } catch {
            for c in connections { if let new = newSubscribers[c.id] { c.restoreNewSubscriptions(new) } }
            throw error
        }
    }

    private func tick(_ connections: [ClientConnection], newSubscribers: [Int: Set<BuildID>]) throws -> Bool {
        var subscribed = Set<BuildID>()
        for c in connections { subscribed.formUnion(c.subscribedBuilds.keys) }
        // Builds active at the last tick are read once more, so their end is seen (and notified).
        let ids = subscribed.union(lastBuilds.keys).map(\.rawValue)
        let builds = try store.read { db in
            try Build.filter([BuildStatus.queued.rawValue, BuildStatus.running.rawValue].contains(Build.Columns.status)
                             || ids.contains(Build.Columns.id)).order(Build.Columns.id).fetchAll(db)
        }.map(outcomes.apply)
        var current: [BuildID: Build] = [:]
        for b in builds { current[b.id!] = b }

        for build in builds {
            let id = build.id!
            let previous = lastBuilds[id]
            let watchers = connections.filter { $0.subscribedBuilds[id] != nil }
            if previous != build {
                // A build first seen already finished is old news (subscribed to after the fact).
                if previous.map({ $0.status != build.status }) ?? (build.status == .running) {
                    // A short build can start and end between two looks: it still started.
                    if previous?.status == .queued, build.status.isFinished, build.startedAt != nil {
                        var started = build
                        started.status = .running
                        try notify(started, connections: connections)
                    }
                    try notify(build, connections: connections)
                }
                if !watchers.isEmpty {
                    let row = try self.row(build)
                    for c in watchers { c.send(event: .build(row)) }
                    try sendSteps(of: build, to: watchers)
                    if build.status.isFinished && previous?.status.isFinished != true {
                        for artifact in try store.artifacts(of: id) {
                            for c in watchers { c.send(event: .artifact(artifact)) }
                        }
                    }
                }
            } else {
                // Unchanged since the last tick, so its other followers were told already; a new one may not have
                // been (its reply can predate the build's end): it hears the row now.
                let newcomers = watchers.filter { newSubscribers[$0.id]?.contains(id) == true }
                if !newcomers.isEmpty {
                    let row = try self.row(build)
                    for c in newcomers { c.send(event: .build(row)) }
                }
            }
            if !watchers.isEmpty {
                let due = (lastMetricCheck[id].map { Date().timeIntervalSince($0) > 0.2 } ?? true) || previous != build
                if due {
                    lastMetricCheck[id] = Date()
                    let rows = try store.metrics(of: id, sinceMs: lastMetricMs[id] ?? -1)
                    if let last = rows.last { lastMetricMs[id] = last.timeMs }
                    for row in rows { for c in watchers { c.send(event: .metric(row)) } }
                }
            }
        }
        // A finished build nobody follows is read once more (its end is seen) and then let go, with its reader:
        // keeping it would hold its log files open (and their space, once deleted) for the server's life.
        lastBuilds = current.filter { !$0.value.status.isFinished || subscribed.contains($0.key) }
        for id in Array(readers.keys) where current[id] == nil { readers.removeValue(forKey: id) }
        for id in Array(lastSteps.keys) where current[id] == nil {
            lastSteps.removeValue(forKey: id)
            lastMetricMs.removeValue(forKey: id)
            lastMetricCheck.removeValue(forKey: id)
        }

        recordUnrecorded(connections)
        let pending = try sendLines(connections, builds: current)
        try sendDashboard(connections, builds: builds)
        sendProjectChanges(connections)
        return pending
    }

    // MARK: Pieces

    private func sendSteps(of build: Build, to watchers: [ClientConnection]) throws {
        let id = build.id!
        var known = lastSteps[id] ?? [:]
        for step in try store.steps(of: id) where known[step.idx] != step {
            known[step.idx] = step
            for c in watchers { c.send(event: .step(step)) }
        }
        lastSteps[id] = known
    }

    private func sendLines(_ connections: [ClientConnection], builds: [BuildID: Build]) throws -> Bool {
        var pages: [String: Frame] = [:]
        var pending = false
        for c in connections {
            for (id, start) in c.subscribedBuilds {
                guard let build = builds[id] else { continue }
                let committed = Int(build.logLines)
                var cursor = start
                var sent = 0
                while cursor < committed, sent < Self.pagesPerTick, c.hasRoomForLines {
                    let end = min(committed, cursor + Self.pageLines)
                    let key = "\(id.rawValue):\(cursor):\(end)"
                    let frame: Frame
                    if let cached = pages[key] {
                        frame = cached
                    } else {
                        guard let reader = try reader(for: id, committed: committed) else { break }
                        let lines = try reader.lines(cursor..<end).map(WireLogLine.init)
                        frame = LogLinesMessage(build: id, lines: lines).frame()
                        pages[key] = frame
                    }
                    guard c.send(frame, isLogLines: true) else { break }
                    cursor = end
                    sent += 1
                }
                if cursor != start { c.advance(build: id, to: cursor) }
                if committed - cursor > Self.behindLines {
                    if c.markBehind(build: id) { c.send(event: .behind(build: id, nextSeq: cursor, committedLines: committed)) }
                } else if committed - cursor < Self.pageLines {
                    c.clearBehind(build: id)
                }
                if cursor < committed { pending = true }
            }
        }
        return pending
    }

    private func reader(for id: BuildID, committed: Int) throws -> LogReader? {
        if let r = readers[id] {
            if r.lineCount < committed { try r.refresh(committedLines: committed) }
            return r
        }
        let dir = store.directory.logDirectory(for: id)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("index.bin").path) else { return nil }
        let r = try LogReader(directory: dir, committedLines: committed)
        readers[id] = r
        return r
    }

    private func sendDashboard(_ connections: [ClientConnection], builds: [Build]) throws {
        let followers = connections.filter(\.followsDashboard)
        let active = try builds.filter { !$0.status.isFinished }.map(row)
        guard active != lastDashboard else { return }
        lastDashboard = active
        // Each client hears only of its own projects' builds.
        for c in followers {
            let visible = Set(try store.projects(visibleTo: c.user.id!).compactMap(\.0.id))
            c.send(event: .dashboard(active.filter { visible.contains($0.build.projectId) }))
        }
    }

    private let changedLock = NSLock()
    private var changedProjects: Set<ProjectID> = []

    /// A project's settings, members or templates changed: its dashboards hear of it on the next tick.
    func projectChanged(_ project: ProjectID) {
        changedLock.withLock { _ = changedProjects.insert(project) }
        wake()
    }

    private func sendProjectChanges(_ connections: [ClientConnection]) {
        let changed = changedLock.withLock { () -> Set<ProjectID> in
            defer { changedProjects.removeAll() }
            return changedProjects
        }
        for project in changed {
            projectNames.removeValue(forKey: project)
            for c in connections where c.followsDashboard { c.send(event: .projectChanged(project)) }
        }
    }

    /// Newly followed dashboards get the current list at once.
    func dashboardSnapshot() -> [BuildRow] { lastDashboard }

    // MARK: Notifications

    private func notify(_ build: Build, connections: [ClientConnection]) throws {
        let kind: String
        let text: String
        let ref = try row(build).reference
        switch build.status {
        case .queued: return
        case .running: (kind, text) = ("build.started", "build \(ref) \(build.name) started")
        case .succeeded: (kind, text) = ("build.succeeded", "build \(ref) \(build.name) succeeded in \(DisplayFormat.duration(build.duration))")
        case .failed: (kind, text) = ("build.failed", "build \(ref) \(build.name) failed" + (build.failureReason.map { ": \($0)" } ?? ""))
        case .cancelled: (kind, text) = ("build.cancelled", "build \(ref) \(build.name) was cancelled")
        case .interrupted: (kind, text) = ("build.interrupted", "build \(ref) \(build.name) was interrupted")
        }
        try publish(BuildNotification(userId: build.startedBy, buildId: build.id, kind: kind, message: text), connections: connections)
    }

    /// Records a notification and pushes it to its user's clients. When the store cannot take it (a full
    /// disk), it is pushed all the same, once, and recorded when the store can.
    func publish(_ notification: BuildNotification, connections: [ClientConnection]) throws {
        let key = "\(notification.buildId?.rawValue ?? 0) \(notification.userId.rawValue) \(notification.kind)"
        let toSend: BuildNotification
        do {
            guard let stored = try store.recordNotification(notification) else { return }
            toSend = stored
            if pushed.remove(key) != nil { return } // pushed earlier, recorded now
        } catch where StorageFault.isNoSpace(error) {
            guard pushed.insert(key).inserted else { return }
            unrecorded.append(notification)
            toSend = notification
        }
        for c in connections where c.followsNotifications && c.user.id == toSend.userId {
            c.send(event: .notification(toSend))
        }
    }

    /// Notifications pushed while the store was full, recorded once it takes writes again.
    private func recordUnrecorded(_ connections: [ClientConnection]) {
        guard !unrecorded.isEmpty else { return }
        var left: [BuildNotification] = []
        for n in unrecorded {
            do { try publish(n, connections: connections) } catch { left.append(n) }
        }
        unrecorded = left
    }

    // MARK: Names (cached; the hub thread only)

    private func row(_ build: Build) throws -> BuildRow {
        if projectNames[build.projectId] == nil {
            projectNames[build.projectId] = try store.project(id: build.projectId)?.name ?? "?"
        }
        if logins[build.startedBy] == nil {
            logins[build.startedBy] = try store.user(id: build.startedBy)?.login
        }
        return BuildRow(build: build, project: projectNames[build.projectId]!, startedBy: logins[build.startedBy])
    }
}
