import ImageFactoryCore
import Terminal

/// Every binding of the current screen, from the same registry as the palette and hint bar, and a short guide.
enum HelpOverlay {
    static func render(into grid: inout Grid, rect: Rect, registry: ActionRegistry, context: ScreenContext, role: Role?,
                       theme: Theme, unicode: Bool) {
        let f = rect.inset(by: rect.width >= 60 ? 2 : 0)
        Box.draw(into: &grid, rect: f, title: "Keys on this screen (Esc closes)", theme: theme, unicode: unicode)
        var lines: [(String, String, String?)] = []
        for (action, keys) in registry.bindings(in: context) {
            lines.append((keys.map(\.name).joined(separator: " "), action.title, registry.disabledReason(action, role: role)))
        }
        let keyWidth = min(22, (lines.map { CellWidth.of($0.0) }.max() ?? 8) + 2)
        var y = f.y + 1
        for (keys, title, reason) in lines {
            guard y < f.maxY - 1 - guide.count - 1 else { break }
            grid.put(" " + CellWidth.pad(keys, to: keyWidth), x: f.x + 1, y: y, style: reason == nil ? theme.hintKey : theme.disabled)
            grid.put(title + (reason.map { "  (\($0))" } ?? ""), x: f.x + 2 + keyWidth, y: y,
                     style: reason == nil ? theme.text : theme.disabled, maxWidth: f.width - keyWidth - 4)
            y += 1
        }
        y = max(y + 1, f.maxY - 1 - guide.count)
        for line in guide where y < f.maxY - 1 {
            grid.put(" " + line, x: f.x + 1, y: y, style: theme.dim, maxWidth: f.width - 2)
            y += 1
        }
    }

    static let guide = [
        "Manifests: name, method, base, dependencies, commands, output, artifacts, tags, resources, env, context.",
        "Reference and FAQ: imagefactory --help, and the README. Project admins: see the Team tab of the dashboard.",
    ]
}
