import Foundation
import ImageFactoryCore

/// What a client receives besides replies.
public enum ClientEvent: Sendable {
    case event(ServerEvent)
    case lines(LogLinesMessage)
    /// The connection ended; the text says why when the server said.
    case closed(String?)
}

/// A connection to the build server: synchronous requests (any thread) and a stream of events.
/// A reader thread takes every frame off the socket at once, so the server never sees this client as slow
/// because a caller was busy.
public final class ServerClient: @unchecked Sendable {
    public let endpoint: ServerEndpoint
    public let welcome: Welcome
    public let events: AsyncStream<ClientEvent>

    private let socket: FrameSocket
    private let continuation: AsyncStream<ClientEvent>.Continuation
    private let lock = NSCondition()
    private var nextID: UInt64 = 1
    private var replies: [UInt64: ReplyFrame] = [:]
    private var closedReason: String??

    private init(socket: FrameSocket, endpoint: ServerEndpoint, welcome: Welcome) {
        self.socket = socket
        self.endpoint = endpoint
        self.welcome = welcome
        (events, continuation) = AsyncStream<ClientEvent>.makeStream()
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

    /// Sends a request and waits for its reply; the server's errors come back as `FactoryError.server`.
    public func call(_ request: Request) throws -> Reply {
        let id: UInt64 = lock.withLock {
            defer { nextID += 1 }
            return nextID
        }
        let frame = WireJSON.frame(.request, RequestFrame(id: id, request: request))
        // Ids must reach the server in order: sending under the lock keeps concurrent callers ordered.
        let sent = lock.withLock { closedReason == nil && socket.write(frame) }
        guard sent else { throw FactoryError.runtime("the build server connection is closed" + (lock.withLock { closedReason ?? nil }.map { ": \($0)" } ?? "")) }
        lock.lock()
        defer { lock.unlock() }
        while replies[id] == nil && closedReason == nil { lock.wait() }
        guard let reply = replies.removeValue(forKey: id) else {
            throw FactoryError.runtime("the build server closed the connection" + ((closedReason ?? nil).map { ": \($0)" } ?? ""))
        }
        if let error = reply.error { throw error.factoryError }
        guard let value = reply.reply else { throw FactoryError.runtime("the build server sent an empty reply") }
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
                    let reply = try WireJSON.decode(ReplyFrame.self, frame.payload)
                    lock.withLock {
                        replies[reply.id] = reply
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
