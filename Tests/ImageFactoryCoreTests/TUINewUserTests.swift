import Foundation
import Testing
@testable import ImageFactoryCore

/// What a new user met on day one (issue 15), each group checked in the real binary in tmux at 80x24:
/// files are never overwritten or left behind, every view scrolls and fits, the back stack follows intent,
/// and keys do what their hints say.
@Suite(.enabled(if: TmuxSession.available, "tmux is not installed (apt-get install tmux): the terminal tests need it"))
struct TUINewUserTests {
    func start(_ home: TemporaryHome, _ args: String = "", width: Int = 80, height: Int = 24) throws -> TmuxSession {
        try TmuxSession(command: "\(shellQuote(imagefactoryBinary)) \(args)", width: width, height: height,
                        environment: ["IMAGEFACTORY_HOME": home.directory.root.path, "XDG_STATE_HOME": stateHome(home).path],
                        directory: home.url)
    }

    /// In the template list, picks shell-hello (the sixth example) and waits for its form.
    func pickShellHello(_ tmux: TmuxSession) async throws -> (Bool, String) {
        var (found, screen) = await tmux.waitFor("shell-hello")
        guard found else { return (false, screen) }
        for _ in 0..<5 { try tmux.send("Down") }
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("New build: shell-hello")
        return (found, screen)
    }

    func stateHome(_ home: TemporaryHome) -> URL { home.url.appendingPathComponent("state") }
    func drafts(_ home: TemporaryHome) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: stateHome(home).appendingPathComponent("imagefactory/drafts").path)) ?? []
    }
    func files(_ home: TemporaryHome) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: home.url.path)) ?? [])
    }

    /// Group 1: saving asks where and never replaces a file unasked; drafts stay out of the working directory,
    /// go when the user leaves, and one left by a crash is offered back.
    @Test func savingAsksAndDraftsNeverLitter() async throws {
        let home = try TemporaryHome()
        #expect(try await runCLI(["build", "start", try home.write("one.yaml", "name: one\ncommands: [\"echo line-of-one\"]\n"), "--wait"],
                                 home: home).status == 0)
        let mine = home.url.appendingPathComponent("build-1-one.log")
        try "my own notes".write(to: mine, atomically: true, encoding: .utf8)
        let before = files(home)

        let tmux = try start(home, "open /projects/1/builds/1/logs")
        var (found, screen) = await tmux.waitFor("line-of-one")
        #expect(found, "\(screen)")
        try tmux.send("D")
        (found, screen) = await tmux.waitFor("Save the whole log")
        #expect(found, "\(screen)")
        #expect(screen.contains("build-1-one.log"), "the suggested path is shown before anything is written: \(screen)")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("already exists")
        #expect(found, "\(screen)")
        try tmux.send("k")
        // The file is the proof (the "saved" message lasts seconds, which a starved test can miss).
        let kept = home.url.appendingPathComponent("build-1-one-1.log")
        #expect(await eventually(timeout: .seconds(30)) { (try? String(contentsOf: kept, encoding: .utf8))?.contains("line-of-one") == true },
                "keep both wrote \(kept.lastPathComponent): \(tmux.screen())")
        #expect(try String(contentsOf: mine, encoding: .utf8) == "my own notes")

        // New build: the draft is in the state directory, not here, and goes when the user leaves.
        try tmux.send("Escape")
        (found, screen) = await tmux.waitFor("Welcome back")
        try tmux.send("n")
        (found, screen) = try await pickShellHello(tmux)
        #expect(found, "\(screen)")
        #expect(drafts(home).count == 1, "\(drafts(home))")
        #expect(files(home) == before.union(["build-1-one-1.log", "state"]), "nothing new in the working directory: \(files(home).subtracting(before))")
        try tmux.send("Escape")   // form -> template list
        (found, screen) = await tmux.waitFor("Start from a template")
        #expect(found, "\(screen)")
        try tmux.send("Escape")   // leave New build
        (found, screen) = await tmux.waitFor("Welcome back")
        #expect(found, "\(screen)")
        #expect(await eventually(timeout: .seconds(5)) { drafts(home).isEmpty }, "the draft went with the screen: \(drafts(home))")

        // A draft left by an interface that died (its pid is gone) is offered back.
        let dir = stateHome(home).appendingPathComponent("imagefactory/drafts")
        try "name: half-written\ncommands: [\"echo recovered\"]\n".write(to: dir.appendingPathComponent("examples-999999.yaml"),
                                                                           atomically: true, encoding: .utf8)
        try tmux.send("n")
        (found, screen) = await tmux.waitFor("recover draft")
        #expect(found, "\(screen)")
        #expect(screen.contains("half-written"), "\(screen)")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("New build: half-written")
        #expect(found, "\(screen)")
        try tmux.send("C-c")
        (found, _) = await tmux.waitFor("[exited 0]")
        #expect(found)
        #expect(drafts(home).isEmpty, "quitting removes the draft: \(drafts(home))")
    }

    /// Group 2: help and the review scroll at 80x24 and show where they are.
    @Test func helpAndReviewScrollAt80x24() async throws {
        let home = try TemporaryHome()
        let tmux = try start(home, "open /projects/1/builds/new")
        var (found, screen) = try await pickShellHello(tmux)
        #expect(found, "\(screen)")
        try tmux.send("M-v")
        (found, screen) = await tmux.waitFor("the manifest is valid")
        #expect(found, "\(screen)")
        #expect(!screen.contains("timeout: "), "the manifest is below the fold at 80x24: \(screen)")
        try tmux.send("End")
        (found, screen) = await tmux.waitFor("timeout: ")
        #expect(found, "End scrolls the review to the manifest's resources: \(screen)")
        #expect(screen.contains(" of "), "the position is shown: \(screen)")
        try tmux.send("Home")
        (found, screen) = await tmux.waitFor("the manifest is valid")
        #expect(found, "\(screen)")

        try tmux.send("F1")
        (found, screen) = await tmux.waitFor("Keys on this screen")
        #expect(found, "\(screen)")
        #expect(!screen.contains("Tab shows the guide"), "the help is longer than the screen: \(screen)")
        try tmux.send("End")
        (found, screen) = await tmux.waitFor("Tab shows the guide")
        #expect(found, "End reaches the last line of help: \(screen)")
        try tmux.send("PPage")
        (found, screen) = await tmux.waitFor(" 1-")
        #expect(found && !screen.contains("Tab shows the guide"), "PageUp scrolls back to the top: \(screen)")
        try tmux.send("Escape")
        try tmux.send("q")
    }

    /// Group 3: a started build's page replaces New build; Esc on the first screen does not quit.
    @Test func theBackStackFollowsIntent() async throws {
        let home = try TemporaryHome()
        let tmux = try start(home, "", width: 100, height: 30)
        var (found, screen) = await tmux.waitFor("Welcome back")
        #expect(found, "\(screen)")
        #expect(!screen.contains("esc back"), "the first screen offers no Esc: \(screen)")
        try tmux.send("Escape")
        // A key right after Esc would be read as Alt+key: give the Esc its own moment.
        try await Task.sleep(for: .milliseconds(300))
        try tmux.send("?")
        (found, screen) = await tmux.waitFor("Keys on this screen")
        #expect(found, "still running after Esc on the dashboard: \(screen)")
        try tmux.send("Escape")
        try await Task.sleep(for: .milliseconds(300))
        try tmux.send("n")
        (found, screen) = try await pickShellHello(tmux)
        #expect(found, "\(screen)")
        try tmux.send("C-s")
        (found, screen) = await tmux.waitFor("Start build `shell-hello`")
        #expect(found, "\(screen)")
        try tmux.send("y")
        (found, screen) = await tmux.waitFor("Build #1 - examples")
        #expect(found, "\(screen)")
        #expect(!screen.contains("New build"), "New build left the stack: \(screen)")
        try tmux.send("Escape")
        (found, screen) = await tmux.waitFor("Welcome back")
        #expect(found, "Esc from the build page goes back to where the user started: \(screen)")
        try tmux.send("q")
        (found, _) = await tmux.waitFor("[exited 0]")
        #expect(found)
    }

    /// Group 4: the tab keys work from every tab; Up pauses follow; Enter on a template starts from it.
    @Test func keysDoWhatTheirHintsSay() async throws {
        let home = try TemporaryHome()
        let release = home.url.appendingPathComponent("release").path
        _ = try home.write("two.yaml", """
            name: two
            commands:
              - "i=0; while [ ! -f \(release) ] && [ $i -lt 600 ]; do i=$((i+1)); echo tick-$i; sleep 0.2; done"
              - "echo done > out.txt"
            artifacts: [out.txt]
            """)
        #expect(try await runCLI(["build", "start", "two.yaml"], home: home).status == 0)
        let tmux = try start(home, "open /projects/1/builds/1/logs", width: 100, height: 30)
        var (found, screen) = await tmux.waitFor("tick-")
        #expect(found, "\(screen)")
        #expect(screen.contains("following"), "\(screen)")
        try tmux.send("Up")
        (found, screen) = await tmux.waitFor("paused")
        #expect(found, "Up pauses follow: \(screen)")
        _ = FileManager.default.createFile(atPath: release, contents: Data())
        try tmux.send("a")
        (found, screen) = await tmux.waitFor("out.txt", timeout: .seconds(30))
        #expect(found, "a opens the Artifacts tab from the Logs tab: \(screen)")
        try tmux.send("l")
        (found, screen) = await tmux.waitFor("level all")
        #expect(found, "l opens the Logs tab from the Artifacts tab: \(screen)")
        try tmux.send("1")
        (found, screen) = await tmux.waitFor("4. Artifacts")
        #expect(found, "\(screen)")
        #expect(!screen.contains("x cancel"), "a finished build offers no cancel: \(screen)")

        // Enter on a template in the project's Templates tab starts a build from it.
        try tmux.send("Escape")
        (found, screen) = await tmux.waitFor("Welcome back")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("Templates")
        try tmux.send("3")
        (found, screen) = await tmux.waitFor("shell-hello")
        #expect(found, "\(screen)")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("New build:")
        #expect(found, "\(screen)")
        #expect(screen.contains("Build commands"), "\(screen)")
        try tmux.send("q")
    }

    /// Group 1: a template's relative `context` is named in the review with the directory it takes.
    @Test func theReviewNamesTheContextDirectory() async throws {
        let home = try TemporaryHome()
        let tmux = try start(home, "open /projects/1/builds/new", width: 120, height: 40)
        var (found, screen) = await tmux.waitFor("docker-busybox")
        #expect(found, "\(screen)")
        try tmux.send("Down")
        try tmux.send("Enter")
        (found, screen) = await tmux.waitFor("New build: docker-busybox")
        #expect(found, "\(screen)")
        try tmux.send("M-v")
        (found, screen) = await tmux.waitFor("Context: \(home.url.path)")
        #expect(found, "the review says which directory `context: .` copies: \(screen)")
        try tmux.send("C-c")
    }

    /// Group 5: `c` on a failing build finds the step that really differs, not the workspace path in Setup.
    @Test func compareFindsTheRealDifference() async throws {
        let home = try TemporaryHome()
        let flag = home.url.appendingPathComponent("break-it").path
        _ = try home.write("app.yaml", """
            name: app
            commands:
              - echo "workspace $PWD, build $IMAGEFACTORY_BUILD_ID"
              - "if [ -f \(flag) ]; then echo 'ld: main.o: undefined reference to foo' >&2; exit 1; fi; echo linked"
            """)
        #expect(try await runCLI(["build", "start", "app.yaml", "--wait"], home: home).status == 0)
        _ = FileManager.default.createFile(atPath: flag, contents: Data())
        #expect(try await runCLI(["build", "start", "app.yaml", "--wait"], home: home).status == 1)
        let tmux = try start(home, "open /projects/1/builds/2/logs", width: 120, height: 30)
        var (found, screen) = await tmux.waitFor("undefined reference")
        #expect(found, "\(screen)")
        try tmux.send("c")
        (found, screen) = await tmux.waitFor("first divergent step")
        #expect(found, "\(screen)")
        #expect(screen.contains("first divergent step: 3. Build"), "\(screen)")
        try tmux.send("q")
    }

    /// Group 7: within the Build step the progress moves with its commands.
    @Test func progressMovesWithTheCommands() async throws {
        let home = try TemporaryHome()
        func gate(_ name: String) -> String {
            let path = home.url.appendingPathComponent(name).path
            return "i=0; while [ ! -f \(path) ] && [ $i -lt 600 ]; do i=$((i+1)); sleep 0.2; done; echo passed-\(name)"
        }
        _ = try home.write("gated.yaml", """
            name: gated
            commands:
              - "\(gate("a"))"
              - "\(gate("b"))"
              - "\(gate("c"))"
            """)
        defer { for n in ["a", "b", "c"] { _ = FileManager.default.createFile(atPath: home.url.appendingPathComponent(n).path, contents: Data()) } }
        #expect(try await runCLI(["build", "start", "gated.yaml"], home: home).status == 0)
        let tmux = try start(home, "open /projects/1/builds/1", width: 120, height: 30)
        var (found, screen) = await tmux.waitFor("command 1/3")
        #expect(found, "\(screen)")
        _ = FileManager.default.createFile(atPath: home.url.appendingPathComponent("a").path, contents: Data())
        (found, screen) = await tmux.waitFor("command 2/3")
        #expect(found, "the progress follows the commands: \(screen)")
        _ = FileManager.default.createFile(atPath: home.url.appendingPathComponent("b").path, contents: Data())
        (found, screen) = await tmux.waitFor("command 3/3")
        #expect(found, "\(screen)")
        try tmux.send("q")
    }
}
