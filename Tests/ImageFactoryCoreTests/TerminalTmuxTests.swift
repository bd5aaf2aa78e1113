import Foundation
import Subprocess
import SystemPackage
import Testing

private func executable(named name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

private let tmuxPath = executable(named: "tmux")
private let bashPath = executable(named: "bash")

/// The `terminal-demo` executable next to the test bundle.
private var terminalDemoBinary: String? {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    while dir.path != "/" {
        let candidate = dir.appendingPathComponent("terminal-demo").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

private struct TmuxTimeout: Error, CustomStringConvertible {
    var description: String
}

/// A private tmux server with one 80x24 pane running an interactive bash.
private final class TmuxPane: Sendable {
    let tmux: String
    let socket = "if-term-\(getpid())-\(UUID().uuidString.prefix(8))"
    let environment: [Environment.Key: String]

    init(tmux: String) {
        self.tmux = tmux
        let inherited = ProcessInfo.processInfo.environment
        // TMUX is left out: the runner may itself be inside tmux.
        var env: [Environment.Key: String] = [
            "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "HOME": inherited["HOME"] ?? "/root",
            "LC_ALL": "C.UTF-8", "ESCDELAY": "25", "TERM": "xterm-256color",
        ]
        if let dir = inherited["TMUX_TMPDIR"] { env["TMUX_TMPDIR"] = dir }
        environment = env
    }

    @discardableResult
    func run(_ arguments: [String]) async throws -> String {
        let result = try await Subprocess.run(
            .path(FilePath(tmux)), arguments: Arguments(["-L", socket, "-f", "/dev/null"] + arguments),
            environment: .custom(environment), output: .string(limit: 1 << 20), error: .string(limit: 1 << 16))
        return result.standardOutput
    }

    func screen(escapes: Bool = false) async throws -> String {
        try await run(["capture-pane", "-p"] + (escapes ? ["-e"] : []))
    }

    func lines(escapes: Bool = false) async throws -> [String] {
        try await screen(escapes: escapes).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func format(_ f: String) async throws -> String {
        try await run(["display-message", "-p", f]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func type(_ command: String) async throws {
        try await run(["send-keys", "-l", command])
        try await run(["send-keys", "Enter"])
    }

    /// Polls the pane every 50 ms until `condition` holds on its text; throws with the screen when it never does.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(15), _ condition: (String) async throws -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let text = try await screen()
            if try await condition(text) { return text }
            if ContinuousClock.now >= deadline { throw TmuxTimeout(description: "timed out waiting for \(what); screen:\n\(text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Runs `body` against a fresh server and always kills the server afterwards.
    static func with(_ body: (TmuxPane) async throws -> Void) async throws {
        let pane = TmuxPane(tmux: tmuxPath!)
        do {
            try await pane.run(["new-session", "-d", "-x", "80", "-y", "24", "\(bashPath!) --norc --noprofile"])
            try await pane.waitFor("the shell prompt") { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            try await body(pane)
        } catch {
            await pane.killServer()
            throw error
        }
        await pane.killServer()
    }

    /// kill-server leaves the socket file behind.
    func killServer() async {
        _ = try? await run(["kill-server"])
        unlink("\(ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp")/tmux-\(getuid())/\(socket)")
    }

    /// Starts the demo and waits for its first frame.
    func startDemo(_ prefix: String = "") async throws -> String {
        guard let demo = terminalDemoBinary else { throw TmuxTimeout(description: "terminal-demo is not built next to the tests") }
        try await type("clear; \(prefix)'\(demo)'")
        return try await waitFor("the demo's first frame") { $0.contains("Terminal demo") && $0.contains("key 0: none") }
    }

    /// Checks the demo is gone, exited with `status`, and left the normal screen with mouse reporting off.
    func expectDemoExited(status: Int) async throws {
        try await waitFor("the demo to leave the alternate screen") { _ in try await format("#{alternate_on}") == "0" }
        try await type("echo demo-exit=$?")
        let text = try await waitFor("the exit status") { text in
            text.split(separator: "\n").contains { $0.hasPrefix("demo-exit=") && $0.count > 10 }
        }
        #expect(text.split(separator: "\n").contains("demo-exit=\(status)"))
        #expect(!text.contains("Terminal demo"))
        #expect(try await format("#{mouse_any_flag} #{cursor_flag}") == "0 1")
    }
}

@Suite("Terminal in tmux", .enabled(if: tmuxPath != nil && bashPath != nil, "tmux or bash is not installed"))
struct TerminalTmuxTests {
    @Test func drawsColoursAndWideCharactersEchoesKeysResizesSuspendsAndQuits() async throws {
        try await TmuxPane.with { t in
            let term = try await t.run(["show-options", "-gv", "default-terminal"]).trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try await t.startDemo()
            let rows = try await t.lines()
            #expect(rows[0] == "Terminal demo")
            // The text after each wide character stays in its column: ncurses and tmux agree on widths.
            #expect(rows[1] == "wide: 界|emoji: 😀|end")
            let colors = term.contains("256") ? "palette256" : "sixteen"
            #expect(rows[2] == "size: 80x24 colors: \(colors) unicode: true tmux: true mouse: true")
            #expect(rows[23] == "press q to quit")
            let styled = try await t.lines(escapes: true)
            if colors == "palette256" { #expect(styled[0].contains("38;5;208")) }
            #expect(styled[0].contains("44m") && styled[0].contains("1m"))
            #expect(styled[3].contains("7m"))

            let steps: [([String], String)] = [
                (["C-k"], "ctrl+k"), (["-l", "x"], "x"), (["Escape", "x"], "alt+x"), (["Escape"], "esc"),
                (["Enter"], "enter"), (["C-j"], "enter"), (["C-m"], "enter"), (["BSpace"], "backspace"),
                (["C-h"], "backspace"), (["C-_"], "ctrl+/"), (["Tab"], "tab"), (["BTab"], "shift+tab"),
                (["F1"], "f1"), (["F12"], "f12"), (["NPage"], "pgdn"), (["PPage"], "pgup"), (["Home"], "home"),
                (["End"], "end"), (["DC"], "delete"), (["IC"], "insert"), (["Up"], "up"), (["Left"], "left"),
                (["C-c"], "ctrl+c"), (["C-s"], "ctrl+s"), (["-l", "界"], "界"),
                // xterm mouse reports: ESC [ M, 32 + button, 33 + x, 33 + y.
                (["-H", "1b", "5b", "4d", "20", "2a", "26"], "mouse:leftClick@9,5"),
                // A release (button 3) is not reported, so the count moves by one only.
                (["-H", "1b", "5b", "4d", "23", "2a", "26", "1b", "5b", "4d", "22", "25", "23"], "mouse:rightClick@4,2"),
                (["-H", "1b", "5b", "4d", "21", "25", "23"], "mouse:middleClick@4,2"),
                (["-H", "1b", "5b", "4d", "60", "25", "23"], "mouse:wheelUp@4,2"),
                (["-H", "1b", "5b", "4d", "61", "25", "23"], "mouse:wheelDown@4,2"),
            ]
            var count = 0
            for (keys, name) in steps {
                count += 1
                try await t.run(["send-keys"] + keys)
                try await t.waitFor("key \(count): \(name) after \(keys)") { $0.contains("key \(count): \(name)\n") }
            }

            // Only the changed cells are drawn: wide characters replaced by narrow ones and moved by a column.
            for line in ["wide: ab|emoji: cd|end", "wide:  界|emoji:😀 |end", "wide: 界|emoji: 😀|end"] {
                count += 1
                try await t.run(["send-keys", "w"])
                let text = try await t.waitFor("key \(count): w") { $0.contains("key \(count): w\n") }
                #expect(text.split(separator: "\n", omittingEmptySubsequences: false)[1] == line)
            }

            try await t.run(["resize-window", "-x", "100", "-y", "30"])
            count += 1
            try await t.waitFor("the redraw at 100x30") { $0.contains("size: 100x30") && $0.contains("key \(count): resize") }
            let resized = try await t.lines()
            #expect(resized[29] == "press q to quit")
            #expect(resized[1] == "wide: 界|emoji: 😀|end")

            // Ctrl+Z gives the shell the normal screen; fg brings the full screen back with the mouse on.
            try await t.run(["send-keys", "C-z"])
            count += 1
            try await t.waitFor("the shell after Ctrl+Z") { text in
                let flags = try await t.format("#{alternate_on}")
                return text.contains("Stopped") && flags == "0"
            }
            try await t.type("fg")
            try await t.waitFor("the demo after fg") { text in
                let flags = try await t.format("#{alternate_on} #{mouse_any_flag}")
                return text.contains("Terminal demo") && text.contains("key \(count): resumed") && flags == "1 1"
            }

            try await t.run(["send-keys", "q"])
            try await t.expectDemoExited(status: 0)
        }
    }

    @Test func sigtermRestoresTheTerminal() async throws {
        try await TmuxPane.with { t in
            let text = try await t.startDemo()
            let pidLine = text.split(separator: "\n").first { $0.hasPrefix("pid: ") }
            let pid = try #require(pidLine.flatMap { Int32($0.dropFirst(5)) })
            #expect(kill(pid, SIGTERM) == 0)
            try await t.expectDemoExited(status: 128 + Int(SIGTERM))
        }
    }

    @Test func fewerColoursNoColorAndAsciiLocale() async throws {
        try await TmuxPane.with { t in
            // An 8-colour terminal: palette colours become the nearest basic colour (orange → yellow).
            let text = try await t.startDemo("TERM=screen ")
            #expect(text.contains("colors: sixteen unicode: true"))
            let styled = try await t.lines(escapes: true)
            #expect(styled[0].contains("33m") && !styled[0].contains("38;5"))
            try await t.run(["send-keys", "q"])
            try await t.expectDemoExited(status: 0)

            // NO_COLOR and a non-UTF-8 locale: no colours, and no non-ASCII byte reaches the terminal.
            _ = try await t.startDemo("NO_COLOR=1 LC_ALL=C ")
            let rows = try await t.lines()
            #expect(rows[1] == "wide: ? |emoji: ? |end")
            #expect(rows[2].hasPrefix("size: 80x24 colors: none unicode: false"))
            let plain = try await t.lines(escapes: true)
            #expect(!plain[0].contains("38;5") && !plain[0].contains("33m") && !plain[0].contains("44m"))
            try await t.run(["send-keys", "q"])
            try await t.expectDemoExited(status: 0)
        }
    }
}
