import Foundation
import ImageFactoryCore

/// What a client receives besides replies.
public enum ClientEvent: Sendable {
    case event(ServerEvent)
    case lines(LogLinesMessage)
    /// The connection ended; the text says why when the server said.
    case closed(String?)
}

/// A connection to the build server, and the client API's real implementation: synchronous requests
/// (any thread) and a stream of pushed events. A reader thread takes every frame off the socket at once, so
/// the server never sees this client as slow because a caller was busy.
public final class ServerClient: @unchecked Sendable {
    public let endpoint: ServerEndpoint
    public let welcome: Welcome
    /// Everything pushed, log lines included (followers); ``events`` is the same without the lines.
    public let frames: AsyncStream<ClientEvent>

    private let socket: FrameSocket
    private let continuation: AsyncStream<ClientEvent>.Continuation
    private let lock = NSCondition()
    private var nextID: UInt64 = 1
    private var replies: [UInt64: [UInt8]] = [:]
    private var closedReason: String??
    private var eventStream: AsyncStream<ServerEvent>?

    private init(socket: FrameSocket, endpoint: ServerEndpoint, welcome: Welcome) {
        self.socket = socket
        self.endpoint = endpoint
        self.welcome = welcome
        (frames, continuation) = AsyncStream<ClientEvent>.makeStream()
    }

    /// Pushed events without log lines; the end of the connection arrives as `.stopping`.
    public var events: AsyncStream<ServerEvent> {
        lock.withLock {
            if let s = eventStream { return s }
            let (stream, out) = AsyncStream<ServerEvent>.makeStream()
            let source = frames
            Task.detached {
                for await item in source {
                    switch item {
                    case .event(let e): out.yield(e)
                    case .lines: break
                    case .closed(let reason): out.yield(.stopping(reason: reason ?? "the connection to the build server closed"))
                    }
                }
                out.finish()
            }
            eventStream = stream
            return stream
        }
    }

    /// Connects to the server of this data directory, starting one in the background when none runs
    /// (a personal server; a shared one is never started by a client).
    public static func connect(directory: DataDirectory, socket: String? = nil, startIfNeeded: Bool = true,
                               executable: String? = nil, timeout: TimeInterval = 15) throws -> ServerClient {
        let endpoint = ServerEndpoint.resolve(directory: directory, socket: socket)
        if let client = try attempt(endpoint) { return client }
        guard !endpoint.shared else {
            throw FactoryError.runtime("no build server listens on \(endpoint.socketPath); ask its administrator to start `imagefactory server --socket \(endpoint.socketPath)`")
        }
        guard startIfNeeded else {
            throw FactoryError.runtime("no build server is running for \(directory.root.path)")
        }
        let exe = executable ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        try endpoint.preparePrivateDirectory()
        var environment = ProcessInfo.processInfo.environment
        environment["IMAGEFACTORY_HOME"] = directory.root.path
        let pid = try SimpleCommand.spawn([exe, "server", "--background"], newSession: true, outputPath: endpoint.logFile,
                                          environment: environment)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let client = try attempt(endpoint) { return client }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid, endpoint.runningPid() == nil, (try? attempt(endpoint)) == nil {
                // It exited: another client's server may have won the race; else its log says why.
                if let client = try attempt(endpoint) { return client }
                throw FactoryError.runtime("the build server did not start: \(tail(of: endpoint.logFile))")
            }
            usleep(20_000)
        }
        throw FactoryError.runtime("the build server did not answer within \(Int(timeout)) s; see \(endpoint.logFile)")
    }

    private static func attempt(_ endpoint: ServerEndpoint) throws -> ServerClient? {
        guard let socket = try FrameSocket.connect(path: endpoint.socketPath) else { return nil }
        let first: Frame
        do {
            first = try socket.readFrame(limit: WireProtocol.maxServerPayload)
        } catch {
            socket.close()
            return nil // a server that is just stopping
        }
        if first.kind == .error {
            socket.close()
            let error = (try? WireJSON.decode(RemoteError.self, first.payload)) ?? RemoteError(message: "refused by the build server", exitCode: 4)
            throw error.factoryError
        }
        guard first.kind == .event, case .welcome(let welcome)? = try? WireJSON.decode(ServerEvent.self, first.payload) else {
            socket.close()
            throw FactoryError.runtime("\(endpoint.socketPath) did not greet like an Image Factory server")
        }
        let client = ServerClient(socket: socket, endpoint: endpoint, welcome: welcome)
        let reader = Thread { client.readLoop() }
        reader.name = "server-client"
        reader.start()
        return client
    }

    // MARK: Requests

    /// Sends a request and waits for its reply, decoded as `type`; the server's errors come back as
    /// `FactoryError.server` with the server's message and exit status.
    public func call<Value: Codable>(_ request: Request, as type: Value.Type) throws -> Value {
        // Ids must reach the server in increasing order: the id is taken and the frame sent under one lock, so
        // concurrent callers (the interface loads screens on several threads) can never swap them.
        let (id, sent, size): (UInt64, Bool, Int) = lock.withLock {
            let id = nextID
            let frame = WireJSON.frame(.request, RequestFrame(id: id, request: request))
            guard frame.payload.count <= WireProtocol.maxRequestPayload else { return (id, false, frame.payload.count) }
            nextID += 1
            return (id, closedReason == nil && socket.write(frame), frame.payload.count)
        }
        guard size <= WireProtocol.maxRequestPayload else {
            throw FactoryError.invalidInput("this request is \(ByteCount(bytes: Int64(size))), over the build server's limit of \(ByteCount(bytes: Int64(WireProtocol.maxRequestPayload))) per request: a manifest must be smaller (put large files in the context)")
        }
        guard sent else { throw FactoryError.runtime("the build server connection is closed" + (lock.withLock { closedReason ?? nil }.map { ": \($0)" } ?? "")) }
        lock.lock()
        defer { lock.unlock() }
        while replies[id] == nil && closedReason == nil { lock.wait() }
        guard let payload = replies.removeValue(forKey: id) else {
            throw FactoryError.runtime("the build server closed the connection" + ((closedReason ?? nil).map { ": \($0)" } ?? ""))
        }
        let body = try ReplyCodec.body(Value.self, payload)
        if let error = body.error { throw error.factoryError }
        guard let value = body.value else { throw FactoryError.runtime("the build server sent an empty reply") }
        return value
    }

    /// Sends raw bytes (tests of the server's protocol checks).
    public func sendRaw(_ bytes: [UInt8]) -> Bool { lock.withLock { closedReason == nil && socket.write(bytes) } }

    /// Hangs up; the reader thread releases the descriptor when it sees the end.
    public func close() {
        socket.shutdownBoth()
    }

    private func readLoop() {
        var reason: String?
        while true {
            do {
                let frame = try socket.readFrame(limit: WireProtocol.maxServerPayload)
                switch frame.kind {
                case .reply:
                    let id = try ReplyCodec.id(of: frame.payload)
                    lock.withLock {
                        replies[id] = frame.payload
                        lock.broadcast()
                    }
                case .event:
                    continuation.yield(.event(try WireJSON.decode(ServerEvent.self, frame.payload)))
                case .logLines:
                    continuation.yield(.lines(try LogLinesMessage(payload: frame.payload)))
                case .error:
                    reason = (try? WireJSON.decode(RemoteError.self, frame.payload))?.message ?? "protocol error"
                case .request:
                    throw FrameError.unexpectedKind(.request)
                }
                if reason != nil { break }
            } catch FrameError.closed {
                break
            } catch {
                reason = "\(error)"
                break
            }
        }
        lock.withLock {
            closedReason = .some(reason)
            lock.broadcast()
            // Writes happen under this lock and check closedReason first: no one uses the descriptor after this.
            socket.close()
        }
        continuation.yield(.closed(reason))
        continuation.finish()
    }
}

private func tail(of path: String) -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "no log at \(path)" }
    let lines = text.split(separator: "\n").suffix(3)
    return lines.isEmpty ? "its log \(path) is empty" : lines.joined(separator: "; ")
}
