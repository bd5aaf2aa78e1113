import Terminal

/// A small menu at the mouse (right click) or at the selection (keyboard: the menu key).
struct ContextMenu {
    struct Item {
        var title: String
        var action: ActionID
    }

    var title: String
    var items: [Item]
    var x: Int
    var y: Int
    var selected = 0
    private var drawnAt: Rect?

    init(title: String, items: [Item], x: Int, y: Int) {
        self.title = title
        self.items = items
        self.x = x
        self.y = y
    }

    var selectedItem: Item? { items.indices.contains(selected) ? items[selected] : nil }

    mutating func handle(_ key: Key) {
        switch key {
        case .down, .character("j"), .control("n"), .tab: selected = (selected + 1) % max(1, items.count)
        case .up, .character("k"), .control("p"), .backTab: selected = (selected + items.count - 1) % max(1, items.count)
        default: break
        }
    }

    func frame(in rect: Rect) -> Rect {
        let width = min(rect.width, max(CellWidth.of(title) + 6, (items.map { CellWidth.of($0.title) }.max() ?? 0) + 4))
        let height = min(rect.height, items.count + 2)
        let left = min(max(rect.x, x), rect.maxX - width)
        let top = min(max(rect.y, y), rect.maxY - height)
        return Rect(x: left, y: top, width: width, height: height)
    }

    func item(atY row: Int, in rect: Rect) -> Item? {
        let f = frame(in: rect)
        let i = row - f.y - 1
        return items.indices.contains(i) ? items[i] : nil
    }

    func render(into grid: inout Grid, rect: Rect, theme: Theme, unicode: Bool) {
        let f = frame(in: rect)
        Box.draw(into: &grid, rect: f, title: title, theme: theme, unicode: unicode)
        for (i, item) in items.prefix(f.height - 2).enumerated() {
            let style = i == selected ? theme.selection : theme.text
            grid.fill(Rect(x: f.x + 1, y: f.y + 1 + i, width: f.width - 2, height: 1), style: style)
            grid.put(" " + item.title, x: f.x + 1, y: f.y + 1 + i, style: style, maxWidth: f.width - 2)
        }
    }
}

/// A bordered box with a title, cleared inside.
enum Box {
    static func draw(into grid: inout Grid, rect: Rect, title: String, theme: Theme, unicode: Bool) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        grid.fill(rect, style: theme.text)
        let (hz, vt, tl, tr, bl, br) = unicode ? ("─", "│", "┌", "┐", "└", "┘") : ("-", "|", "+", "+", "+", "+")
        let h = String(repeating: hz, count: rect.width - 2)
        grid.put(tl + h + tr, x: rect.x, y: rect.y, style: theme.border)
        grid.put(bl + h + br, x: rect.x, y: rect.maxY - 1, style: theme.border)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            grid.put(vt, x: rect.x, y: y, style: theme.border)
            grid.put(vt, x: rect.maxX - 1, y: y, style: theme.border)
        }
        if !title.isEmpty { grid.put(" \(title) ", x: rect.x + 2, y: rect.y, style: theme.title, maxWidth: rect.width - 4) }
    }
}

/// "Cancel build #3? [y/N]"
enum ConfirmDialog {
    static func render(_ question: String, into grid: inout Grid, rect: Rect, theme: Theme, unicode: Bool) {
        let width = min(rect.width - 2, max(30, CellWidth.of(question) + 4))
        let f = Rect(x: rect.x + (rect.width - width) / 2, y: rect.y + rect.height / 2 - 2, width: width, height: 4)
        Box.draw(into: &grid, rect: f, title: "Confirm", theme: theme, unicode: unicode)
        grid.put(question, x: f.x + 2, y: f.y + 1, style: theme.warn.with(bold: true), maxWidth: f.width - 4)
        grid.put("y: yes   n / Esc: no", x: f.x + 2, y: f.y + 2, style: theme.dim, maxWidth: f.width - 4)
    }
}
