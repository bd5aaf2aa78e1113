import ImageFactoryCore
import Terminal

/// One screen cell's worth of a laid-out line.
struct LogGlyph: Sendable {
    /// A grapheme with any combining marks, or a space of an expanded tab.
    var text: String
    var width: Int
    /// UTF-8 range of the source character in the line's plain text, to map search matches onto cells.
    var offset: Int
    var length: Int
    var attributes: SGRAttributes
}

/// Lays a line out in cells: colours from its display variant, tabs expanded, wide characters kept
/// whole, and rows cut for wrapping. Only the visible window's lines are ever laid out.
enum LogLineLayout {
    static let tabWidth = 8

    static func glyphs(_ line: LogLine) -> [LogGlyph] {
        let spans = line.display == line.text
            ? [SGRSpan(text: line.text, attributes: .none)]
            : SGRParser.parse(line.display)
        var glyphs: [LogGlyph] = []
        glyphs.reserveCapacity(line.text.utf8.count)
        var offset = 0
        var column = 0
        for span in spans {
            for c in span.text {
                let length = c.utf8.count
                defer { offset += length }
                if c == "\t" {
                    let n = tabWidth - column % tabWidth
                    for _ in 0..<n {
                        glyphs.append(LogGlyph(text: " ", width: 1, offset: offset, length: length, attributes: span.attributes))
                    }
                    column += n
                    continue
                }
                let width = CellWidth.of(c)
                if width == 0 {
                    // Combining marks join the previous cell; controls are dropped.
                    if let s = c.unicodeScalars.first, s.value >= 0x20, s.value != 0x7F, !glyphs.isEmpty {
                        glyphs[glyphs.count - 1].text.append(c)
                        glyphs[glyphs.count - 1].length += length
                    }
                    continue
                }
                glyphs.append(LogGlyph(text: String(c), width: width, offset: offset, length: length, attributes: span.attributes))
                column += width
            }
        }
        return glyphs
    }

    /// Glyph ranges of the rows a line takes at `width` columns; one row when not wrapping.
    static func rows(_ glyphs: [LogGlyph], width: Int, wrap: Bool) -> [Range<Int>] {
        guard wrap else { return [0..<glyphs.count] }
        var rows: [Range<Int>] = []
        var start = 0
        var column = 0
        for (i, glyph) in glyphs.enumerated() {
            if column + glyph.width > width && i > start {
                rows.append(start..<i)
                start = i
                column = 0
            }
            column += glyph.width
        }
        rows.append(start..<glyphs.count)
        return rows
    }

    /// Rows a line takes when wrapped, without laying it out when it is plain printable ASCII.
    static func rowCount(_ line: LogLine, width: Int) -> Int {
        let width = max(1, width)
        var simple = line.display == line.text
        if simple {
            for b in line.text.utf8 where b < 0x20 || b >= 0x7F {
                simple = false
                break
            }
        }
        if simple { return max(1, (line.text.utf8.count + width - 1) / width) }
        return rows(glyphs(line), width: width, wrap: true).count
    }
}
