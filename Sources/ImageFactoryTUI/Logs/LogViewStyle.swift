import Terminal

/// The styles a log view draws with, so the view model needs no theme type.
public struct LogViewStyle: Hashable, Sendable {
    /// Base for lines that carry their own colours, and for messages drawn in the view.
    public var text: TextStyle
    /// Gutter (line numbers) and wrap continuation marks.
    public var dim: TextStyle
    public var timestamp: TextStyle
    /// Level colours, for lines without colours of their own.
    public var info: TextStyle
    public var warn: TextStyle
    public var error: TextStyle
    /// Lines written by the runner itself.
    public var system: TextStyle
    public var searchMatch: TextStyle
    /// Matches on the line the last `n`/`N` landed on.
    public var currentMatch: TextStyle
    /// Drawn over the selected line (its non-default colours and flags win).
    public var cursorLine: TextStyle

    public init(
        text: TextStyle = .plain,
        dim: TextStyle = TextStyle(foreground: .brightBlack),
        timestamp: TextStyle = TextStyle(foreground: .cyan),
        info: TextStyle = .plain,
        warn: TextStyle = TextStyle(foreground: .yellow),
        error: TextStyle = TextStyle(foreground: .red, bold: true),
        system: TextStyle = TextStyle(foreground: .blue),
        searchMatch: TextStyle = TextStyle(foreground: .black, background: .yellow),
        currentMatch: TextStyle = TextStyle(foreground: .black, background: .index(208), bold: true),
        cursorLine: TextStyle = TextStyle(background: .index(236))
    ) {
        self.text = text
        self.dim = dim
        self.timestamp = timestamp
        self.info = info
        self.warn = warn
        self.error = error
        self.system = system
        self.searchMatch = searchMatch
        self.currentMatch = currentMatch
        self.cursorLine = cursorLine
    }

    public static let standard = LogViewStyle()

    /// `over` drawn on `base`: its non-default colours replace, its flags add.
    static func overlay(_ over: TextStyle, on base: TextStyle) -> TextStyle {
        var style = base
        if over.foreground != .default { style.foreground = over.foreground }
        if over.background != .default { style.background = over.background }
        style.bold = style.bold || over.bold
        style.dim = style.dim || over.dim
        style.underline = style.underline || over.underline
        style.reverse = style.reverse || over.reverse
        return style
    }
}
