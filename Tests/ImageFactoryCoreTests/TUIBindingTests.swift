import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryTUI
import Terminal

/// Each screen's binding table is what it offers: every action in it is handled by the screen (or by the
/// application), and the hint bar, help and palette offer nothing else.
@Suite struct TUIBindingTests {
    /// Actions the screen hands to the application on purpose (the application opens New build).
    static let handedToTheApplication: Set<ActionID> = [.newBuild]
    /// Not run here: they suspend the terminal for $EDITOR, or stop a build (checked by their own tests).
    static let notRunHere: Set<ActionID> = [.editInEditor, .cancelBuild]

    func app(_ service: FactoryService, width: Int = 120, height: Int = 40) throws -> TUIApp {
        TUIApp(api: InProcessFactoryAPI(service: service), terminal: MemoryTerminal(width: width, height: height),
               theme: ThemeLoader.builtIn(named: "default"), glyphs: .unicode,
               registry: ActionRegistry(keymap: try #require(KeymapLoader.builtIn(named: "default"))),
               outputDirectory: FileManager.default.temporaryDirectory,
               drafts: DraftStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("drafts-\(UUID())")))
    }

    /// Every offered, enabled action of the screen `open` makes is handled: `perform` answers, or the
    /// application does. Each action runs on a freshly opened screen, so one action's effect (another tab)
    /// cannot hide another's.
    func checkScreen(_ label: String, _ open: () throws -> TUIApp) throws {
        let first = try open()
        guard let screen = first.stack.last else {
            Issue.record("no screen: \(label)")
            return
        }
        let offer = first.offer(screen)
        for action in offer.actions.subtracting(TUIApp.applicationActions).subtracting(Self.notRunHere).sorted(by: { $0.rawValue < $1.rawValue })
        where offer.disabled[action] == nil {
            let app = try open()
            guard let fresh = app.stack.last else { continue }
            let handled = fresh.perform(action, app: app) != nil || Self.handedToTheApplication.contains(action)
            #expect(handled, "\(label): \(action.rawValue) is offered but not handled")
        }
        // The hint bar shows only offered actions.
        let hints = first.registry.hints(in: screen.context, role: .owner, width: 400, unavailable: offer.disabled, offered: offer.actions)
        for hint in hints { #expect(offer.actions.contains(hint.action), "\(label): hint \(hint.key) \(hint.title) is not offered") }
    }

    @Test func everyScreenHandlesWhatItOffers() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let finished = try await runShellBuild(service, "name: done\ncommands: [\"echo hi > a.txt\"]\nartifacts: [a.txt]\n")
        func opened(_ link: String?, tabs: Int = 0) throws -> TUIApp {
            let app = try app(service)
            try app.open(link: link)
            try app.loadVisibleScreen()
            for _ in 0..<tabs { app.perform(.nextTab) }
            _ = app.renderFrame()
            return app
        }
        try checkScreen("dashboard") { try opened(nil) }
        for tab in 0..<5 { try checkScreen("project tab \(tab + 1)") { try opened("/projects/1", tabs: tab) } }
        for tab in ["", "/logs", "/artifacts"] {
            try checkScreen("build page \(tab)") { try opened("/projects/1/builds/\(finished.number.rawValue)\(tab)") }
        }
        try checkScreen("new build: templates") { try opened("/projects/1/builds/new") }
    }

    @Test func aFinishedBuildOffersNoCancelAndTheDashboardNoBuildActions() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        _ = try await runShellBuild(service, "name: done\ncommands: [\"echo hi\"]\n")
        let app = try app(service)
        try app.open(link: "/projects/1/builds/1")
        try app.loadVisibleScreen()
        var frame = app.renderFrame().text
        #expect(!frame.contains("x cancel"), "\(frame)")
        app.press(.character("x"))
        frame = app.renderFrame().text
        #expect(frame.contains("Cancel build: the build has succeeded"), "\(frame)")
        // Help lists it greyed with the reason; the dashboard's help does not list it at all.
        app.press(.function(1))
        #expect(app.renderFrame().text.contains("Cancel build  (the build has succeeded)"))
        app.press(.escape)
        try app.open(link: nil)
        try app.loadVisibleScreen()
        app.press(.function(1))
        frame = app.renderFrame().text
        #expect(frame.contains("Keys on this screen"))
        // The rows of the help box (the status line may still say why cancel was refused a moment ago).
        let help = frame.split(separator: "\n").filter { $0.contains("│") }.joined(separator: "\n")
        #expect(!help.contains("Cancel build") && !help.contains("Re-run build"), "\(help)")
        #expect(help.contains("My Projects tab"), "the dashboard's tab actions name its real tabs: \(help)")
    }
}
