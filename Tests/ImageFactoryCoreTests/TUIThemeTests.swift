import Foundation
import Terminal
import Testing
@testable import ImageFactoryTUI

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private let colors256 = TerminalCapabilities(colors: .palette256, unicode: true, mouse: true, insideTmux: true)
private let colors16 = TerminalCapabilities(colors: .sixteen, unicode: true, mouse: true, insideTmux: true)
private let noColors = TerminalCapabilities(colors: .none, unicode: false, mouse: false, insideTmux: false)

private func allColors(_ theme: Theme) -> [TerminalColor] {
    ThemeRole.allCases.flatMap { [theme[$0].foreground, theme[$0].background] }
}

@Suite struct TUIThemeTests {
    @Test func everyThemeFileEqualsItsEmbeddedCopy() throws {
        for name in ThemeLoader.builtInNames {
            let file = try String(contentsOf: repositoryRoot.appendingPathComponent("themes/\(name).yaml"), encoding: .utf8)
            #expect(BuiltInThemes.source(named: name) == file, "themes/\(name).yaml differs from BuiltInThemes")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("themes").path)
        #expect(Set(files) == Set(ThemeLoader.builtInNames.map { "\($0).yaml" }))
    }

    @Test func builtInThemesLoadFromTheirFilesAndNameEveryRole() throws {
        for name in ThemeLoader.builtInNames {
            let path = repositoryRoot.appendingPathComponent("themes/\(name).yaml").path
            let theme = try ThemeLoader.load(path)
            #expect(theme.name == name)
            #expect(!theme.description.isEmpty)
            #expect(theme == ThemeLoader.builtIn(named: name))
            // Built-in themes spell out every role rather than relying on inheritance from `text`.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for role in ThemeRole.allCases {
                #expect(text.contains("\n  \(role.rawValue): "), "\(name) leaves out \(role.rawValue)")
            }
        }
    }

    @Test func defaultThemeKeepsPaletteColoursOn256ColourTerminals() throws {
        let theme = ThemeLoader.builtIn(named: "default").resolved(for: colors256, noColor: false)
        #expect(theme.error == TextStyle(foreground: .index(196), bold: true))
        #expect(theme.selection.foreground == .index(231))
        #expect(theme.selection.background == .index(24))
        #expect(theme.text == .plain)
    }

    @Test func sixteenColourTerminalsGetTheNamedFallbackOrTheNearestBasicColour() throws {
        for name in ThemeLoader.builtInNames {
            let theme = ThemeLoader.builtIn(named: name).resolved(for: colors16, noColor: false)
            for color in allColors(theme) {
                if case .index(let i) = color { #expect(i < 16, "\(name): \(color)") }
            }
        }
        let theme = ThemeLoader.builtIn(named: "default").resolved(for: colors16, noColor: false)
        #expect(theme.error.foreground == .index(9))  // bright-red: 5.3:1 on black where red is 3.6:1
        #expect(theme.error.bold)
        #expect(theme.selection.background == .blue)
        #expect(theme.selection.foreground == .index(15))

        // No fallback named: the nearest basic colour (196 is pure red, 46 pure green).
        let custom = try ThemeLoader.parse("roles:\n  error: { fg: 196 }\n  success: { fg: 46 }\n", file: "t.yaml")
            .resolved(for: colors16, noColor: false)
        #expect(custom.error.foreground == .index(9))
        #expect(custom.success.foreground == .index(10))
    }

    @Test func noColourAndNoColorGiveAttributesOnlyWithSelectionStillVisible() throws {
        for name in ThemeLoader.builtInNames {
            for (capabilities, noColor) in [(noColors, false), (colors256, true), (colors16, true)] {
                let theme = ThemeLoader.builtIn(named: name).resolved(for: capabilities, noColor: noColor)
                #expect(allColors(theme).allSatisfy { $0 == .default }, "\(name)")
                #expect(theme.selection.reverse, "\(name): selection must stay visible without colours")
                #expect(theme.searchMatch.reverse, "\(name)")
                #expect(theme.error.bold, "\(name)")
            }
        }
    }

    @Test func noColorEnvironmentVariableIsHonouredWhenNotEmpty() {
        #expect(ThemeLoader.noColorRequested(environment: ["NO_COLOR": "1"]))
        #expect(!ThemeLoader.noColorRequested(environment: ["NO_COLOR": ""]))
        #expect(!ThemeLoader.noColorRequested(environment: [:]))
    }

    @Test func coloursParseByNameIndexAndHex() throws {
        let theme = try ThemeLoader.parse("""
            roles:
              text: { fg: bright-red, bg: Blue }
              error: { fg: "#ff0000" }
              warn: { fg: "#5f87af", bg: 236 }
              link: magenta
            """, file: "t.yaml")
        #expect(theme.text.foreground == .index(9))
        #expect(theme.text.background == .blue)
        #expect(theme.error.foreground == .index(196))
        #expect(theme.warn.foreground == .index(67))
        #expect(theme.warn.background == .index(236))
        #expect(theme.link.foreground == .magenta)
    }

    @Test func missingRolesInheritFromText() throws {
        let theme = try ThemeLoader.parse("name: tiny\nroles:\n  text: { fg: 250, bold: true }\n  error: { fg: red }\n",
                                          file: "tiny.yaml")
        #expect(theme.name == "tiny")
        #expect(theme.dim == TextStyle(foreground: .index(250), bold: true))
        #expect(theme.system == theme.text)
        #expect(theme.error == TextStyle(foreground: .red))
    }

    @Test func badThemeReportsFileLineColumnAndRole() throws {
        let text = """
            name: broken
            roles:
              text: { fg: default }
              eror: { fg: red }
              warn: { fg: yelow }
              selection: { fg: 231, bg: 300 }
              info: { fg: blue, bolt: true }
              badge: { fg: }
              link: { bold: maybe }
            """
        let error = try #require(throws: ThemeError.self) { try ThemeLoader.parse(text, file: "themes/broken.yaml") }
        let lines = error.problems.map(\.description)
        #expect(lines == [
            "themes/broken.yaml:4:3: role `eror`: unknown role, did you mean `error`?",
            "themes/broken.yaml:5:15: role `warn`, field `fg`: unknown colour `yelow`, did you mean `yellow`?",
            "themes/broken.yaml:6:29: role `selection`, field `bg`: palette index 300 is out of range (0-255)",
            "themes/broken.yaml:7:21: role `info`, field `bolt`: unknown field, did you mean `bold`?",
            "themes/broken.yaml:8:16: role `badge`, field `fg`: missing colour (quote `#rrggbb` colours: YAML reads an unquoted # as a comment)",
            "themes/broken.yaml:9:17: role `link`, field `bold`: expected true or false, found `maybe`",
        ])
    }

    @Test func yamlSyntaxErrorsCarryTheirPosition() throws {
        let error = try #require(throws: ThemeError.self) {
            try ThemeLoader.parse("roles:\n  text: { fg: red\n  error: x\n", file: "bad.yaml")
        }
        let problem = try #require(error.problems.first)
        #expect(problem.file == "bad.yaml")
        #expect(problem.line >= 2)
        #expect(problem.message.contains("YAML"))
    }

    @Test func fallbackMustBeABasicColour() throws {
        let error = try #require(throws: ThemeError.self) {
            try ThemeLoader.parse("roles:\n  text: { fg: 100, fallback: 100 }\n", file: "f.yaml")
        }
        #expect(error.problems.map(\.description) == [
            "f.yaml:2:30: role `text`, field `fallback`: a fallback must be one of the 16 basic colours (or 0-15), not 100",
        ])
    }

    @Test func unknownThemeNameSuggestsABuiltInOne() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("if-theme-\(UUID().uuidString)")
        let error = try #require(throws: ThemeError.self) {
            try ThemeLoader.load("hgih-contrast", environment: ["XDG_CONFIG_HOME": home.path])
        }
        #expect(error.description.contains("did you mean `high-contrast`?"))
        #expect(ThemeLoader.builtIn(named: "nonexistent") == ThemeLoader.builtIn(named: "default"))
    }

    @Test func userThemeDirectoryIsSearchedBeforeBuiltIns() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("if-theme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let directory = home.appendingPathComponent("imagefactory/themes")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "name: mine\nroles:\n  text: { fg: green }\n".write(
            to: directory.appendingPathComponent("mine.yaml"), atomically: true, encoding: .utf8)
        let theme = try ThemeLoader.load("mine", environment: ["XDG_CONFIG_HOME": home.path])
        #expect(theme.name == "mine")
        #expect(theme.title.foreground == .green)
        #expect(ThemeLoader.userThemeDirectory(environment: ["HOME": "/home/u"]) == "/home/u/.config/imagefactory/themes")
    }

    @Test func glyphsFollowTheTerminal() {
        let unicode = Glyphs.for(colors256)
        let ascii = Glyphs.for(noColors)
        #expect(unicode.succeeded == "✓" && ascii.succeeded == "+")
        #expect(unicode.spinner.count == 4 && ascii.spinner == ["|", "/", "-", "\\"])
        #expect(unicode.sparkline.count == 8 && ascii.sparkline.count == 8)
        #expect(ascii.spinnerFrame(-1) == "\\")
        #expect(unicode.sparkline(level: 0) == "▁" && unicode.sparkline(level: 1) == "█")
        #expect(ascii.sparkline(level: 0.5) == "=")
        for glyphs in [ascii] {
            let all = [glyphs.succeeded, glyphs.failed, glyphs.queued, glyphs.cancelled, glyphs.interrupted,
                       glyphs.collapsed, glyphs.expanded, glyphs.artifact, glyphs.separator, glyphs.ellipsis,
                       glyphs.progress] + glyphs.spinner + glyphs.sparkline
            #expect(all.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
        }
        #expect(CellWidth.of(unicode.artifact) == 1)
        #expect(CellWidth.of(unicode.succeeded) == 1)
    }
}
