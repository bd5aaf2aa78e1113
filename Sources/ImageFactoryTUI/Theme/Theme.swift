import Terminal

/// The styles the interface draws with, one per role. Screens read the roles by name
/// (`theme.error`); the loader and `resolved(for:noColor:)` go through `subscript(role:)`.
public struct Theme: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The terminal background the theme is made for; the contrast checks and the 8-colour reduction use it.
    public var background: Background = .dark

    public enum Background: String, Sendable, Hashable, CaseIterable {
        case dark, light
    }

    public var text: TextStyle
    public var dim: TextStyle
    public var accent: TextStyle
    public var border: TextStyle
    public var title: TextStyle
    public var header: TextStyle
    public var tabActive: TextStyle
    public var tabInactive: TextStyle
    public var selection: TextStyle
    public var cursorLine: TextStyle
    public var hint: TextStyle
    public var hintKey: TextStyle
    public var statusBar: TextStyle
    public var info: TextStyle
    public var warn: TextStyle
    public var error: TextStyle
    public var success: TextStyle
    public var running: TextStyle
    public var queued: TextStyle
    public var cancelled: TextStyle
    public var searchMatch: TextStyle
    public var currentMatch: TextStyle
    public var paletteMatch: TextStyle
    public var disabled: TextStyle
    public var sparkline: TextStyle
    public var progressDone: TextStyle
    public var progressTodo: TextStyle
    public var badge: TextStyle
    public var link: TextStyle
    public var diffAdded: TextStyle
    public var diffRemoved: TextStyle
    public var diffMasked: TextStyle
    public var timestamp: TextStyle
    public var system: TextStyle

    /// The 16-colour substitutes a theme file named, per role; otherwise the nearest basic colour is used.
    var fallbacks: [ThemeRole: Fallback] = [:]

    struct Fallback: Sendable, Hashable {
        var foreground: TerminalColor?
        var background: TerminalColor?
    }

    /// A theme with every role drawn in `style`.
    public init(name: String, description: String = "", style: TextStyle = .plain) {
        self.name = name
        self.description = description
        text = style
        dim = style
        accent = style
        border = style
        title = style
        header = style
        tabActive = style
        tabInactive = style
        selection = style
        cursorLine = style
        hint = style
        hintKey = style
        statusBar = style
        info = style
        warn = style
        error = style
        success = style
        running = style
        queued = style
        cancelled = style
        searchMatch = style
        currentMatch = style
        paletteMatch = style
        disabled = style
        sparkline = style
        progressDone = style
        progressTodo = style
        badge = style
        link = style
        diffAdded = style
        diffRemoved = style
        diffMasked = style
        timestamp = style
        system = style
    }

    public subscript(role: ThemeRole) -> TextStyle {
        get {
            switch role {
            case .text: text
            case .dim: dim
            case .accent: accent
            case .border: border
            case .title: title
            case .header: header
            case .tabActive: tabActive
            case .tabInactive: tabInactive
            case .selection: selection
            case .cursorLine: cursorLine
            case .hint: hint
            case .hintKey: hintKey
            case .statusBar: statusBar
            case .info: info
            case .warn: warn
            case .error: error
            case .success: success
            case .running: running
            case .queued: queued
            case .cancelled: cancelled
            case .searchMatch: searchMatch
            case .currentMatch: currentMatch
            case .paletteMatch: paletteMatch
            case .disabled: disabled
            case .sparkline: sparkline
            case .progressDone: progressDone
            case .progressTodo: progressTodo
            case .badge: badge
            case .link: link
            case .diffAdded: diffAdded
            case .diffRemoved: diffRemoved
            case .diffMasked: diffMasked
            case .timestamp: timestamp
            case .system: system
            }
        }
        set {
            switch role {
            case .text: text = newValue
            case .dim: dim = newValue
            case .accent: accent = newValue
            case .border: border = newValue
            case .title: title = newValue
            case .header: header = newValue
            case .tabActive: tabActive = newValue
            case .tabInactive: tabInactive = newValue
            case .selection: selection = newValue
            case .cursorLine: cursorLine = newValue
            case .hint: hint = newValue
            case .hintKey: hintKey = newValue
            case .statusBar: statusBar = newValue
            case .info: info = newValue
            case .warn: warn = newValue
            case .error: error = newValue
            case .success: success = newValue
            case .running: running = newValue
            case .queued: queued = newValue
            case .cancelled: cancelled = newValue
            case .searchMatch: searchMatch = newValue
            case .currentMatch: currentMatch = newValue
            case .paletteMatch: paletteMatch = newValue
            case .disabled: disabled = newValue
            case .sparkline: sparkline = newValue
            case .progressDone: progressDone = newValue
            case .progressTodo: progressTodo = newValue
            case .badge: badge = newValue
            case .link: link = newValue
            case .diffAdded: diffAdded = newValue
            case .diffRemoved: diffRemoved = newValue
            case .diffMasked: diffMasked = newValue
            case .timestamp: timestamp = newValue
            case .system: system = newValue
            }
        }
    }

    /// This theme as the terminal can show it. With 256 colours, unchanged. With 16, each palette colour
    /// becomes the theme's named fallback or the nearest basic colour. With 8 (`colorCount` below 16:
    /// `TERM=xterm`, `screen`), the bright colours 8-15 do not exist and the terminal would draw them as
    /// their dark halves (bright-black as black): each becomes its dark half if that stays readable on the
    /// theme's background, else the terminal's own foreground (dim for bright-black, bold otherwise). With
    /// none (or `NO_COLOR`), no colours at all: attributes stay, and a role that relied on a background
    /// (selection, matches) is drawn in reverse video so it stays visible.
    public func resolved(for capabilities: TerminalCapabilities, noColor: Bool, colorCount: Int? = nil) -> Theme {
        let colors: TerminalCapabilities.Colors = noColor ? .none : capabilities.colors
        let eight = colors == .sixteen && (colorCount ?? 16) < 16
        var out = self
        out.fallbacks = [:]
        for role in ThemeRole.allCases {
            var style = self[role]
            switch colors {
            case .palette256:
                continue
            case .sixteen:
                let fallback = fallbacks[role]
                style.foreground = Theme.basic(style.foreground, named: fallback?.foreground)
                style.background = Theme.basic(style.background, named: fallback?.background)
                // Two different palette colours can land on the same basic one: keep the text readable.
                if style.foreground == style.background, style.foreground != .default {
                    style.foreground = .default
                    if !style.reverse { style.bold = true }
                }
                if eight { style = reducedToEight(style, minimum: ThemeContrast.minimum(for: role)) }
            case .none:
                if style.background != .default { style.reverse = true }
                style.foreground = .default
                style.background = .default
            }
            out[role] = style
        }
        return out
    }

    /// A 16-colour style on a terminal with only colours 0-7.
    private func reducedToEight(_ input: TextStyle, minimum: Double) -> TextStyle {
        var style = input
        if case .index(let i) = style.background, i >= 8 { style.background = .index(i & 7) }
        guard case .index(let i) = style.foreground else { return style }
        let wasBrightBlack = i == 8
        style.foreground = .index(i & 7)
        if wasBrightBlack || ThemeContrast.ratio(style, on: background) < minimum {
            if style.background == .default {
                // The terminal's own foreground is readable on its own background by definition.
                style.foreground = .default
                if wasBrightBlack { style.dim = true } else { style.bold = true }
            } else {
                // On an explicit background: black or white, whichever stands out more.
                var black = style, white = style
                black.foreground = .black
                white.foreground = .white
                style = ThemeContrast.ratio(black, on: background) >= ThemeContrast.ratio(white, on: background) ? black : white
            }
        }
        if style.foreground == style.background, style.foreground != .default {
            style.foreground = .default
            if !style.reverse { style.bold = true }
        }
        // xterm draws bold text in colours 0-7 in their bright halves (boldColors): bold black becomes grey,
        // faint on white or cyan. The terminal's own foreground is not brightened: on a light theme it is the
        // dark one, so black becomes it (screens embolden the selection). On a dark theme, black on a colour
        // becomes that colour in reverse video on the (black) background: the same to see, and bold brightens
        // the colour behind the text instead of greying the text.
        if style.foreground == .black, background == .light {
            style.foreground = .default
        } else if style.foreground == .black, style.background != .default, !style.reverse {
            style.foreground = style.background
            style.background = .default
            style.reverse = true
        } else if style.bold, style.foreground == .black {
            style.bold = false
        }
        return style
    }

    private static func basic(_ color: TerminalColor, named fallback: TerminalColor?) -> TerminalColor {
        guard case .index(let i) = color, i >= 16 else { return color }
        return fallback ?? ThemeColor.nearestBasic(to: color)
    }
}
