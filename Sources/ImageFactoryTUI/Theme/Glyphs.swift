import Terminal

/// The symbols the interface draws, in a Unicode and an ASCII variant; the ASCII one is for terminals
/// (or locales) where UTF-8 is not safe. Every glyph is one cell wide. The Unicode ones are all in
/// DejaVu Sans Mono (Debian's default monospace font), and all but ✓ ✗ ↻ in Noto Sans Mono too: no emoji,
/// which such fonts lack (an empty box), and no braille, which DejaVu Sans Mono lacks.
public struct Glyphs: Sendable, Hashable {
    public var succeeded: String
    public var failed: String
    /// Animation frames for running work, one per tick.
    public var spinner: [String]
    public var queued: String
    public var cancelled: String
    public var interrupted: String
    public var collapsed: String
    public var expanded: String
    public var artifact: String
    /// Eight levels, lowest first.
    public var sparkline: [String]
    public var separator: String
    public var ellipsis: String
    /// One cell of a progress bar.
    public var progress: String
    /// A tool step served from the tool's cache.
    public var cached: String

    public static let unicode = Glyphs(
        succeeded: "✓", failed: "✗",
        spinner: ["◐", "◓", "◑", "◒"],
        queued: "…", cancelled: "⊘", interrupted: "!", collapsed: "▶", expanded: "▼", artifact: "■",
        sparkline: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        separator: "│", ellipsis: "…", progress: "━", cached: "↻")

    public static let ascii = Glyphs(
        succeeded: "+", failed: "x",
        spinner: ["|", "/", "-", "\\"],
        queued: ".", cancelled: "-", interrupted: "!", collapsed: ">", expanded: "v", artifact: "*",
        sparkline: [" ", ".", ":", "-", "=", "+", "*", "#"],
        separator: "|", ellipsis: "...", progress: "=", cached: "=")

    public static func `for`(_ capabilities: TerminalCapabilities) -> Glyphs {
        capabilities.unicode ? .unicode : .ascii
    }

    /// The spinner frame for an animation tick (any integer, negative included).
    public func spinnerFrame(_ tick: Int) -> String {
        spinner[((tick % spinner.count) + spinner.count) % spinner.count]
    }

    /// The sparkline glyph for `fraction` of the maximum (clamped to 0...1).
    public func sparkline(level fraction: Double) -> String {
        let clamped = fraction.isNaN ? 0 : min(max(fraction, 0), 1)
        return sparkline[min(sparkline.count - 1, Int(clamped * Double(sparkline.count)))]
    }
}
