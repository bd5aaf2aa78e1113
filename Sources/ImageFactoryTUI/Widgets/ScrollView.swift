import Terminal

/// The one scrolling behaviour of every overlay and long view: arrows (and j/k), PageUp/PageDown,
/// Ctrl+U/Ctrl+D, Home/End (and g/G), the mouse wheel. The offset is clamped when drawn, where the
/// number of lines and the height are known.
struct ScrollPosition: Sendable, Hashable {
    var offset = 0

    /// Moves for `key` given the visible height; false when the key is not a scrolling key.
    mutating func handle(_ key: Key, page: Int) -> Bool {
        let page = max(1, page)
        switch key {
        case .down, .character("j"): offset += 1
        case .up, .character("k"): offset -= 1
        case .pageDown, .character(" "): offset += page
        case .pageUp: offset -= page
        case .control("d"): offset += page / 2
        case .control("u"): offset -= page / 2
        case .home, .character("g"): offset = 0
        case .end, .character("G"): offset = Int.max / 2
        case .mouse(let m) where m.kind == .wheelDown: offset += 3
        case .mouse(let m) where m.kind == .wheelUp: offset -= 3
        default: return false
        }
        offset = max(0, offset)
        return true
    }

    /// The first line to draw of `total` lines in `visible` rows.
    mutating func clamp(total: Int, visible: Int) -> Int {
        offset = max(0, min(offset, total - visible))
        return offset
    }
}

enum ScrollView {
    /// Draws `lines` in `rect` from `position`, with a position marker (`12-30 of 80`) in the bottom right
    /// corner when they do not all fit.
    static func draw(_ lines: [(text: String, style: TextStyle)], in rect: Rect, position: inout ScrollPosition,
                     grid: inout Grid, marker: TextStyle) {
        guard rect.height > 0 else { return }
        let first = position.clamp(total: lines.count, visible: rect.height)
        for (i, line) in lines.dropFirst(first).prefix(rect.height).enumerated() {
            grid.put(line.text, x: rect.x, y: rect.y + i, style: line.style, maxWidth: rect.width)
        }
        if lines.count > rect.height {
            let label = " \(first + 1)-\(min(lines.count, first + rect.height)) of \(lines.count) "
            grid.put(label, x: rect.maxX - CellWidth.of(label), y: rect.maxY - 1, style: marker)
        }
    }
}

enum TextWrap {
    /// Splits `text` into rows of at most `width` cells, at spaces where it can; continuation rows start
    /// with `indent`. Nothing is cut.
    static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        guard width > CellWidth.of(indent) + 4 else { return [text] }
        var rows: [String] = []
        var rest = Substring(text)
        var prefix = ""
        while !rest.isEmpty {
            let room = width - CellWidth.of(prefix)
            if CellWidth.of(String(rest)) <= room {
                rows.append(prefix + rest)
                break
            }
            // The longest head that fits, cut at its last space when there is one.
            var cut = rest.startIndex
            var used = 0
            var lastSpace: Substring.Index?
            while cut < rest.endIndex {
                let w = CellWidth.of(String(rest[cut]))
                if used + w > room { break }
                if rest[cut] == " " { lastSpace = cut }
                used += w
                cut = rest.index(after: cut)
            }
            if let space = lastSpace, rest.distance(from: rest.startIndex, to: space) > room / 3 { cut = space }
            if cut == rest.startIndex { cut = rest.index(after: cut) }
            rows.append(prefix + rest[..<cut])
            rest = rest[cut...].drop { $0 == " " }
            prefix = indent
        }
        return rows.isEmpty ? [""] : rows
    }
}
