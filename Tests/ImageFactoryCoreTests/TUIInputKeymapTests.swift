import Foundation
import Terminal
import Testing
@testable import ImageFactoryTUI

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A private config directory, removed afterwards.
private final class ConfigHome {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("if-keymap-\(UUID().uuidString)")

    func write(_ text: String, as name: String = "keymap.yaml") throws -> String {
        let directory = url.appendingPathComponent("imagefactory")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite struct TUIInputKeymapTests {
    @Test func everyKeymapFileEqualsItsEmbeddedCopy() throws {
        for name in KeymapLoader.builtInNames {
            let file = try String(contentsOf: repositoryRoot.appendingPathComponent("keymaps/\(name).yaml"), encoding: .utf8)
            #expect(BuiltInKeymaps.source(named: name) == file, "keymaps/\(name).yaml differs from BuiltInKeymaps: run `sh .ci/generate-builtins`")
        }
    }

    @Test func everyBuiltInKeymapBindsEveryActionWithoutConflicts() throws {
        for name in KeymapLoader.builtInNames {
            let keymap = try KeymapLoader.load(name: name, userOverride: nil)
            for action in ActionDescriptor.all {
                #expect(!keymap.keys(for: action.id).isEmpty, "\(name) leaves \(action.id) unbound")
            }
            #expect(keymap.conflicts().isEmpty, "\(name): \(keymap.conflicts())")
            #expect(keymap.warnings.isEmpty, "\(name): \(keymap.warnings)")
            #expect(Set(keymap.bindings.keys) == Set(ActionDescriptor.all.map(\.id)), "\(name) binds unknown actions")
        }
    }

    @Test func ctrlBIsNeverTheOnlyKeyOfAnAction() throws {
        for name in KeymapLoader.builtInNames {
            let keymap = try #require(KeymapLoader.builtIn(named: name))
            for action in ActionDescriptor.all {
                let keys = keymap.keys(for: action.id)
                #expect(keys.contains { $0 != .control("b") }, "\(name): \(action.id) relies on tmux's prefix")
            }
        }
    }

    @Test func productShortcutsMapToKeysTerminalsSend() throws {
        let keymap = try #require(KeymapLoader.builtIn(named: "default"))
        #expect(keymap.keys(for: .palette).first == .control("k"))
        #expect(keymap.keys(for: .startBuild) == [.control("s"), .alt("\n")])
        #expect(keymap.keys(for: .help).starts(with: [.character("?"), .control("/")]))
        #expect(keymap.keys(for: .contextMenu) == [.character("m"), .function(22)])
        #expect(keymap.keys(for: .cancelBuild).first == .character("x"))
    }

    @Test func vimAndEmacsDifferWhereTheirUsersExpect() throws {
        let vim = try #require(KeymapLoader.builtIn(named: "vim"))
        #expect(vim.keys(for: .moveDown).first == .character("j"))
        #expect(vim.keys(for: .moveUp).first == .character("k"))
        #expect(vim.keys(for: .top).first == .character("g"))
        #expect(vim.keys(for: .bottom).first == .character("G"))
        #expect(vim.keys(for: .halfPageDown) == [.control("d")])
        #expect(vim.keys(for: .halfPageUp) == [.control("u")])
        #expect(vim.keys(for: .search) == [.character("/")])
        #expect(vim.keys(for: .nextMatch) == [.character("n")])
        #expect(vim.keys(for: .previousMatch) == [.character("N")])

        let emacs = try #require(KeymapLoader.builtIn(named: "emacs"))
        #expect(emacs.keys(for: .moveDown).first == .control("n"))
        #expect(emacs.keys(for: .moveUp).first == .control("p"))
        #expect(emacs.keys(for: .pageDown).first == .control("v"))
        #expect(emacs.keys(for: .pageUp).first == .alt("v"))
        #expect(emacs.keys(for: .search).first == .control("s"))
        #expect(emacs.keys(for: .palette).first == .alt("x"))
    }

    @Test func userOverrideExtendsVimAndReplacesAnActionsKeys() throws {
        let home = ConfigHome()
        let path = try home.write("""
            extends: vim
            bindings:
              palette: [f2]
              build.cancel: [ctrl+x]
            """)
        #expect(KeymapLoader.defaultUserOverridePath(environment: ["XDG_CONFIG_HOME": home.url.path]) == path)
        let keymap = try KeymapLoader.load(userOverride: path)
        #expect(keymap.keys(for: .palette) == [.function(2)])
        #expect(keymap.keys(for: .cancelBuild) == [.control("x")])
        #expect(keymap.keys(for: .moveDown).first == .character("j"), "not extended from vim")
        #expect(keymap.warnings.isEmpty)
        // An explicit keymap name wins over the override's `extends`.
        let emacs = try KeymapLoader.load(name: "emacs", userOverride: path)
        #expect(emacs.keys(for: .moveDown).first == .control("n"))
        #expect(emacs.keys(for: .palette) == [.function(2)])
    }

    @Test func overrideTakingAKeyFromAnotherActionMovesItWithAWarning() throws {
        let home = ConfigHome()
        let path = try home.write("bindings:\n  logs.copyLine: [c]\n")
        let keymap = try KeymapLoader.load(userOverride: path)
        #expect(keymap.keys(for: .copyLine) == [.character("c")])
        #expect(keymap.keys(for: .compareWithGoodBuild).isEmpty)
        #expect(keymap.warnings.count == 1)
        #expect(keymap.warnings.first?.contains("`c` now runs `logs.copyLine`") == true)
        let registry = ActionRegistry(keymap: keymap)
        #expect(registry.action(for: .character("c"), in: .logs)?.id == .copyLine)
    }

    @Test func overrideBindingOnlyCtrlBIsWarnedAbout() throws {
        let home = ConfigHome()
        let path = try home.write("bindings:\n  refresh: [ctrl+b]\n")
        let keymap = try KeymapLoader.load(userOverride: path)
        #expect(keymap.warnings.contains { $0.contains("tmux's prefix") })
    }

    @Test func missingOverrideFileIsNoOverride() throws {
        let keymap = try KeymapLoader.load(userOverride: "/nonexistent/imagefactory/keymap.yaml")
        #expect(keymap == KeymapLoader.builtIn(named: "default"))
    }

    @Test func badKeymapLinesAreReportedWithPositions() throws {
        let home = ConfigHome()
        let path = try home.write("""
            extends: vim
            bindings:
              palete: [ctrl+k]
              quit: [ctrl+shift+q]
              help: [ctrl+m]
              logs.follow: [F]
              logs.wrap: [F]
            """)
        let error = try #require(throws: KeymapError.self) { try KeymapLoader.load(userOverride: path) }
        #expect(error.problems.map(\.description) == [
            "\(path):3:3: action `palete`: unknown action, did you mean `palette`?",
            "\(path):4:10: action `quit`: cannot read the key `ctrl+shift+q`; write keys like q, ctrl+k, alt+enter, "
                + "shift+tab, f5, esc, space, \"?\" (quote keys YAML treats specially: \"?\", \":\", \"#\")",
            "\(path):5:10: action `help`: ctrl+m and ctrl+j arrive as enter; bind `enter`",
        ])
    }

    @Test func twoActionsOfOneContextOnOneKeyInOneFileIsAConflict() throws {
        let home = ConfigHome()
        let path = try home.write("bindings:\n  logs.follow: [F]\n  logs.wrap: [z, F]\n")
        let error = try #require(throws: KeymapError.self) { try KeymapLoader.load(userOverride: path) }
        #expect(error.problems.map(\.description) == [
            "\(path):3:18: action `logs.wrap`: `F` is already bound to `logs.follow` in the logs context",
        ])
    }

    @Test func unknownExtendsIsReportedAtItsLine() throws {
        let home = ConfigHome()
        let path = try home.write("name: mine\nextends: vmi\n")
        let error = try #require(throws: KeymapError.self) { try KeymapLoader.load(userOverride: path) }
        #expect(error.problems.map(\.description) == ["\(path):2:10: unknown keymap `vmi`, did you mean `vim`?"])
    }

    @Test func keyNamesRoundTripThroughLabels() throws {
        for name in ["ctrl+k", "alt+enter", "shift+f10", "?", "ctrl+/", "esc", "space", "shift+tab", "f5", "G", "pgdn"] {
            let key = try #require(Keymap.parseKey(name), "\(name)")
            #expect(Keymap.label(for: key) == name)
        }
        #expect(Keymap.parseKey("shift+g") == .character("G"))
        #expect(Keymap.parseKey("C-k") == .control("k"))
        #expect(Keymap.parseKey("ctrl+") == nil)
        #expect(Keymap.parseKey("resize") == nil)
    }
}
