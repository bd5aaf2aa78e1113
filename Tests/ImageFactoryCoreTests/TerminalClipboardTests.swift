import Foundation
import Testing
@testable import ImageFactoryCore
@testable import Terminal

@Suite("Terminal OSC sequences")
struct TerminalClipboardTests {
    private func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test func osc52CarriesBase64OfTheText() {
        #expect(text(OSC52.sequence(for: "hello", insideTmux: false)) == "\u{1B}]52;c;aGVsbG8=\u{07}")
        let unicode = "build 界 ✓"
        let seq = text(OSC52.sequence(for: unicode, insideTmux: false))!
        let payload = seq.dropFirst("\u{1B}]52;c;".count).dropLast()
        #expect(Data(base64Encoded: String(payload)).map { String(decoding: $0, as: UTF8.self) } == unicode)
    }

    @Test func osc52InsideTmuxWithUnknownOptionsSendsThePlainFormThenTheWrappedOne() {
        // The wrapped form doubles every ESC; tmux with `set-clipboard on` reads the plain one itself.
        #expect(text(OSC52.sequence(for: "hello", insideTmux: true))
                == "\u{1B}]52;c;aGVsbG8=\u{07}" + "\u{1B}Ptmux;\u{1B}\u{1B}]52;c;aGVsbG8=\u{07}\u{1B}\\")
    }

    @Test func formsFollowTmuxOptions() throws {
        let plain = "\u{1B}]52;c;aGVsbG8=\u{07}"
        let wrapped = "\u{1B}Ptmux;\u{1B}\u{1B}]52;c;aGVsbG8=\u{07}\u{1B}\\"
        func write(_ clip: String?, _ pass: String?) throws -> ClipboardWrite {
            try #require(OSC52.write(for: "hello", tmux: TmuxClipboardSettings(setClipboard: clip, allowPassthrough: pass)))
        }
        // set-clipboard on: tmux takes the plain form, sets a buffer and passes it on; no second copy.
        var w = try write("on", "0")
        #expect(text(w.bytes) == plain && w.forms == [.plain] && w.reaches)
        #expect(w.summary == "OSC 52 to tmux (set-clipboard on)")
        // Only passthrough: the wrapped form alone.
        w = try write("external", "1")
        #expect(text(w.bytes) == wrapped && w.forms == [.passthrough] && w.reaches)
        #expect(w.summary == "OSC 52 through tmux passthrough")
        #expect(try write("off", "all").forms == [.passthrough])
        // Both on: both forms (the outer terminal sets the same text twice).
        w = try write("on", "1")
        #expect(text(w.bytes) == plain + wrapped && w.forms == [.plain, .passthrough])
        // tmux before 3.3 has no allow-passthrough option and always passes through.
        #expect(try write("on", "").forms == [.plain, .passthrough])
        // Neither: tmux drops it, and the write says so.
        w = try write("external", "0")
        #expect(!w.reaches)
        #expect(w.problem?.contains("set-clipboard on") == true)
        // Outside tmux: the plain form, nothing to explain.
        let outside = try #require(OSC52.write(for: "hello", tmux: nil))
        #expect(text(outside.bytes) == plain && outside.reaches && outside.problem == nil && outside.summary == "OSC 52")
    }

    @Test func aBackendInsideTmuxAsksTmuxAndWritesWhatItChose() throws {
        let inside = MemoryTerminal(width: 20, height: 5, capabilities: .init(colors: .none, unicode: true, mouse: false, insideTmux: true))
        let sent = try #require(inside.copyToClipboard("hello") { TmuxClipboardSettings(setClipboard: "on", allowPassthrough: "0") })
        #expect(inside.rawWrites == [sent.bytes] && sent.forms == [.plain])
        var asked = false
        let outside = MemoryTerminal(width: 20, height: 5)
        _ = outside.copyToClipboard("hello") { asked = true; return .unknown }
        #expect(!asked && outside.rawWrites.count == 1)
    }

    @Test func osc52RefusesPayloadsOverTheCap() {
        let big = String(repeating: "x", count: 3000)
        #expect(OSC52.sequence(for: big, insideTmux: false, maxBytes: 1000) == nil)
        let fits = OSC52.sequence(for: big, insideTmux: false, maxBytes: 5000)
        #expect(fits != nil && fits!.count <= 5000)
        // The wrapping counts too.
        let plain = OSC52.sequence(for: "abc", insideTmux: false)!.count
        #expect(OSC52.sequence(for: "abc", insideTmux: true, maxBytes: plain) == nil)
        #expect(OSC52.sequence(for: String(repeating: "y", count: 200_000), insideTmux: false) == nil)
    }

    @Test func notificationsStripControlCharacters() {
        #expect(text(DesktopNotification.osc9("build\u{07} done\u{1B}]0;x\n", insideTmux: false))
                == "\u{1B}]9;build done]0;x\u{07}")
        #expect(text(DesktopNotification.osc777(title: "Image\u{1B} Factory; web", body: "ok\u{9B}\r\n!", insideTmux: false))
                == "\u{1B}]777;notify;Image Factory, web;ok!\u{07}")
    }

    @Test func notificationsInsideTmuxArePassedThrough() {
        #expect(text(DesktopNotification.osc9("done", insideTmux: true))
                == "\u{1B}Ptmux;\u{1B}\u{1B}]9;done\u{07}\u{1B}\\")
    }
}

/// The real binary in real tmux servers: `y` on a log line copies it, and `tmux show-buffer` shows where it went.
@Suite(.enabled(if: TmuxSession.available, "tmux is not installed (apt-get install tmux): the terminal tests need it"))
struct TerminalClipboardTmuxTests {
    /// A finished build whose log has the line `clip-marker-42` (its command line says `$((6*7))`).
    func home() async throws -> TemporaryHome {
        let home = try TemporaryHome()
        _ = try home.write("clip.yaml", "name: clip\ncommands: [\"echo clip-marker-$((6*7))\"]\n")
        #expect(try await runCLI(["build", "start", "clip.yaml", "--wait", "--quiet"], home: home).status == 0)
        return home
    }

    func openLogs(_ home: TemporaryHome) throws -> TmuxSession {
        try TmuxSession(command: "\(shellQuote(imagefactoryBinary)) open /projects/1/builds/1/logs",
                        environment: ["IMAGEFACTORY_HOME": home.directory.root.path], directory: home.url)
    }

    /// Searches for the marker line and presses `y`; returns the status line's message once it says `copied`.
    func copyMarkerLine(_ tmux: TmuxSession) async throws -> String {
        var (found, screen) = await tmux.waitFor("clip-marker-42")
        #expect(found, "\(screen)")
        try tmux.send("/")
        try tmux.type("clip-marker-42")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("1/1")
        #expect(found, "search: \(screen)")
        try tmux.send("y")
        (found, screen) = await tmux.waitFor("copied line")
        return screen.split(separator: "\n").first { $0.contains("copied line") }.map(String.init) ?? screen
    }

    /// `tmux show-buffer` of a server; nil when it has no buffer.
    func buffer(_ tmux: TmuxSession) -> String? {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("\(tmux.socket)-buffer.txt")
        defer { try? FileManager.default.removeItem(at: out) }
        let status = try? SimpleCommand.run(["/bin/sh", "-c", "tmux -L \(tmux.socket) show-buffer > \(shellQuote(out.path)) 2>/dev/null"])
        return status == 0 ? try? String(contentsOf: out, encoding: .utf8) : nil
    }

    @Test func setClipboardOnPutsTheLineInTmuxsBuffer() async throws {
        let home = try await home()
        let tmux = try openLogs(home)
        try tmux.tmux(["set", "-g", "set-clipboard", "on"])
        let message = try await copyMarkerLine(tmux)
        #expect(message.contains("copied line to the clipboard (14 bytes, OSC 52 to tmux (set-clipboard on))"), "\(message)")
        #expect(await eventually(timeout: .seconds(10)) { buffer(tmux) == "clip-marker-42" }, "buffer: \(String(describing: buffer(tmux)))")
        try tmux.send("q")
    }

    /// tmux inside tmux: the inner one passes the wrapped form through to its terminal, the outer tmux, which
    /// (with set-clipboard on) keeps it in its own buffer, as a terminal would put it on the clipboard.
    @Test func passthroughReachesTheOuterTerminalAndNeitherOptionIsReportedHonestly() async throws {
        let home = try await home()
        let inner = try openLogs(home)
        try inner.tmux(["set", "-g", "set-clipboard", "off"])
        try inner.tmux(["set", "-g", "allow-passthrough", "on"])
        let outer = try TmuxSession(command: "env -u TMUX tmux -L \(inner.socket) -f /dev/null attach -t \(inner.target)",
                                    directory: home.url)
        try outer.tmux(["set", "-g", "set-clipboard", "on"])
        var (found, screen) = await outer.waitFor("clip-marker-42")
        #expect(found, "the outer pane shows the inner tmux: \(screen)")
        let message = try await copyMarkerLine(inner)
        #expect(message.contains("copied line to the clipboard (14 bytes, OSC 52 through tmux passthrough)"), "\(message)")
        #expect(await eventually(timeout: .seconds(10)) { buffer(outer) == "clip-marker-42" }, "outer buffer: \(String(describing: buffer(outer)))")
        #expect(buffer(inner) == nil, "passthrough bypasses the inner tmux's buffers")

        // tmux's defaults: set-clipboard external ignores a program's OSC 52, passthrough is off. Nothing arrives,
        // and the status line says so instead of claiming a copy.
        try inner.tmux(["set", "-g", "set-clipboard", "external"])
        try inner.tmux(["set", "-g", "allow-passthrough", "off"])
        try outer.tmux(["delete-buffer"])
        try inner.send("y")
        (found, screen) = await inner.waitFor("line not copied: tmux drops OSC 52 here")
        #expect(found, "\(screen)")
        #expect(screen.contains("set-clipboard on") && !screen.contains("copied line"), "\(screen)")
        // The status line is drawn after the write, and each tmux reads its pane in order.
        #expect(buffer(outer) == nil && buffer(inner) == nil)
        try inner.send("q")
    }
}
