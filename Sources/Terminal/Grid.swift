/// One screen cell: a grapheme (empty for the right half of a wide character) and its style.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var style: TextStyle

    public init(_ text: String = " ", style: TextStyle = .plain) {
        self.text = text
        self.style = style
    }

    public static let blank = Cell()
}

/// What a frame looks like: the TUI renders into a grid, the terminal backend draws the difference
/// from the previous grid. Tests render into a grid and read its text and styles.
public struct Grid: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should rest (nil hides it).
    public var cursor: (x: Int, y: Int)?

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public static func == (a: Grid, b: Grid) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells
            && a.cursor?.x == b.cursor?.x && a.cursor?.y == b.cursor?.y
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { (x >= 0 && x < width && y >= 0 && y < height) ? cells[y * width + x] : .blank }
        set { if x >= 0 && x < width && y >= 0 && y < height { cells[y * width + x] = newValue } }
    }

    public mutating func fill(_ rect: Rect, style: TextStyle = .plain, text: String = " ") {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { cells[y * width + x] = Cell(text, style: style) }
        }
    }

    /// Draws `text` from (x, y), clipped to `maxWidth` columns and to the grid; control characters are
    /// never drawn. Returns the number of columns used.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: TextStyle = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        var col = x
        for c in text {
            let w = CellWidth.of(c)
            if w == 0 {
                // Combining marks join the previous cell; controls are dropped.
                if let s = c.unicodeScalars.first, s.value >= 0x20, col > x, col - 1 < width, col - 1 >= 0 {
                    cells[y * width + col - 1].text.append(c)
                }
                continue
            }
            if col + w > limit {
                if w == 2, col < limit, col >= 0 { cells[y * width + col] = Cell(" ", style: style); col += 1 }
                break
            }
            if col >= 0 {
                cells[y * width + col] = Cell(String(c), style: style)
                if w == 2, col + 1 < width { cells[y * width + col + 1] = Cell("", style: style) }
            }
            col += w
        }
        return max(0, col - x)
    }

    /// Draws text in a rect: one line per row, clipped.
    public mutating func put(lines: [String], in rect: Rect, style: TextStyle = .plain) {
        for (i, line) in lines.prefix(rect.height).enumerated() {
            put(line, x: rect.x, y: rect.y + i, style: style, maxWidth: rect.width)
        }
    }

    /// Applies a style change to cells already drawn (keeps their text), e.g. a selection highlight.
    public mutating func restyle(_ rect: Rect, _ change: (inout TextStyle) -> Void) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { change(&cells[y * width + x].style) }
        }
    }

    /// The text of one row, with trailing spaces removed.
    public func row(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var s = ""
        for x in 0..<width { s += cells[y * width + x].text }
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }

    /// The whole screen as text, one line per row: what a screenshot shows.
    public var text: String { (0..<height).map(row).joined(separator: "\n") }

    /// Column of the first occurrence of `needle` in row y, counted in cells (nil when absent).
    public func column(of needle: String, inRow y: Int) -> Int? {
        guard y >= 0, y < height else { return nil }
        var texts: [String] = []
        for x in 0..<width { texts.append(cells[y * width + x].text.isEmpty ? "\u{0}" : cells[y * width + x].text) }
        let joined = texts.joined()
        guard let r = joined.range(of: needle) else { return nil }
        // Map the character offset back to a cell index.
        let prefix = joined[joined.startIndex..<r.lowerBound]
        var count = 0
        var cell = 0
        for t in texts {
            if count >= prefix.count { break }
            count += t.count
            cell += 1
        }
        return cell
    }

    /// The style of the first cell of the first occurrence of `needle` on the screen.
    public func style(of needle: String) -> TextStyle? {
        for y in 0..<height { if let x = column(of: needle, inRow: y) { return self[x, y].style } }
        return nil
    }
}
