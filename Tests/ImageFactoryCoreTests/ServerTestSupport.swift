import Foundation
@testable import ImageFactoryCore
@testable import ImageFactoryServer

/// A real `imagefactory server` process of a test's data directory, in the foreground as a service
/// manager would run it; killed (SIGKILL) when the test drops it, unless the test stopped it.
final class ServerProcess: @unchecked Sendable {
    let home: TemporaryHome
    let endpoint: ServerEndpoint
    let logPath: String
    private(set) var pid: pid_t

    /// Starts the server and waits (without blocking a thread) until it listens.
    static func start(home: TemporaryHome, arguments: [String] = [], socket: String? = nil,
                      environment: [String: String] = [:]) async throws -> ServerProcess {
        let server = try ServerProcess(home: home, arguments: arguments, socket: socket, environment: environment)
        try await server.waitUntilListening()
        return server
    }

    private init(home: TemporaryHome, arguments: [String], socket: String?, environment: [String: String]) throws {
        self.home = home
        endpoint = socket.map { ServerEndpoint(socketPath: $0, shared: true) } ?? ServerEndpoint.personal(directory: home.directory)
        logPath = home.url.appendingPathComponent("server-\(UUID().uuidString.prefix(6)).log").path
        var env = ProcessInfo.processInfo.environment
        env["IMAGEFACTORY_HOME"] = home.directory.root.path
        env["IMAGEFACTORY_SAMPLE_MS"] = "250"
        env["IMAGEFACTORY_KILL_GRACE_MS"] = "1000"
        env.removeValue(forKey: "IMAGEFACTORY_SOCKET")
        // Tests must not depend on how full the machine's disk is: the guard has a test of its own.
        env["IMAGEFACTORY_SERVER_MIN_FREE"] = "0"
        for (k, v) in environment { env[k] = v }
        pid = 0
        pid = try SimpleCommand.spawn([imagefactoryBinary, "server"] + (socket.map { ["--socket", $0] } ?? []) + arguments,
                                      newSession: true, outputPath: logPath, environment: env)
    }

    func waitUntilListening(timeout: TimeInterval = 60) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = try? FrameSocket.connect(path: endpoint.socketPath) {
                s.close()
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw FactoryError.runtime("server exited: \(log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw FactoryError.runtime("server did not listen within \(timeout) s: \(log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func client() throws -> ServerClient {
        try ServerClient.connect(directory: home.directory, socket: endpoint.shared ? endpoint.socketPath : nil, startIfNeeded: false)
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for the process to exit and returns its wait status.
    @discardableResult
    func waitForExit(timeout: TimeInterval = 30) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                pid = 0
                return status
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Starts a fresh server process on the same data directory (after a kill).
    func restart(arguments: [String] = []) async throws -> ServerProcess {
        try await ServerProcess.start(home: home, arguments: arguments, socket: endpoint.shared ? endpoint.socketPath : nil)
    }

    /// SIGTERM ends the server's builds and what they started; not waited for (see TemporaryHome).
    deinit {
        if pid > 0 { kill(pid, SIGTERM) }
    }
}

/// Collects one build's lines from a client's event stream until the build has ended and all its lines came.
func collectLines(_ client: ServerClient, build: BuildID, timeout: Duration = .seconds(60)) async throws -> (lines: [WireLogLine], final: BuildRow?) {
    let task = Task { () -> ([WireLogLine], BuildRow?) in
        var lines: [WireLogLine] = []
        var final: BuildRow?
        for await item in client.frames {
            switch item {
            case .lines(let m) where m.build == build: lines += m.lines
            case .event(.build(let row)) where row.build.id == build: final = row
            case .closed: return (lines, final)
            default: break
            }
            if let f = final, f.build.status.isFinished, lines.count >= Int(f.build.logLines) { break }
        }
        return (lines, final)
    }
    let timer = Task {
        try await Task.sleep(for: timeout)
        task.cancel()
    }
    let result = await task.value
    timer.cancel()
    return result
}

/// A build manifest in the test's home; returns its path.
func shellManifest(_ home: TemporaryHome, _ name: String, commands: [String], extra: String = "") throws -> String {
    let body = commands.map { "  - " + ($0.contains(":") || $0.contains("\"") ? "'\($0.replacingOccurrences(of: "'", with: "''"))'" : $0) }
        .joined(separator: "\n")
    return try home.write("\(name).yaml", "name: \(name)\ncommands:\n\(body)\n\(extra)")
}
