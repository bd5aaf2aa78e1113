import Foundation
import Testing
@testable import ImageFactoryCore

/// The real binary in a real terminal (tmux), driven with keys, read with capture-pane.
@Suite(.enabled(if: TmuxSession.available, "tmux is not installed (apt-get install tmux): the terminal tests need it"))
struct TUIEndToEndTests {
    func start(_ home: TemporaryHome, _ args: String = "", width: Int = 120, height: Int = 40,
               env: [String: String] = [:]) throws -> TmuxSession {
        var environment = ["IMAGEFACTORY_HOME": home.directory.root.path, "IMAGEFACTORY_KILL_GRACE_MS": "1000"]
        for (k, v) in env { environment[k] = v }
        return try TmuxSession(command: "\(shellQuote(imagefactoryBinary)) \(args)", width: width, height: height,
                               environment: environment, directory: home.url)
    }

    @Test func journey2WatchABuildAdvanceThenCancelAnother() async throws {
        let home = try TemporaryHome()
        // The build runs until the test releases it, so a slow machine cannot make it finish unseen.
        let release = home.url.appendingPathComponent("release").path
        _ = try home.write("slow.yaml", """
            name: slow
            commands:
              - "i=0; while [ ! -f \(release) ] && [ $i -lt 600 ]; do i=$((i+1)); echo tick-$i; sleep 0.3; done"
              - echo second-command
            """)
        _ = try home.write("forever.yaml", "name: forever\ncommands: [\"echo waiting; sleep 300\"]\n")
        #expect(try await runCLI(["build", "start", "slow.yaml"], home: home).status == 0)
        let tmux = try start(home)
        var (found, screen) = await tmux.waitFor("Recent Builds")
        #expect(found, "\(screen)")
        #expect(screen.contains("Welcome back"))
        // The cursor starts on the first project; the recent builds follow the projects.
        #expect(screen.contains("examples         owner"), "\(screen)")
        // Open the build: its steps advance, the running step is open, metrics appear.
        try tmux.send("Down")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("Build #1 - examples")
        #expect(found, "\(screen)")
        // The running step is open by itself and shows its lines as they come.
        (found, screen) = await tmux.waitFor("tick-")
        #expect(found, "\(screen)")
        (found, screen) = await tmux.waitFor("CPU")
        #expect(found, "metrics while it runs: \(screen)")
        _ = FileManager.default.createFile(atPath: release, contents: Data())
        (found, screen) = await tmux.waitFor("succeeded", timeout: .seconds(30))
        #expect(found, "\(screen)")
        #expect(screen.contains("4. Artifacts"))

        // Start another and cancel it from the interface, with confirmation.
        #expect(try await runCLI(["build", "start", "forever.yaml"], home: home).status == 0)
        // The build server tells the interface of the user who started it.
        (found, screen) = await tmux.waitFor("build examples#2 forever started")
        #expect(found, "notification: \(screen)")
        try tmux.send("Escape")
        // Wait for the dashboard's own row of build #2: the notification in the status bar also says
        // `examples#2 forever`, and a key sent before the Escape is read would arrive as Alt+key.
        (found, screen) = await tmux.waitFor("#2    examples")
        #expect(found, "\(screen)")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("Build #2 - examples")
        #expect(found, "\(screen)")
        (found, screen) = await tmux.waitFor("waiting")
        try tmux.send("x")
        (found, screen) = await tmux.waitFor("Cancel build #2?")
        #expect(found, "\(screen)")
        try tmux.send("y")
        (found, screen) = await tmux.waitFor("cancelled", timeout: .seconds(20))
        #expect(found, "\(screen)")
        #expect(await eventually(timeout: .seconds(10)) { processes(matching: "sleep 300").isEmpty })
        try tmux.send("q")
        (found, _) = await tmux.waitFor("[exited 0]")
        #expect(found)
    }

    @Test func journey1FromAnExampleTemplateToAStartedBuild() async throws {
        let home = try TemporaryHome()
        // The editor appends a command, as a user would.
        let editor = try home.write("editor.sh", #"""
            #!/bin/sh
            sed -i 's/^\( *\)- "\{0,1\}mkdir -p out"\{0,1\}$/&\n\1- echo edited-by-editor/' "$1"

            """#)
        chmod(editor, 0o755)
        let tmux = try start(home, "open /projects/1/builds/new", env: ["EDITOR": editor])
        var (found, screen) = await tmux.waitFor("shell-hello")
        #expect(found, "\(screen)")
        for _ in 0..<5 { try tmux.send("Down") }
        try tmux.send("Enter")
        // The form shows the template's fields; a bad value is reported at its field as it is typed.
        (found, screen) = await tmux.waitFor("Build commands")
        #expect(found, "\(screen)")
        for _ in 0..<9 { try tmux.send("Tab") }
        try tmux.type("x")
        (found, screen) = await tmux.waitFor("invalid size")
        #expect(found, "memory 512MiBx is reported at its field: \(screen)")
        try tmux.send("BSpace")
        // $EDITOR edits the YAML; the form comes back with the change.
        try tmux.send("C-e")
        (found, screen) = await tmux.waitFor("edited-by-editor")
        #expect(found, "\(screen)")
        try tmux.send("M-v")
        (found, screen) = await tmux.waitFor("the manifest is valid")
        #expect(found, "\(screen)")
        #expect(screen.contains("Step 3/4: Build"))
        try tmux.send("s")
        (found, screen) = await tmux.waitFor("Start build `shell-hello`")
        #expect(found, "\(screen)")
        try tmux.send("y")
        (found, screen) = await tmux.waitFor("Build #1 - examples")
        #expect(found, "\(screen)")
        (found, screen) = await tmux.waitFor("succeeded", timeout: .seconds(30))
        #expect(found, "\(screen)")
        try tmux.send("3")
        (found, screen) = await tmux.waitFor("hello.tar.gz")
        #expect(found, "\(screen)")
        try tmux.send("q")
    }

    @Test func journey4SearchFilterAndJumpToErrorsInAFailedBuild() async throws {
        let home = try TemporaryHome()
        _ = try home.write("fail.yaml", """
            name: fails
            commands:
              - "for i in $(seq 1 200); do echo compiling unit-$i; done"
              - "echo 'main.c:12:3: warning: unused variable x' >&2"
              - "echo 'main.c:40:1: error: expected ; before }' >&2; exit 2"
            """)
        let run = try await runCLI(["build", "start", "fail.yaml", "--wait", "--quiet"], home: home)
        #expect(run.status == 1)
        let tmux = try start(home, "open /projects/1/builds/1/logs")
        var (found, screen) = await tmux.waitFor("unit-")
        #expect(found, "\(screen)")
        try tmux.send("/")
        try tmux.type("unit-1")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("/111")
        #expect(found, "search position like 1/111: \(screen)")
        try tmux.send("n")
        (found, screen) = await tmux.waitFor("2/111")
        #expect(found, "\(screen)")
        // The failure summary above the log quotes the error already: wait for the log's own row of it.
        let error = "main.c:40:1: error: expected ; before }"
        try tmux.send("e")
        (found, screen) = await tmux.waitForScreen { s in self.logRows(s).contains { $0.hasSuffix(error) } }
        #expect(found, "e jumps to the error line: \(screen)")
        #expect(screen.contains("level all") && logRows(screen).contains { $0.contains("compiling unit-") },
                "before the filter, info lines are on screen: \(screen)")
        // `l` shows warnings and errors only: the compile lines go, the warning and the error stay.
        try tmux.send("l")
        (found, screen) = await tmux.waitForScreen { s in s.contains("level warn+") && !self.logRows(s).contains { $0.contains("compiling unit-") } }
        #expect(found, "the info lines are hidden by level warn+: \(screen)")
        #expect(logRows(screen).contains { $0.hasSuffix("main.c:12:3: warning: unused variable x") }, "\(screen)")
        #expect(logRows(screen).contains { $0.hasSuffix(error) }, "\(screen)")
        // Again: errors only, so the warning goes too.
        try tmux.send("l")
        (found, screen) = await tmux.waitForScreen { s in s.contains("level error") && !self.logRows(s).contains { $0.contains("unused variable x") } }
        #expect(found, "the warning is hidden by level error: \(screen)")
        #expect(logRows(screen).contains { $0.hasSuffix(error) }, "\(screen)")
        #expect(!logRows(screen).contains { $0.contains("compiling unit-") }, "\(screen)")
        try tmux.send("q")
    }

    @Test func paletteFindsABuildByNameAndOpensIt() async throws {
        let home = try TemporaryHome()
        _ = try home.write("a.yaml", "name: alpha-build\ncommands: [\"echo a\"]\n")
        #expect(try await runCLI(["build", "start", "a.yaml", "--wait"], home: home).status == 0)
        let tmux = try start(home)
        _ = await tmux.waitFor("Recent Builds")
        try tmux.send("C-k")
        var (found, screen) = await tmux.waitFor("Command palette")
        #expect(found, "\(screen)")
        try tmux.type("alpha")
        (found, screen) = await tmux.waitFor("#1 alpha-build")
        #expect(found, "\(screen)")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("Build #1 - examples")
        #expect(found, "\(screen)")
        try tmux.send("q")
    }

    @Test func layoutHoldsAt80x24AndFollowsAResize() async throws {
        let home = try TemporaryHome()
        _ = try home.write("a.yaml", "name: small\ncommands: [\"echo a\"]\n")
        #expect(try await runCLI(["build", "start", "a.yaml", "--wait"], home: home).status == 0)
        let tmux = try start(home, width: 80, height: 24)
        var (found, screen) = await tmux.waitForScreen { $0.contains("small") && $0.contains("? keys") }
        #expect(found, "\(screen)")
        expectDashboardLayout(screen, width: 80, height: 24)
        // Too narrow for two columns: Ready Artifacts has rows of its own below the builds.
        #expect(!rows(screen).contains { $0.contains("Projects") && $0.contains("Ready Artifacts") }, "\(screen)")
        try tmux.resize(width: 140, height: 40)
        // Wide enough: Ready Artifacts moves up beside the projects.
        (found, screen) = await tmux.waitForScreen { s in self.rows(s).contains { $0.contains("Projects") && $0.contains("Ready Artifacts") } }
        #expect(found, "\(screen)")
        (found, screen) = await tmux.waitForScreen { self.rows($0).count == 40 }
        expectDashboardLayout(screen, width: 140, height: 40)
        try tmux.send("?")
        (found, screen) = await tmux.waitFor("Keys on this screen")
        #expect(found, "\(screen)")
        try tmux.send("Escape")
        try tmux.send("q")
    }

    @Test func watchFitsANarrowPane() async throws {
        let home = try TemporaryHome()
        _ = try home.write("a.yaml", "name: narrow\ncommands: [\"for i in 1 2 3; do echo line-$i; done\"]\n")
        #expect(try await runCLI(["build", "start", "a.yaml", "--wait"], home: home).status == 0)
        let tmux = try start(home, "watch", width: 40, height: 15)
        let (found, screen) = await tmux.waitFor("line-3")
        #expect(found, "\(screen)")
        #expect(screen.contains("succeeded"))
        try tmux.send("q")
    }

    @Test func escapeSequencesFromABuildNeverReachTheTerminal() async throws {
        let home = try TemporaryHome()
        _ = try home.write("evil.yaml", """
            name: evil
            commands:
              - "printf '\\\\033]0;pwned-title\\\\007\\\\033]52;c;cHduZWQ=\\\\007\\\\033[2J\\\\033[Hvisible-text\\\\n'"
            """)
        #expect(try await runCLI(["build", "start", "evil.yaml", "--wait"], home: home).status == 0)
        let tmux = try start(home, "open /projects/1/builds/1/logs")
        let (found, screen) = await tmux.waitFor("visible-text")
        #expect(found, "\(screen)")
        let title = try String(contentsOfFile: try titleFile(tmux), encoding: .utf8)
        #expect(!title.contains("pwned-title"))
        try tmux.send("q")
    }

    /// The screen's rows as tmux captures them (trailing blanks dropped, so a row's length is where its text ends).
    func rows(_ screen: String) -> [Substring] {
        var rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
        if rows.last?.isEmpty == true { rows.removeLast() }
        return rows
    }

    /// The rows of the log view: a line number, then the line.
    func logRows(_ screen: String) -> [Substring] {
        rows(screen).filter { row in
            let rest = row.drop { $0 == " " }
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            return !digits.isEmpty && rest.dropFirst(digits.count).first == " "
        }
    }

    /// The dashboard fills the pane: the title row reaches the right edge (less one column) with the screen's link `/`,
    /// the hint bar is the last row and ends whole with `? keys`, and the build's row ends with its duration.
    func expectDashboardLayout(_ screen: String, width: Int, height: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let rows = rows(screen)
        #expect(rows.count == height, "\(rows.count) rows: \(screen)", sourceLocation: sourceLocation)
        #expect(rows.first?.hasPrefix(" Dashboard") == true && rows.first?.hasSuffix("/") == true && rows.first?.count == width - 1,
                "title row ends with the link one column before the edge: \(screen)", sourceLocation: sourceLocation)
        #expect(rows.last?.hasPrefix(" enter open") == true && rows.last?.hasSuffix("q quit  ? keys") == true,
                "hint bar on the last row, not cut: \(screen)", sourceLocation: sourceLocation)
        let build = rows.first { $0.contains("#1    examples") }
        #expect(build?.contains("examples") == true && build?.contains("just now") == true
                && build?.split(separator: " ").last.map { $0.hasSuffix("s") && Double($0.dropLast()) != nil } == true,
                "the build's row is whole, up to its duration: \(screen)", sourceLocation: sourceLocation)
    }

    func titleFile(_ tmux: TmuxSession) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("\(tmux.socket)-title").path
        _ = try SimpleCommand.run(["/bin/sh", "-c", "tmux -L \(tmux.socket) display-message -p -t \(tmux.target) '#{pane_title}' > \(out)"])
        return out
    }
}

extension TmuxSession {
    /// Waits until the screen satisfies `condition` (for a change, like a line that goes); returns the screen either way.
    func waitForScreen(timeout: Duration = .seconds(20), _ condition: (String) -> Bool) async -> (found: Bool, screen: String) {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = screen()
            if condition(last) { return (true, last) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (false, last)
    }
}
