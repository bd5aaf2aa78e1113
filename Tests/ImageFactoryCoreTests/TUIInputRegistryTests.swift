import ImageFactoryCore
import Terminal
import Testing
@testable import ImageFactoryTUI

private func makeRegistry(_ name: String = "default") throws -> ActionRegistry {
    ActionRegistry(keymap: try #require(KeymapLoader.builtIn(named: name)))
}

@Suite struct TUIInputRegistryTests {
    @Test func actionIDsAreUniqueAndEveryActionHasAContextAndHelp() {
        let ids = ActionDescriptor.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for action in ActionDescriptor.all {
            #expect(!action.contexts.isEmpty, "\(action.id)")
            #expect(!action.help.isEmpty && !action.title.isEmpty && !action.shortTitle.isEmpty, "\(action.id)")
        }
        let cancel = ActionDescriptor.all.first { $0.id == .cancelBuild }
        #expect(cancel?.dangerous == true && cancel?.permission == .cancelBuild)
        #expect(ActionDescriptor.all.first { $0.id == .rerunBuild }?.permission == .startBuild)
        #expect(ActionDescriptor.all.first { $0.id == .saveAsTemplate }?.permission == .saveTemplate)
    }

    @Test func viewerSeesCancelBuildDisabledWithTheReason() throws {
        let registry = try makeRegistry()
        let cancel = try #require(registry.descriptor(.cancelBuild))
        #expect(registry.disabledReason(cancel, role: .viewer) == "requires Member (you are Viewer)")
        #expect(registry.disabledReason(cancel, role: .member) == nil)
        #expect(registry.disabledReason(cancel, role: .owner, extra: "the build has finished") == "the build has finished")
        #expect(registry.disabledReason(.quit, role: nil) == nil)

        let entry = try #require(registry.paletteEntries(context: .build, role: .viewer)
            .first { $0.target == .action(.cancelBuild) })
        #expect(entry.title == "Cancel build")
        #expect(entry.disabledReason == "requires Member (you are Viewer)")
        #expect(entry.keyHint == "x")
        #expect(entry.kind == .action)
    }

    @Test func contextKeysShadowGlobalOnes() throws {
        let registry = try makeRegistry()
        // `n` is "new build" on the dashboard but "next match" in a log; `enter` opens on the dashboard but
        // folds a step on the build page; `tab` switches tabs except in the form, where it moves between fields.
        #expect(registry.action(for: .character("n"), in: .dashboard)?.id == .newBuild)
        #expect(registry.action(for: .character("n"), in: .logs)?.id == .nextMatch)
        #expect(registry.action(for: .enter, in: .dashboard)?.id == .open)
        #expect(registry.action(for: .enter, in: .build)?.id == .toggleStep)
        #expect(registry.action(for: .tab, in: .dashboard)?.id == .nextTab)
        #expect(registry.action(for: .tab, in: .newBuild)?.id == .nextField)
        #expect(registry.action(for: .control("k"), in: .logs)?.id == .palette)
        #expect(registry.keys(for: .nextTab, in: .newBuild) == [.character("]")])

        let vim = try makeRegistry("vim")
        #expect(vim.action(for: .character(":"), in: .dashboard)?.id == .palette)
        #expect(vim.action(for: .character(":"), in: .logs)?.id == .gotoLine)
        #expect(vim.action(for: .character("g"), in: .logs)?.id == .top)
    }

    @Test func typingInATextFieldKeepsCharactersAsText() throws {
        let registry = try makeRegistry()
        #expect(registry.action(for: .character("q"), in: .palette)?.id == .quit)
        #expect(registry.action(for: .character("q"), in: .palette, typing: true) == nil)
        #expect(registry.action(for: .character(" "), in: .newBuild, typing: true) == nil)
        #expect(registry.action(for: .control("s"), in: .newBuild, typing: true)?.id == .startBuild)
        #expect(registry.action(for: .alt("\n"), in: .newBuild, typing: true)?.id == .startBuild)
        #expect(registry.action(for: .control("s"), in: .dashboard) == nil)
    }

    @Test func hintsFitTheWidthAndKeepTheHelpKey() throws {
        let registry = try makeRegistry()
        for context in ScreenContext.allCases {
            for width in [0, 5, 10, 20, 40, 80, 200] {
                let hints = registry.hints(in: context, role: .member, width: width)
                let used = hints.map(\.width).reduce(0, +) + max(0, hints.count - 1) * Hint.separatorWidth
                #expect(used <= width, "\(context) at \(width): \(hints)")
                if width >= 6 { #expect(hints.last?.action == .help, "\(context) at \(width)") }
            }
        }
        let logs = registry.hints(in: .logs, role: .member, width: 80)
        #expect(logs.first == Hint(action: .search, key: "/", title: "search"))
        #expect(registry.hints(in: .newBuild, role: .member, width: 200).first?.action == .startBuild)
        #expect(registry.hints(in: .newBuild, role: .member, width: 200).first?.key == "ctrl+s")
        let palette = registry.hints(in: .palette, role: .member, width: 200, typing: true)
        #expect(palette.map(\.key) == ["enter", "esc", "ctrl+c", "ctrl+/"])
    }

    @Test func hintsLeaveOutWhatTheRoleOrScreenForbids() throws {
        let registry = try makeRegistry()
        let member = registry.hints(in: .build, role: .member, width: 200).map(\.action)
        let viewer = registry.hints(in: .build, role: .viewer, width: 200).map(\.action)
        #expect(member.contains(.cancelBuild) && member.contains(.rerunBuild))
        #expect(!viewer.contains(.cancelBuild) && !viewer.contains(.rerunBuild))
        let finished = registry.hints(in: .build, role: .member, width: 200,
                                      unavailable: [.cancelBuild: "the build has finished"]).map(\.action)
        #expect(!finished.contains(.cancelBuild))
        let greyed = registry.hints(in: .build, role: .viewer, width: 200, includeDisabled: true)
        #expect(greyed.first { $0.action == .cancelBuild }?.disabledReason == "requires Member (you are Viewer)")
        #expect(greyed.first { $0.action == .toggleStep }?.disabledReason == nil)
    }

    @Test func helpOverlayListsContextActionsThenGlobalOnesWithReachableKeys() throws {
        let registry = try makeRegistry()
        let rows = registry.bindings(in: .logs)
        #expect(rows.first?.0.id == .cancelBuild)
        let ids = rows.map(\.0.id)
        #expect(ids.contains(.search) && ids.contains(.quit) && !ids.contains(.toggleStep))
        let firstGlobal = try #require(ids.firstIndex(of: .quit))
        #expect(ids[..<firstGlobal].allSatisfy { registry.descriptor($0)?.contexts.contains(.logs) == true })
        #expect(rows.first { $0.0.id == .help }?.1 == [.character("?"), .control("/"), .function(1)])
    }

    @Test func paletteListsActionsOfTheContextButNotCursorMovement() throws {
        let registry = try makeRegistry()
        let titles = registry.paletteEntries(context: .logs, role: .member).map(\.title)
        #expect(titles.contains("Search log") && titles.contains("Quit"))
        #expect(!titles.contains("Move up") && !titles.contains("Command palette") && !titles.contains("Start build"))
    }
}
