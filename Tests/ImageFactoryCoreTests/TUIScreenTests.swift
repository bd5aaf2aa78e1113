import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryTUI
@testable import Terminal

/// Screens rendered into the in-memory terminal: text and colours, no real terminal needed.
@Suite struct TUIScreenTests {
    func makeApp(_ service: FactoryService, width: Int = 100, height: Int = 30, unicode: Bool = true) throws -> (TUIApp, MemoryTerminal) {
        let terminal = MemoryTerminal(width: width, height: height,
                                      capabilities: .init(colors: .palette256, unicode: unicode, mouse: true, insideTmux: false))
        let keymap = try #require(KeymapLoader.builtIn(named: "default"))
        let app = TUIApp(api: InProcessFactoryAPI(service: service), terminal: terminal, theme: ThemeLoader.builtIn(named: "default"),
                         glyphs: unicode ? .unicode : .ascii, registry: ActionRegistry(keymap: keymap))
        return (app, terminal)
    }

    /// Loads the top screen's data the way the loop does, synchronously.
    func settle(_ app: TUIApp, _ service: FactoryService) throws {
        guard let screen = app.stack.last else { return }
        try screen.load(app.api)?()
    }

    @Test func dashboardShowsTheLastBuildStatusWithoutAKeypress() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let failed = try await runShellBuild(service, "name: broken\ncommands: [\"exit 3\"]\n")
        #expect(failed.status == .failed)
        let (app, _) = try makeApp(service)
        try app.open(link: nil)
        try settle(app, service)
        let grid = app.renderFrame()
        #expect(grid.text.contains("Welcome back, Alice"))
        #expect(grid.text.contains("last build: ✗ examples#1 broken failed"))
        #expect(grid.text.contains("[My Projects]"))
        let theme = ThemeLoader.builtIn(named: "default")
        #expect(grid.style(of: "last build:")?.foreground == theme.error.foreground)
    }

    @Test func dashboardShowsQueuedBuildsWithWhatTheyWaitFor() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let project = try service.project(nil)
        let queued = try service.startBuild(text: "name: waiting\ncommands: [make]\n", file: nil, in: project)
        try service.store.write { db in
            try db.execute(sql: "UPDATE build SET queueReason = ? WHERE id = ?",
                           arguments: ["waiting for 2 CPUs (0 of 2 free), position 3", queued.id!.rawValue])
        }
        let (app, _) = try makeApp(service, width: 120)
        try app.open(link: nil)
        try settle(app, service)
        let text = app.renderFrame().text
        #expect(text.contains("Running and queued"))
        #expect(text.contains("examples#1 waiting queued: waiting for 2 CPUs (0 of 2 free)"))
    }

    @Test func buildPageFoldsSucceededStepsAndOpensTheFailedOne() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try await runShellBuild(service, """
            name: twosteps
            commands:
              - echo compiled-fine
              - "echo 'fatal: broken thing' >&2; exit 4"
            """)
        let (app, _) = try makeApp(service)
        try app.open(link: "/projects/\(build.projectId)/builds/\(build.number.rawValue)")
        try settle(app, service)
        let text = app.renderFrame().text
        #expect(text.contains("Build #1 - examples"))
        #expect(text.contains("▶ 1. Setup"))
        #expect(text.contains("▼ 3. Build"))
        #expect(text.contains("fatal: broken thing"))
        #expect(text.contains("command 2 of 2 failed with exit status 4"))
        // Enter folds the selected step: Down twice selects the failed Build step, Enter closes it.
        app.handle(.down)
        app.handle(.down)
        app.handle(.enter)
        // The step's own output row (the failure summary above quotes the command, `echo 'fatal: ...`, too).
        func showsTheStepsOutput(_ text: String) -> Bool {
            text.split(separator: "\n").contains { $0.contains("fatal: broken thing") && !$0.contains("echo") }
        }
        #expect(showsTheStepsOutput(text), "\(text)")
        let folded = app.renderFrame().text
        #expect(folded.contains("▶ 3. Build") && !folded.contains("▼ 3. Build"), "\(folded)")
        #expect(!showsTheStepsOutput(folded), "a folded step hides its lines: \(folded)")
        #expect(folded.contains("▶ 1. Setup"), "the other steps stay as they were: \(folded)")
        // Enter again opens it.
        app.handle(.enter)
        let reopened = app.renderFrame().text
        #expect(reopened.contains("▼ 3. Build") && showsTheStepsOutput(reopened), "\(reopened)")
        // The link names the screen.
        #expect(app.stack.last?.link == "/projects/1/builds/1")
    }

    @Test func buildPageShowsTheToolsStepsGroupedByPlatformWithCachedOnesMarked() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try await runShellBuild(service, "name: multi\ncommands: [\"echo built\"]\n")
        // The recorded podman multi-platform output, through the real parser and tracker, as the runner feeds them.
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/samples/podman-multi.log")
        let tracker = ToolStepTracker(parser: PodmanProgressParser(), build: build.id!, stepIndex: 2, firstSeq: 0)
        for (i, line) in try String(contentsOf: sample, encoding: .utf8).split(separator: "\n").enumerated() {
            _ = tracker.observe(String(line), seq: Int64(i))
        }
        tracker.finish(succeeded: true, cancelled: false, seq: 100)
        try service.store.write { db in try tracker.persist(db) }
        let (app, _) = try makeApp(service, width: 110, height: 50)
        try app.open(link: "/projects/\(build.projectId)/builds/\(build.number.rawValue)")
        try settle(app, service)
        let text = app.renderFrame().text
        #expect(text.contains("linux/arm64") && text.contains("linux/amd64"))
        #expect(text.contains("CACHED"))
        #expect(text.contains("COPY busybox-${TARGETARCH} /bin/busybox"))
        let lines = text.split(separator: "\n").map(String.init)
        let arm = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "linux/arm64" })
        let amd = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "linux/amd64" })
        #expect(arm < amd, "groups in the order the tool ran them")
    }

    @Test func asciiFallbackDrawsNoUnicodeGlyphs() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        _ = try await runShellBuild(service, "name: ok\ncommands: [\"true\"]\n")
        let (app, _) = try makeApp(service, width: 80, height: 24, unicode: false)
        try app.open(link: "/projects/1/builds/1")
        try settle(app, service)
        let text = app.renderFrame().text
        #expect(text.contains("succeeded"))
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(text)")
    }

    @Test func viewerSeesCancelDisabledWithTheReason() async throws {
        let home = try TemporaryHome()
        let owner = try home.service()
        let project = try owner.project(nil)
        let build = try owner.startBuild(text: "name: q\ncommands: [\"true\"]\n", file: nil, in: project)
        let viewer = try home.service(login: "vera", uid: 6001)
        try owner.store.write { db in
            try Membership(projectId: project.id!, userId: viewer.user.id!, role: .viewer, createdAt: Date()).insert(db)
        }
        let (app, _) = try makeApp(viewer)
        try app.open(link: "/projects/1/builds/\(build.number.rawValue)")
        try settle(app, viewer)
        app.handle(.character("x"))
        let text = app.renderFrame().text
        #expect(text.contains("Cancel build: requires Member (you are Viewer)"))
        #expect(try owner.store.build(id: build.id!)?.cancelRequested == false)
    }

    @Test func logsTabSearchesAndHighlightsMatches() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        _ = try await runShellBuild(service, "name: many\ncommands: [\"for i in $(seq 1 300); do echo row-$i; done\"]\n")
        let (app, _) = try makeApp(service)
        try app.open(link: "/projects/1/builds/1/logs")
        try settle(app, service)
        _ = app.renderFrame()
        app.handle(.character("/"))
        for c in "row-15" { app.handle(.character(c)) }
        app.handle(.enter)
        let grid = app.renderFrame()
        #expect(grid.text.contains("row-15"))
        let theme = ThemeLoader.builtIn(named: "default")
        // Enter lands on the first match, row-15: it is the current match; a line that does not match is not highlighted.
        #expect(theme.currentMatch.background != theme.searchMatch.background && theme.currentMatch.background != theme.text.background)
        let matchStyle = try #require(grid.style(of: "row-15"))
        #expect(matchStyle.background == theme.currentMatch.background)
        #expect(grid.style(of: "row-14")?.background != theme.currentMatch.background)
        // n moves to the next match, row-150, which becomes the current one.
        app.handle(.character("n"))
        let next = app.renderFrame()
        #expect(next.style(of: "row-150")?.background == theme.currentMatch.background, "\(next.text)")
    }

    @Test func paletteRanksBuildsAndRunsTheChosenEntry() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        _ = try await runShellBuild(service, "name: zeta-image\ncommands: [\"true\"]\n")
        let (app, _) = try makeApp(service)
        try app.open(link: nil)
        try settle(app, service)
        app.handle(.control("k"))
        for c in "zeta" { app.handle(.character(c)) }
        let text = app.renderFrame().text
        #expect(text.contains("Command palette"))
        #expect(text.contains("#1 zeta-image"))
        app.handle(.enter)
        #expect(app.stack.last?.link == "/projects/1/builds/1")
    }

    @Test func helpListsTheBindingsOfTheCurrentScreen() throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let (app, _) = try makeApp(service)
        try app.open(link: nil)
        try settle(app, service)
        app.handle(.character("?"))
        let text = app.renderFrame().text
        #expect(text.contains("Keys on this screen"))
        #expect(text.contains("Command palette"))
        #expect(text.contains("ctrl+k"))
    }

    @Test func saveScreenWritesWhatIsOnScreen() throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let terminal = MemoryTerminal(width: 80, height: 24)
        let app = TUIApp(api: InProcessFactoryAPI(service: service), terminal: terminal, theme: ThemeLoader.builtIn(named: "mono"), glyphs: .unicode,
                         registry: ActionRegistry(keymap: try #require(KeymapLoader.builtIn(named: "default"))),
                         outputDirectory: home.url)
        try app.open(link: nil)
        try settle(app, service)
        app.perform(.saveScreen)
        // Nothing is written before the user says where.
        func saved() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: home.url.path).filter { $0.hasPrefix("imagefactory-screen") }.sorted()
        }
        #expect(try saved().isEmpty)
        #expect(app.renderFrame().text.contains("Save the screen"))
        for _ in 0..<200 { app.press(.backspace) }
        for c in "imagefactory-screen.txt" { app.press(.character(c)) }
        app.press(.enter)
        #expect(try saved() == ["imagefactory-screen.txt"])
        #expect(try String(contentsOf: home.url.appendingPathComponent("imagefactory-screen.txt"), encoding: .utf8).contains("Welcome back"))

        // The same name again: asked, and "keep both" writes beside it; "overwrite" replaces; Esc leaves it.
        func saveAgain(answer: Key) {
            app.perform(.saveScreen)
            for _ in 0..<200 { app.press(.backspace) }
            for c in "imagefactory-screen.txt" { app.press(.character(c)) }
            app.press(.enter)
            app.press(answer)
        }
        try "mine".write(to: home.url.appendingPathComponent("imagefactory-screen.txt"), atomically: true, encoding: .utf8)
        saveAgain(answer: .escape)
        #expect(try String(contentsOf: home.url.appendingPathComponent("imagefactory-screen.txt"), encoding: .utf8) == "mine")
        saveAgain(answer: .character("k"))
        #expect(try saved() == ["imagefactory-screen-1.txt", "imagefactory-screen.txt"])
        #expect(try String(contentsOf: home.url.appendingPathComponent("imagefactory-screen.txt"), encoding: .utf8) == "mine")
        saveAgain(answer: .character("o"))
        #expect(try String(contentsOf: home.url.appendingPathComponent("imagefactory-screen.txt"), encoding: .utf8).contains("Welcome back"))
        // A directory that does not exist is refused with where.
        app.perform(.saveScreen)
        for _ in 0..<200 { app.press(.backspace) }
        for c in "nothere/x.txt" { app.press(.character(c)) }
        app.press(.enter)
        // Said in full: a message longer than the footer wraps above it.
        let screen = app.renderFrame().text.filter { !$0.isWhitespace }
        let expected = "not saved: the directory \(home.url.appendingPathComponent("nothere").path) does not exist".filter { !$0.isWhitespace }
        #expect(screen.contains(expected), "\(screen)")
    }
}

@Suite struct TUIContextMenuTests {
    @Test func rightClickOnABuildOffersItsActionsAndDownloadLogsSavesTheLog() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        _ = try await runShellBuild(service, "name: menu\ncommands: [\"echo menu-line\"]\n")
        let terminal = MemoryTerminal(width: 100, height: 30)
        let app = TUIApp(api: InProcessFactoryAPI(service: service), terminal: terminal, theme: ThemeLoader.builtIn(named: "default"), glyphs: .unicode,
                         registry: ActionRegistry(keymap: try #require(KeymapLoader.builtIn(named: "default"))),
                         outputDirectory: home.url)
        try app.open(link: "/projects/1/builds/1")
        try app.stack.last?.load(app.api)?()
        _ = app.renderFrame()
        app.handle(.mouse(MouseEvent(kind: .rightClick, x: 10, y: 8)))
        let text = app.renderFrame().text
        #expect(text.contains("Download logs"))
        #expect(text.contains("Re-run"))
        app.handle(.enter)
        // Asked where first, with the suggested name; Enter takes it.
        #expect(app.renderFrame().text.contains("Save the whole log"))
        #expect(app.renderFrame().text.contains("/build-1-menu.log"))
        app.handle(.enter)
        let saved = home.url.appendingPathComponent("build-1-menu.log")
        #expect(try String(contentsOf: saved, encoding: .utf8).contains("menu-line"))
    }
}

@Suite struct ManifestFormTests {
    @Test func formReadsFieldsAndWritesThemBackKeepingOtherKeys() throws {
        let yaml = """
            name: demo
            method: shell
            commands:
              - make
              - make test
            env:
              CC: gcc
            resources:
              memory: 1GiB
            """
        var form = try #require(ManifestForm(yaml: yaml))
        #expect(form.fields.first { $0.key == "commands" }?.value == "make\nmake test")
        #expect(form.fields.first { $0.key == "resources.memory" }?.value == "1GiB")
        let tags = try #require(form.fields.firstIndex { $0.key == "tags" })
        form.fields[tags].value = "latest, v2"
        let memory = try #require(form.fields.firstIndex { $0.key == "resources.memory" })
        form.fields[memory].value = ""
        let out = try form.apply(to: yaml)
        let check = ManifestLoader.check(text: out, file: nil, context: .unrestricted)
        let manifest = try #require(check.manifest, "\(check.diagnostics)\n\(out)")
        #expect(manifest.tags == ["latest", "v2"])
        #expect(manifest.env == ["CC": "gcc"])
        #expect(manifest.resources.memory == nil)
        #expect(manifest.commands == ["make", "make test"])
    }

    @Test func invalidValuesAreReportedAtTheirField() throws {
        var form = try #require(ManifestForm(yaml: "name: x\ncommands: [make]\n"))
        let memory = try #require(form.fields.firstIndex { $0.key == "resources.memory" })
        form.fields[memory].value = "2GB?"
        let check = ManifestLoader.check(text: try form.apply(to: "name: x\ncommands: [make]\n"), file: nil, context: .unrestricted)
        let problems = ManifestForm.diagnosticsByField(check.diagnostics)
        #expect(problems["resources.memory"]?.message.contains("invalid size `2GB?`") == true)
    }
}

@Suite struct TUIHelpGuideTests {
    @Test func guideShowsTheManifestReferenceTheFAQAndTheProjectsAdmins() throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let app = TUIApp(api: InProcessFactoryAPI(service: service), terminal: MemoryTerminal(width: 120, height: 50), theme: ThemeLoader.builtIn(named: "default"),
                         glyphs: .unicode, registry: ActionRegistry(keymap: try #require(KeymapLoader.builtIn(named: "default"))))
        try app.open(link: "/projects/1")
        try app.loadVisibleScreen()
        app.press(.character("?"))
        app.press(.tab)
        let text = app.renderFrame().text
        #expect(text.contains("Manifest reference"))
        #expect(text.contains("shell: commands"))
        #expect(text.contains("FAQ"))
        #expect(text.contains("Alice (alice), owner"))
    }
}
