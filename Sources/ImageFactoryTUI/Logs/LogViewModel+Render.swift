import ImageFactoryCore
import Terminal

/// One screen row of the log area.
public struct LogViewRow: Sendable {
    /// The row of the view (the line) this screen row belongs to.
    public var viewRow: Int
    public var line: LogLine
    /// 0 for a line's first screen row, then 1, 2… for its wrapped continuation.
    public var wrapIndex: Int
    /// The plain text shown on this screen row (tabs expanded, clipped to the text width).
    public var text: String
    public var isCursor: Bool
}

/// A line with at least one screen row shown, with its search matches for the renderer.
public struct LogVisibleLine: Sendable {
    public var viewRow: Int
    public var line: LogLine
    /// UTF-8 offset ranges of the search matches in `line.text`.
    public var matches: [Range<Int>]
    public var isCursor: Bool
}

extension LogViewModel {
    /// What the screen shows, one entry per screen row.
    public func visibleRows() -> [LogViewRow] {
        screenRows().map { row in
            LogViewRow(viewRow: row.viewRow, line: row.line, wrapIndex: row.wrapIndex,
                       text: row.cells.map { $0.clipped ? " " : $0.glyph.text }.joined(), isCursor: row.viewRow == cursor)
        }
    }

    /// The lines on screen, with their search matches.
    public func visibleLines() -> [LogVisibleLine] {
        var result: [LogVisibleLine] = []
        for row in screenRows() where result.last?.viewRow != row.viewRow {
            result.append(LogVisibleLine(viewRow: row.viewRow, line: row.line, matches: matchRanges(in: row.line),
                                         isCursor: row.viewRow == cursor))
        }
        return result
    }

    /// Draws the log area into `rect` of `grid`, laying out for the rect's size: gutter with line
    /// numbers, optional timestamp, then the text with its own colours (or its level's), search matches
    /// and the cursor line highlighted. No escape byte reaches the grid.
    public func render(into grid: inout Grid, rect: Rect, style: LogViewStyle) {
        guard !rect.isEmpty else { return }
        resize(width: rect.width, height: rect.height)
        grid.fill(rect, style: style.text)
        guard rowCount > 0 else {
            let message = lineCount == 0 ? "(no lines yet)" : "no lines match the filter"
            grid.put(message, x: rect.x + gutterWidth, y: rect.y, style: style.dim, maxWidth: max(0, rect.width - gutterWidth))
            return
        }
        let numberWidth = gutterWidth - 1
        let stampWidth = timestampWidth
        let textX = rect.x + gutterWidth + stampWidth
        var matchesByRow: [Int: [Range<Int>]] = [:]
        let cursorIsCurrentMatch = currentMatchSeq != nil && currentMatchSeq == cursorSeq
        for (offset, row) in screenRows().enumerated() {
            let y = rect.y + offset
            let isCursor = row.viewRow == cursor
            func styled(_ base: TextStyle) -> TextStyle {
                isCursor ? LogViewStyle.overlay(style.cursorLine, on: base) : base
            }
            if isCursor { grid.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), style: styled(style.text)) }
            if row.wrapIndex == 0 {
                let number = String(row.line.seq + 1)
                let padded = String(repeating: " ", count: max(0, numberWidth - number.count)) + number
                grid.put(padded, x: rect.x, y: y, style: styled(style.dim), maxWidth: min(numberWidth, rect.width))
                if stampWidth > 0, let stamp = timestamp(for: row.line) {
                    grid.put(stamp, x: rect.x + gutterWidth, y: y, style: styled(style.timestamp),
                             maxWidth: max(0, min(stampWidth - 1, rect.maxX - rect.x - gutterWidth)))
                }
            }
            let matches: [Range<Int>]
            if let cached = matchesByRow[row.viewRow] {
                matches = cached
            } else {
                matches = matchRanges(in: row.line)
                matchesByRow[row.viewRow] = matches
            }
            let base = baseStyle(for: row.line, style: style)
            let matchStyle = isCursor && cursorIsCurrentMatch ? style.currentMatch : style.searchMatch
            for cell in row.cells {
                let x = textX + cell.column
                guard x < rect.maxX else { break }
                let glyph = cell.glyph
                var cellStyle = glyph.attributes.applied(to: base)
                let glyphRange = glyph.offset..<(glyph.offset + max(1, glyph.length))
                if matches.contains(where: { $0.overlaps(glyphRange) }) {
                    cellStyle = matchStyle
                } else {
                    cellStyle = styled(cellStyle)
                }
                if cell.clipped {
                    grid.put(" ", x: x, y: y, style: cellStyle, maxWidth: 1)
                } else {
                    grid.put(glyph.text, x: x, y: y, style: cellStyle, maxWidth: min(glyph.width, rect.maxX - x))
                }
            }
        }
    }

    /// Level colour for lines without colours of their own; runner lines in the system style.
    func baseStyle(for line: LogLine, style: LogViewStyle) -> TextStyle {
        if line.stream == .system { return style.system }
        if line.display != line.text { return style.text }
        switch line.level {
        case .info: return style.info
        case .warn: return style.warn
        case .error: return style.error
        }
    }

    struct ScreenCell {
        var glyph: LogGlyph
        /// Column within the text area.
        var column: Int
        /// A wide character cut by the left edge: drawn as a space.
        var clipped: Bool
    }

    struct ScreenRow {
        var viewRow: Int
        var line: LogLine
        var wrapIndex: Int
        var cells: [ScreenCell]
    }

    /// Lays out the screen: from the top position, rows until the height is filled.
    func screenRows() -> [ScreenRow] {
        guard rowCount > 0 else { return [] }
        let width = textWidth
        let lines = lines(rows: topLine..<min(rowCount, topLine + height))
        var rows: [ScreenRow] = []
        for (offset, line) in lines.enumerated() {
            let glyphs = LogLineLayout.glyphs(line)
            let ranges = LogLineLayout.rows(glyphs, width: width, wrap: wrap)
            let skip = offset == 0 ? topSubrow : 0
            for (wrapIndex, range) in ranges.enumerated().dropFirst(skip) {
                rows.append(ScreenRow(viewRow: topLine + offset, line: line, wrapIndex: wrapIndex,
                                      cells: cells(glyphs[range], width: width)))
                if rows.count == height { return rows }
            }
        }
        return rows
    }

    /// Positions glyphs in the text area, applying the horizontal scroll when not wrapping.
    private func cells(_ glyphs: ArraySlice<LogGlyph>, width: Int) -> [ScreenCell] {
        let left = wrap ? 0 : leftColumn
        var cells: [ScreenCell] = []
        var column = 0
        for glyph in glyphs {
            defer { column += glyph.width }
            let end = column + glyph.width
            if end <= left { continue }
            if column - left >= width { break }
            if column < left {
                // The left half of a wide character scrolled off.
                cells.append(ScreenCell(glyph: glyph, column: 0, clipped: true))
                continue
            }
            if end - left > width {
                cells.append(ScreenCell(glyph: glyph, column: column - left, clipped: true))
                break
            }
            cells.append(ScreenCell(glyph: glyph, column: column - left, clipped: false))
        }
        return cells
    }
}
