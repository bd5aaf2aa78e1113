import Terminal

/// The command palette (Ctrl+K): fuzzy search over actions, projects, builds, templates and artifacts.
struct PaletteState {
    let entries: [PaletteEntry]
    /// The box's title: what the user is choosing.
    var prompt = "Command palette"
    var query = ""
    var selected = 0
    private(set) var results: [(PaletteEntry, FuzzyMatch)] = []

    init(entries: [PaletteEntry], prompt: String = "Command palette") {
        self.entries = entries
        self.prompt = prompt
        rerank()
    }

    var selectedEntry: PaletteEntry? { results.indices.contains(selected) ? results[selected].0 : nil }

    mutating func rerank() {
        results = PaletteSearch.rank(entries, query: query, limit: 200)
        selected = min(selected, max(0, results.count - 1))
    }

    mutating func handle(_ key: Key) {
        switch key {
        case .character(let c):
            query.append(c)
            selected = 0
            rerank()
        case .backspace:
            if !query.isEmpty { query.removeLast(); rerank() }
        case .control("u"):
            query = ""
            rerank()
        case .down, .control("n"), .tab: selected = min(selected + 1, max(0, results.count - 1))
        case .up, .control("p"), .backTab: selected = max(0, selected - 1)
        default: break
        }
    }

    func render(into grid: inout Grid, rect: Rect, theme: Theme, unicode: Bool) {
        let width = min(rect.width - 2, 90)
        let height = min(rect.height - 1, 18)
        let f = Rect(x: rect.x + (rect.width - width) / 2, y: rect.y + 1, width: width, height: height)
        Box.draw(into: &grid, rect: f, title: prompt, theme: theme, unicode: unicode)
        grid.put("> " + query, x: f.x + 2, y: f.y + 1, style: theme.title, maxWidth: f.width - 4)
        grid.cursor = (f.x + 4 + CellWidth.of(query), f.y + 1)
        let rows = f.height - 3
        let first = max(0, selected - rows + 1)
        for (i, (entry, match)) in results.enumerated().dropFirst(first).prefix(rows) {
            let y = f.y + 2 + (i - first)
            let isSelected = i == selected
            let base = entry.disabledReason != nil ? theme.disabled : (isSelected ? theme.selection : theme.text)
            if isSelected { grid.fill(Rect(x: f.x + 1, y: y, width: f.width - 2, height: 1), style: base) }
            var x = f.x + 2
            let matched = Set(match.matchedIndices)
            for (offset, c) in entry.title.enumerated() {
                var style = base
                if matched.contains(offset) { style = theme.paletteMatch; if isSelected { style.background = base.background } }
                x += grid.put(String(c), x: x, y: y, style: style, maxWidth: f.maxX - 2 - x)
            }
            let right = [entry.disabledReason ?? entry.subtitle, entry.keyHint].compactMap { $0 }.joined(separator: "  ")
            let rx = f.maxX - 2 - CellWidth.of(right)
            if rx > x + 2 { grid.put(right, x: rx, y: y, style: isSelected ? base : theme.dim) }
        }
        if results.isEmpty { grid.put("no match", x: f.x + 2, y: f.y + 2, style: theme.dim) }
    }
}
