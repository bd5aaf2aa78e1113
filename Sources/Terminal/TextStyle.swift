/// A colour as the terminal knows it: the terminal's default, or an index in the 256-colour palette
/// (0-15 are the 16 basic colours, which every colour terminal has).
public enum TerminalColor: Hashable, Sendable {
    case `default`
    case index(UInt8)

    public static let black = TerminalColor.index(0)
    public static let red = TerminalColor.index(1)
    public static let green = TerminalColor.index(2)
    public static let yellow = TerminalColor.index(3)
    public static let blue = TerminalColor.index(4)
    public static let magenta = TerminalColor.index(5)
    public static let cyan = TerminalColor.index(6)
    public static let white = TerminalColor.index(7)
    public static let brightBlack = TerminalColor.index(8)
}

/// How a cell is drawn.
public struct TextStyle: Hashable, Sendable {
    public var foreground: TerminalColor
    public var background: TerminalColor
    public var bold: Bool
    public var dim: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(foreground: TerminalColor = .default, background: TerminalColor = .default,
                bold: Bool = false, dim: Bool = false, underline: Bool = false, reverse: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
    }

    public static let plain = TextStyle()
}
