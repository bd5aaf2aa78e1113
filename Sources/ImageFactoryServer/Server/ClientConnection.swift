import Foundation
import ImageFactoryCore

/// One connected client on the server side: who it is, what it follows, and a bounded queue of frames
/// that its own writer thread sends. Nothing the server does ever waits for a client to read.
final class ClientConnection: @unchecked Sendable {
    let id: Int
    let socket: FrameSocket
    let user: User
    let uid: uid_t
    let service: FactoryService
    /// Answers this client's calls as its user; keeps the logs it reads open between pages.
    let api: InProcessFactoryAPI

    /// Bytes a client may have queued before it counts as behind: log lines then wait in the store
    /// (the server re-reads them when the client catches up) and other events still go out.
    static let softLimit = 4 << 20
    /// A client this far behind on events alone is not reading at all: it is disconnected.
    static let hardLimit = 32 << 20

    private let lock = NSLock()
    private let ready = NSCondition()
    private var queue: [[UInt8]] = []
    private var queuedBytes = 0
    private var closed = false
    private var lastRequestID: UInt64 = 0
    private let writerFinished = DispatchSemaphore(value: 0)

    // Subscriptions; the hub reads and advances these under `lock`.
    private var buildCursors: [BuildID: Int] = [:]
    private var behindReported: Set<BuildID> = []
    /// Builds subscribed to since the hub last looked: each is pushed its current row (see `takeNewSubscriptions`).
    private var newSubscriptions: Set<BuildID> = []
    private(set) var followsDashboard = false
    private(set) var followsNotifications = false

    init(id: Int, socket: FrameSocket, user: User, uid: uid_t, service: FactoryService) {
        self.id = id
        self.socket = socket
        self.user = user
        self.uid = uid
        self.service = service
        api = InProcessFactoryAPI(service: service)
    }

    // MARK: Sending

    /// Queues a frame. Log frames are refused (false) above the soft limit so the hub keeps them for later.
    @discardableResult
    func send(_ frame: Frame, isLogLines: Bool = false) -> Bool {
        let bytes = frame.encoded()
        ready.lock()
        defer { ready.unlock() }
        if closed { return false }
        if isLogLines, queuedBytes + bytes.count > Self.softLimit, queuedBytes > 0 { return false }
        if queuedBytes + bytes.count > Self.hardLimit {
            // Not reading at all: drop it rather than hold memory for it.
            closed = true
            queue.removeAll()
            queuedBytes = 0
            socket.shutdownBoth()
            ready.broadcast()
            return false
        }
        queue.append(bytes)
        queuedBytes += bytes.count
        ready.signal()
        return true
    }

    func send(event: ServerEvent) { send(WireJSON.frame(.event, event)) }

    /// Room for more log lines right now.
    var hasRoomForLines: Bool {
        ready.lock()
        defer { ready.unlock() }
        return !closed && queuedBytes < Self.softLimit / 2
    }

    /// The writer thread's loop; returns when the connection closes.
    func runWriter() {
        defer { writerFinished.signal() }
        while true {
            ready.lock()
            while queue.isEmpty && !closed { ready.wait() }
            if queue.isEmpty && closed {
                ready.unlock()
                return
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            ready.unlock()
            for bytes in batch {
                let ok = socket.write(bytes)
                ready.lock()
                queuedBytes -= bytes.count
                ready.unlock()
                if !ok {
                    close()
                    return
                }
            }
        }
    }

    /// Sends what is queued (up to a short wait), then closes.
    func finish(after frame: Frame? = nil) {
        if let frame { send(frame) }
        ready.lock()
        let deadline = Date().addingTimeInterval(1)
        while queuedBytes > 0 && !closed && Date() < deadline {
            ready.unlock()
            usleep(5_000)
            ready.lock()
        }
        ready.unlock()
        close()
    }

    func close() {
        ready.lock()
        closed = true
        ready.broadcast()
        ready.unlock()
        socket.shutdownBoth()
    }

    var isClosed: Bool { ready.lock(); defer { ready.unlock() }; return closed }

    /// Called by the reader thread at the end: waits for the writer, then frees the descriptor.
    func release() {
        close()
        writerFinished.wait()
        socket.close()
    }

    // MARK: Request order

    /// Request ids must increase; anything else is a broken or hostile client.
    func accept(requestID id: UInt64) throws {
        try lock.withLock {
            guard id > lastRequestID else { throw FrameError.outOfOrder(got: id, after: lastRequestID) }
            lastRequestID = id
        }
    }

    // MARK: Subscriptions

    /// `seq` nil: the build's events without its log lines.
    func subscribe(build: BuildID, from seq: Int?) {
        lock.withLock {
            buildCursors[build] = seq.map { max(0, $0) } ?? Int.max
            behindReported.remove(build)
            newSubscriptions.insert(build)
        }
    }

    func unsubscribe(build: BuildID) {
        lock.withLock {
            buildCursors.removeValue(forKey: build)
            newSubscriptions.remove(build)
        }
    }

    /// The builds subscribed to since the last call. The subscribe reply's row is read before the subscription
    /// counts: a build that ends in between is pushed to its other followers but not to this one, so the hub
    /// pushes a new subscriber the build's row as it reads it after this call.
    func takeNewSubscriptions() -> Set<BuildID> {
        lock.withLock {
            defer { newSubscriptions.removeAll() }
            return newSubscriptions
        }
    }

    /// Taken by a tick that failed: they are pushed on the next one (those still subscribed).
    func restoreNewSubscriptions(_ builds: Set<BuildID>) {
        lock.withLock { newSubscriptions.formUnion(builds.filter { buildCursors[$0] != nil }) }
    }

    func followDashboard() { lock.withLock { followsDashboard = true } }
    func followNotifications() { lock.withLock { followsNotifications = true } }

    var subscribedBuilds: [BuildID: Int] { lock.withLock { buildCursors } }

    func advance(build: BuildID, to seq: Int) {
        lock.withLock { if buildCursors[build] != nil { buildCursors[build] = seq } }
    }

    /// True the first time the client is found lagging on this build (so it is told once, not every tick).
    func markBehind(build: BuildID) -> Bool { lock.withLock { behindReported.insert(build).inserted } }
    func clearBehind(build: BuildID) { _ = lock.withLock { behindReported.remove(build) } }
}
