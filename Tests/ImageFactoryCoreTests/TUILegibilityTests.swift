import Foundation
@testable import Terminal
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryTUI

// Issue 12: legible in every terminal people use over SSH — 8, 16 and 256 colours, dark and light
// backgrounds, and fonts without emoji.

private enum Palette: Int, CaseIterable, CustomStringConvertible {
    case eight = 8, sixteen = 16, full = 256
    var description: String { "\(rawValue) colours" }

    func resolve(_ theme: Theme) -> Theme {
        let caps = TerminalCapabilities(colors: self == .full ? .palette256 : .sixteen, unicode: true, mouse: false, insideTmux: false)
        return theme.resolved(for: caps, noColor: false, colorCount: rawValue)
    }

    /// A resolved style as the terminal draws it: with 8 colours, ncurses maps what is left of 8-15 onto
    /// 0-7 as `NCursesTerminal` does (bright-black onto black).
    func drawn(_ style: TextStyle) -> TextStyle {
        guard self == .eight else { return style }
        var out = style
        if case .index(let i) = style.foreground { out.foreground = .index(ColorReduction.nearest(i, among: 8)) }
        if case .index(let i) = style.background { out.background = .index(ColorReduction.nearest(i, among: 8)) }
        return out
    }
}

/// The backgrounds a theme must be readable on: its own; `mono`, which has no colours, on both.
private func backgrounds(of theme: Theme) -> [Theme.Background] {
    let colourless = ThemeRole.allCases.allSatisfy { theme[$0].foreground == .default && theme[$0].background == .default }
    return colourless ? Theme.Background.allCases : [theme.background]
}

@Suite struct TUILegibilityTests {
    @Test func contrastFollowsWCAG() {
        let black = TextStyle(foreground: .black, background: .index(15))
        #expect(abs(ThemeContrast.ratio(black, on: .dark) - 21) < 0.01)
        #expect(ThemeContrast.ratio(TextStyle(foreground: .black), on: .dark) == 1)
        // xterm's red on black, the lowest a basic colour gets and still counts as readable.
        #expect(abs(ThemeContrast.ratio(TextStyle(foreground: .red), on: .dark) - 3.6) < 0.05)
        // Reverse swaps, dim goes half-way to the background.
        #expect(ThemeContrast.ratio(TextStyle(reverse: true), on: .dark) > 15)
        #expect(ThemeContrast.ratio(TextStyle(dim: true), on: .dark) < ThemeContrast.ratio(.plain, on: .dark))
    }

    /// Every role of every built-in theme, at 8, 16 and 256 colours, against the background the theme is
    /// for; the lowest ratio of each is recorded in the test output.
    @Test func everyRoleOfEveryThemeIsReadableAtEveryColourDepth() throws {
        var report: [String] = []
        for name in ThemeLoader.builtInNames {
            let theme = ThemeLoader.builtIn(named: name)
            for palette in Palette.allCases {
                let resolved = palette.resolve(theme)
                for background in backgrounds(of: theme) {
                    var lowest = (ratio: Double.infinity, role: ThemeRole.text)
                    var lowestReceding = lowest
                    for role in ThemeRole.allCases {
                        var ratio = ThemeContrast.ratio(palette.drawn(resolved[role]), on: background)
                        // xterm draws bold text in colours 0-7 in the bright half (boldColors): both must do.
                        // Screens draw the selected row's name in bold.
                        let bold = resolved[role].bold || role == .selection
                        if palette == .eight, bold, case .index(let i) = resolved[role].foreground, i < 8 {
                            var bright = palette.drawn(resolved[role])
                            bright.foreground = .index(i + 8)
                            ratio = min(ratio, ThemeContrast.ratio(bright, on: background))
                        }
                        if ThemeContrast.recedingRoles.contains(role) {
                            if ratio < lowestReceding.ratio { lowestReceding = (ratio, role) }
                        } else if ratio < lowest.ratio {
                            lowest = (ratio, role)
                        }
                        #expect(ratio >= ThemeContrast.minimum(for: role),
                                "\(name) at \(palette) on \(background): \(role.rawValue) \(resolved[role]) has \(String(format: "%.2f", ratio)):1")
                        if palette == .eight, case .index(let i) = resolved[role].foreground { #expect(i < 8, "\(name) \(role)") }
                        if palette == .eight, case .index(let i) = resolved[role].background { #expect(i < 8, "\(name) \(role)") }
                    }
                    report.append("\(name) \(palette) on \(background): text \(String(format: "%.2f", lowest.ratio)) (\(lowest.role.rawValue)), "
                                  + "receding \(String(format: "%.2f", lowestReceding.ratio)) (\(lowestReceding.role.rawValue))")
                }
            }
        }
        print(report.joined(separator: "\n"))
    }

    /// The report's case: `TERM=xterm` on a dark background. Inactive tabs and section headings were
    /// bright-black (drawn black) and bright-blue (drawn blue, 2.2:1).
    @Test func eightColoursKeepTabsAndHeadingsVisible() {
        let theme = Palette.eight.resolve(ThemeLoader.builtIn(named: "default"))
        #expect(theme.tabInactive.foreground == .default && theme.tabInactive.dim)
        #expect(theme.dim.foreground != .black)
        #expect(theme.accent.foreground != .blue)
        #expect(ThemeContrast.ratio(theme.accent, on: .dark) >= 3)
        // At 16 colours the theme's own fallbacks stay.
        let sixteen = Palette.sixteen.resolve(ThemeLoader.builtIn(named: "default"))
        #expect(sixteen.tabInactive.foreground == .brightBlack)
        #expect(sixteen.accent.foreground == .index(12))
        // A light theme keeps its dark halves: blue on white is readable.
        let light = Palette.eight.resolve(ThemeLoader.builtIn(named: "light"))
        #expect(light.running.foreground == .blue)
        // xterm draws bold black as grey (boldColors), and screens embolden the selected row: on a light theme
        // black becomes the terminal's own (dark) foreground, on a dark one black-on-colour becomes reverse video.
        #expect(light.selection.foreground == .default && light.selection.background == .cyan)
        let high = Palette.eight.resolve(ThemeLoader.builtIn(named: "high-contrast"))
        #expect(high.selection == TextStyle(foreground: .yellow, bold: true, reverse: true))
    }

    /// The title row is drawn in `header`: the terminal's own foreground, readable on any background.
    @Test func defaultThemeTitleRowIsReadableOnALightBackgroundToo() {
        let theme = ThemeLoader.builtIn(named: "default")
        for palette in Palette.allCases {
            #expect(ThemeContrast.ratio(palette.resolve(theme).header, on: .light) >= ThemeContrast.textMinimum)
            #expect(ThemeContrast.ratio(palette.resolve(theme).title, on: .light) >= ThemeContrast.textMinimum)
        }
    }

    @Test func themesSayWhichBackgroundTheyAreFor() throws {
        #expect(ThemeLoader.builtIn(named: "light").background == .light)
        #expect(ThemeLoader.builtIn(named: "default").background == .dark)
        #expect(try ThemeLoader.parse("roles:\n  text: {}\n", file: "t.yaml").background == .dark)
        #expect(try ThemeLoader.parse("background: Light\nroles:\n  text: {}\n", file: "t.yaml").background == .light)
        let error = try #require(throws: ThemeError.self) {
            try ThemeLoader.parse("background: grey\nroles:\n  text: {}\n", file: "t.yaml")
        }
        #expect(error.problems.map(\.description) == ["t.yaml:1:13: `background`: expected dark or light, found `grey`"])
    }

    // MARK: OSC 11

    @Test func backgroundRepliesParse() throws {
        func parse(_ s: String) -> BackgroundQuery.Color? { BackgroundQuery.parse(Array(s.utf8)) }
        let white = try #require(parse("\u{1B}]11;rgb:ffff/ffff/ffff\u{1B}\\"))
        #expect(white == .init(red: 1, green: 1, blue: 1))
        #expect(white.background == .light)
        // BEL-terminated, followed by the DA1 reply, as xterm and tmux send them.
        #expect(parse("\u{1B}]11;rgb:0000/0000/0000\u{07}\u{1B}[?1;2c")?.background == .dark)
        // Preceded by other bytes; 2-digit channels; rgba; #rrggbb.
        #expect(parse("\u{1B}[?64;1c\u{1B}]11;rgb:fd/f6/e3\u{1B}\\")?.background == .light)   // Solarized light
        #expect(parse("\u{1B}]11;rgba:2828/2c2c/3434/ffff\u{07}")?.background == .dark)
        #expect(parse("\u{1B}]11;#FFFFFF\u{07}")?.background == .light)
        // Mid grey is dark (luminance 0.22): only a light background gets the light theme.
        #expect(parse("\u{1B}]11;rgb:8080/8080/8080\u{07}")?.background == .dark)
        #expect(parse("\u{1B}]11;rgb:d0d0/d0d0/d0d0\u{07}")?.background == .light)
        let third = try #require(parse("\u{1B}]11;rgb:5/a/f\u{07}"))
        #expect(abs(third.red - 1.0 / 3) < 1e-9 && abs(third.blue - 1) < 1e-9)
        // Not a reply: cut short, no OSC 11, bad channels, only DA1.
        #expect(parse("\u{1B}]11;rgb:ffff/ffff/ffff") == nil)
        #expect(parse("\u{1B}]11;rgb:ffff/ffff/ffff\u{1B}") == nil)
        #expect(parse("\u{1B}]10;rgb:ffff/ffff/ffff\u{07}") == nil)
        #expect(parse("\u{1B}]11;rgb:ffff/ffff\u{07}") == nil)
        #expect(parse("\u{1B}]11;rgb:fffff/0/0\u{07}") == nil)
        #expect(parse("\u{1B}]11;rgb:zz/00/00\u{07}") == nil)
        #expect(parse("\u{1B}]11;?\u{07}") == nil)
        #expect(parse("\u{1B}[?1;2c") == nil)
        #expect(BackgroundQuery.hasDeviceAttributes(Array("\u{1B}]11;rgb:cccc/cccc/cccc\u{07}".utf8)) == false)
        #expect(BackgroundQuery.hasDeviceAttributes(Array("\u{1B}[?1;2c".utf8)))
    }

    @Test func backgroundIsOnlyAskedWhenNothingElseDecides() {
        let term = ["TERM": "xterm-256color"]
        #expect(BackgroundQuery.shouldAsk(environment: term, explicitTheme: false, isTerminal: true))
        #expect(!BackgroundQuery.shouldAsk(environment: term, explicitTheme: true, isTerminal: true))
        #expect(!BackgroundQuery.shouldAsk(environment: term, explicitTheme: false, isTerminal: false))
        #expect(!BackgroundQuery.shouldAsk(environment: ["TERM": "xterm", "NO_COLOR": "1"], explicitTheme: false, isTerminal: true))
        #expect(!BackgroundQuery.shouldAsk(environment: ["TERM": "dumb"], explicitTheme: false, isTerminal: true))
        #expect(BackgroundQuery.fromColorFGBG("0;15") == .light)
        #expect(BackgroundQuery.fromColorFGBG("0;default;7") == .light)
        #expect(BackgroundQuery.fromColorFGBG("15;0") == .dark)
        #expect(BackgroundQuery.fromColorFGBG(nil) == nil)
        // Named themes are not second-guessed; IMAGEFACTORY_THEME counts as named.
        #expect(TUILauncher.backgroundTheme(environment: ["TERM": "xterm", "IMAGEFACTORY_THEME": "mono"]) == "default")
    }

    // MARK: Glyphs

    /// Code points DejaVu Sans Mono has (from `fc-query` of DejaVuSansMono.ttf 2.37), for the ranges the
    /// glyphs come from: the test checks the real font too when it is installed.
    static let dejaVuSansMono: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0xA0...0x1C3, 0x2010...0x2023, 0x2026...0x2026, 0x2190...0x2213, 0x2215...0x2215,
        0x2217...0x2220, 0x228D...0x22A5, 0x2500...0x262F, 0x2701...0x2704, 0x2706...0x2709, 0x270C...0x2727,
    ]

    @Test func unicodeGlyphsAreInCommonMonospaceFontsAndNotEmoji() throws {
        let g = Glyphs.unicode
        let all = [g.succeeded, g.failed, g.queued, g.cancelled, g.interrupted, g.collapsed, g.expanded, g.artifact,
                   g.separator, g.ellipsis, g.progress, g.cached] + g.spinner + g.sparkline
        let installed = Self.fontCharset("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
        for glyph in all {
            #expect(CellWidth.of(glyph) == 1, "\(glyph) is not one cell wide")
            for scalar in glyph.unicodeScalars {
                let hex = String(scalar.value, radix: 16)
                #expect(!scalar.properties.isEmojiPresentation, "\(glyph) (U+\(hex)) is an emoji")
                #expect(Self.dejaVuSansMono.contains { $0.contains(scalar.value) }, "\(glyph) (U+\(hex)) is not in DejaVu Sans Mono")
                if let installed {
                    #expect(installed.contains { $0.contains(scalar.value) }, "\(glyph) (U+\(hex)) is not in the installed DejaVuSansMono.ttf")
                }
            }
        }
        // Under a non-UTF-8 locale: ASCII.
        let ascii = Glyphs.for(TerminalCapabilities(colors: .sixteen, unicode: false, mouse: false, insideTmux: false))
        let asciiAll = [ascii.succeeded, ascii.failed, ascii.artifact, ascii.cached] + ascii.spinner + ascii.sparkline
        #expect(asciiAll.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
    }

    /// The font's code point ranges from `fc-query`, nil when the font or fontconfig is not installed.
    static func fontCharset(_ path: String) -> [ClosedRange<UInt32>]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "command -v fc-query >/dev/null && fc-query -f '%{charset}' \(shellQuote(path))"]
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let ranges = String(decoding: data, as: UTF8.self).split(separator: " ").compactMap { item -> ClosedRange<UInt32>? in
            let bounds = item.split(separator: "-").compactMap { UInt32($0, radix: 16) }
            guard let lo = bounds.first, let hi = bounds.last, lo <= hi else { return nil }
            return lo...hi
        }
        return ranges.isEmpty ? nil : ranges
    }
}

// MARK: - In real terminals (tmux)

/// A cell's style as `tmux capture-pane -e` writes it, read back from the SGR sequences.
struct CapturedLine {
    var text: [Character] = []
    var styles: [TextStyle] = []

    /// The lines of a capture; styles carry over from one line to the next, as tmux writes them.
    static func lines(of capture: String) -> [CapturedLine] {
        var style = TextStyle.plain
        return capture.split(separator: "\n", omittingEmptySubsequences: false).map { CapturedLine(String($0), style: &style) }
    }

    init(_ line: String, style: inout TextStyle) {
        var chars = Array(line.unicodeScalars)
        var i = 0
        while i < chars.count {
            if chars[i] == "\u{1B}", i + 1 < chars.count, chars[i + 1] == "[" {
                var j = i + 2
                while j < chars.count, !(0x40...0x7E).contains(chars[j].value) { j += 1 }
                if j < chars.count, chars[j] == "m" {
                    CapturedLine.apply(String(String.UnicodeScalarView(chars[(i + 2)..<j])), to: &style)
                }
                i = j + 1
                continue
            }
            text.append(Character(chars[i]))
            styles.append(style)
            i += 1
        }
        chars.removeAll()
    }

    static func apply(_ params: String, to style: inout TextStyle) {
        var p = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        if p.isEmpty { p = [0] }
        var k = 0
        while k < p.count {
            switch p[k] {
            case 0: style = .plain
            case 1: style.bold = true
            case 2: style.dim = true
            case 4: style.underline = true
            case 7: style.reverse = true
            case 22: style.bold = false; style.dim = false
            case 24: style.underline = false
            case 27: style.reverse = false
            case 30...37: style.foreground = .index(UInt8(p[k] - 30))
            case 90...97: style.foreground = .index(UInt8(p[k] - 90 + 8))
            case 39: style.foreground = .default
            case 40...47: style.background = .index(UInt8(p[k] - 40))
            case 100...107: style.background = .index(UInt8(p[k] - 100 + 8))
            case 49: style.background = .default
            case 38, 48:
                if k + 2 < p.count, p[k + 1] == 5 {
                    let color = TerminalColor.index(UInt8(clamping: p[k + 2]))
                    if p[k] == 38 { style.foreground = color } else { style.background = color }
                    k += 2
                }
            default: break
            }
            k += 1
        }
    }

    /// The style of the first character of `needle`; a needle starting with `^` matches at the start of the line.
    func style(of needle: String) -> TextStyle? {
        let anchored = needle.hasPrefix("^")
        let n = Array(anchored ? String(needle.dropFirst()) : needle)
        guard n.count <= text.count else { return nil }
        for start in 0...(anchored ? 0 : text.count - n.count) where Array(text[start..<(start + n.count)]) == n {
            // The first non-blank character: a leading space shows only its background.
            let first = n.firstIndex { $0 != " " } ?? 0
            return styles[start + first]
        }
        return nil
    }
}

@Suite(.enabled(if: TmuxSession.available, "tmux is not installed (apt-get install tmux): the terminal tests need it"))
struct TUILegibilityTmuxTests {
    /// The styles of `needles` on the dashboard of the real binary in tmux (`before`: a shell command to run first).
    func styles(of needles: [String], term: String?, before: String = "", theme: String? = nil) async throws -> [String: TextStyle] {
        let home = try TemporaryHome()
        // The test process may run under NO_COLOR (the CLI tests set it): colours are what is tested here.
        var env = ["IMAGEFACTORY_HOME": home.directory.root.path, "NO_COLOR": "", "COLORFGBG": ""]
        if let term { env["TERM"] = term }
        if let theme { env["IMAGEFACTORY_THEME"] = theme }
        let command = before.isEmpty ? shellQuote(imagefactoryBinary) : "sh -c \(shellQuote(before + "exec " + shellQuote(imagefactoryBinary)))"
        let tmux = try TmuxSession(command: command, width: 100, height: 30,
                                   environment: env, directory: home.url)
        let (found, screen) = await tmux.waitFor("Recent Builds")
        #expect(found, "\(screen)")
        let capture = tmux.screen(colors: true)
        let lines = CapturedLine.lines(of: capture)
        var out: [String: TextStyle] = [:]
        for needle in needles {
            out[needle] = lines.lazy.compactMap { $0.style(of: needle) }.first
        }
        if out.count < needles.count { Issue.record("not all of \(needles) in:\n\(capture)") }
        try? tmux.send("q")
        return out
    }

    /// The dashboard's title row, tabs and section headings, in the terminals the issue names.
    @Test(arguments: ["xterm", "screen", "tmux-256color"])
    func dashboardIsReadable(term: String) async throws {
        let needles = ["Welcome back", "[Team]", "[Activity]", "[My Projects]", "^ Projects", "^ Recent Builds"]
        let seen = try await styles(of: needles, term: term)
        for needle in needles {
            let style = try #require(seen[needle], "\(term): \(needle) not on the screen")
            let ratio = ThemeContrast.ratio(style, on: .dark)
            #expect(ratio >= ThemeContrast.textMinimum, "\(term): \(needle) drawn \(style), \(String(format: "%.2f", ratio)):1")
            // The report's failure: black on the default background.
            #expect(!(style.foreground == .black && style.background == .default && !style.reverse), "\(term): \(needle) is black")
            if term != "tmux-256color", case .index(let i) = style.foreground { #expect(i < 8, "\(term): \(needle) \(style)") }
        }
        if term == "tmux-256color" {
            // 256 colours: the theme's own palette colour, not a reduction.
            #expect(seen["[Team]"]?.foreground == .index(245))
        } else {
            #expect(seen["[Team]"]?.dim == true, "\(term): \(String(describing: seen["[Team]"]))")
        }
    }

    /// tmux answers OSC 11 with the pane's background (window-style); a white one gets the light theme,
    /// whose section headings are palette colour 25 where the default theme's are 75.
    @Test func lightBackgroundAnsweredByTmuxPicksTheLightTheme() async throws {
        let light = try await styles(of: ["^ Projects"], term: "tmux-256color", before: "tmux set -g window-style 'bg=#ffffff' && ")
        #expect(light["^ Projects"]?.foreground == .index(25), "\(String(describing: light))")
        let dark = try await styles(of: ["^ Projects"], term: "tmux-256color", before: "tmux set -g window-style 'bg=#000000' && ")
        #expect(dark["^ Projects"]?.foreground == .index(75), "\(String(describing: dark))")
        // A theme named by the user is kept whatever the background.
        let named = try await styles(of: ["^ Projects"], term: "tmux-256color", before: "tmux set -g window-style 'bg=#ffffff' && ",
                                     theme: "default")
        #expect(named["^ Projects"]?.foreground == .index(75), "\(String(describing: named))")
    }
}
