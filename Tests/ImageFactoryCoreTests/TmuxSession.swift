import Foundation
@testable import ImageFactoryCore

/// A private tmux server running one program in a pane of a fixed size, for end-to-end tests of the
/// full-screen interface. Tests poll the screen for text rather than sleeping.
final class TmuxSession: @unchecked Sendable {
    static var available: Bool { BuildRunner.which("tmux", path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") != nil }

    let socket: String
    let target: String

    /// Starts `command` (a shell command line) in a new detached session of `width` x `height`.
    init(command: String, width: Int = 120, height: Int = 40, environment: [String: String] = [:], directory: URL) throws {
        socket = "if-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        target = "main"
        var exports = ["LC_ALL=C.UTF-8", "ESCDELAY=25", "IMAGEFACTORY_SAMPLE_MS=250"]
        for (k, v) in environment.sorted(by: { $0.key < $1.key }) { exports.append("\(k)=\(shellQuote(v))") }
        let line = "cd \(shellQuote(directory.path)) && env \(exports.joined(separator: " ")) \(command); echo '[exited '$?']'; sleep 600"
        try tmux(["new-session", "-d", "-s", target, "-x", String(width), "-y", String(height), line])
    }

    @discardableResult
    func tmux(_ args: [String]) throws -> Int32 {
        try SimpleCommand.run(["/usr/bin/env", "tmux", "-L", socket, "-f", "/dev/null"] + args)
    }

    /// The visible screen as text (`colors`: with escape sequences for styles).
    func screen(colors: Bool = false) -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-capture.txt")
        defer { try? FileManager.default.removeItem(at: out) }
        let flags = colors ? "-pe" : "-p"
        _ = try? SimpleCommand.run(["/bin/sh", "-c", "tmux -L \(socket) capture-pane \(flags) -t \(target) > \(shellQuote(out.path))"])
        return (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    }

    /// Waits until the screen contains `text`; returns the screen either way.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(20)) async -> (found: Bool, screen: String) {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = screen()
            if last.contains(text) { return (true, last) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (false, last)
    }

    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", target] + keys) }
    func type(_ text: String) throws { try tmux(["send-keys", "-t", target, "-l", text]) }
    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", target, "-x", String(width), "-y", String(height)])
    }

    deinit { _ = try? tmux(["kill-server"]) }
}
