import ImageFactoryCore
import Terminal

/// Every binding of the current screen, from the same registry as the palette and hint bar; Tab shows the guide:
/// the manifest reference of each method, the FAQ and who administers the project.
enum HelpOverlay {
    /// The keys of the screen (its tabs first, when it has some), then a line about the guide; or the guide.
    /// Long lines wrap, and the whole scrolls (arrows, PageUp/PageDown, Home/End, the wheel).
    static func render(into grid: inout Grid, rect: Rect, registry: ActionRegistry, context: ScreenContext, role: Role?,
                       offer: TUIApp.Offer? = nil, tabs: [String], theme: Theme, unicode: Bool, guidePage: [String]?, scroll: inout ScrollPosition) {
        let f = rect.inset(by: rect.width >= 60 ? 2 : 0)
        let inner = Rect(x: f.x + 1, y: f.y + 1, width: max(0, f.width - 2), height: max(0, f.height - 2))
        let width = inner.width - 1
        var lines: [(text: String, style: TextStyle)] = []
        if let guidePage {
            Box.draw(into: &grid, rect: f, title: "Guide (Tab: keys, Esc closes)", theme: theme, unicode: unicode)
            for line in guidePage {
                let heading = line.hasPrefix("#")
                let text = heading ? String(line.drop { $0 == "#" || $0 == " " }) : line
                let indent = String(text.prefix { $0 == " " }) + "  "
                for row in TextWrap.wrap(" " + text, width: width, indent: " " + indent) {
                    lines.append((row, heading ? theme.accent : theme.text))
                }
            }
        } else {
            Box.draw(into: &grid, rect: f, title: "Keys on this screen (Tab: guide, Esc closes)", theme: theme, unicode: unicode)
            var rows: [(keys: String, title: String, reason: String?)] = []
            if tabs.count > 1 {
                rows.append(("1-\(tabs.count)", "Go to tab: " + tabs.enumerated().map { "\($0.offset + 1) \($0.element)" }.joined(separator: ", "), nil))
            }
            for (action, keys) in registry.bindings(in: context, offered: offer?.actions) {
                rows.append((keys.map(\.name).joined(separator: " "), action.title, registry.disabledReason(action, role: role, extra: offer?.disabled[action.id])))
            }
            let keyWidth = min(22, (rows.map { CellWidth.of($0.keys) }.max() ?? 8) + 2)
            for row in rows {
                let text = row.title + (row.reason.map { "  (\($0))" } ?? "")
                let wrapped = TextWrap.wrap(text, width: max(10, width - keyWidth - 2))
                for (i, part) in wrapped.enumerated() {
                    let keys = i == 0 ? (row.keys.isEmpty ? "-" : row.keys) : ""
                    lines.append((" " + CellWidth.pad(keys, to: keyWidth) + " " + part, row.reason == nil ? theme.text : theme.disabled))
                }
            }
            lines.append(("", theme.text))
            for line in guide { for row in TextWrap.wrap(" " + line, width: width, indent: " ") { lines.append((row, theme.dim)) } }
        }
        ScrollView.draw(lines, in: inner, position: &scroll, grid: &grid, marker: theme.dim)
    }

    static let guide = [
        "Tab shows the guide: the manifest reference of each build method, the FAQ, and your project's admins. Arrows, PageUp/PageDown and Home/End scroll.",
    ]

    /// The guide's text for a project (its admins are listed by name).
    static func guidePage(project: Project?, admins: [(User, Role)]) -> [String] {
        var lines = ["# Manifest reference", ""]
        lines += [
            "Every method: name (required), method, base, dependencies, commands, output (\(ManifestSchema.outputFormats.joined(separator: ", "))),",
            "  artifacts (paths or globs in the workspace), tags, resources (cpus, memory like 2GiB, timeout like 30m), env, context.",
        ]
        for descriptor in MethodDescriptor.all {
            let allowed = project.map { $0.allowedMethodSet.contains(descriptor.method) } ?? true
            lines.append("  \(descriptor.method.rawValue)\(allowed ? "" : " (not allowed in this project)"): \(descriptor.summary)")
        }
        lines += ["", "# FAQ", "",
                  "Why did my build fail? The build page puts the failing step's last lines first; on the Logs tab, e jumps to errors.",
                  "Which methods work here? `imagefactory doctor` prints each method's tool, whether it is usable and what to install.",
                  "It worked yesterday: on the Logs tab, c compares with the last good build, timestamps, hashes and the builds' own paths and numbers masked.",
                  "Does closing the terminal stop my build? No: builds run in their own process; reopen and they are there.",
                  "Copy does nothing inside tmux? Set `allow-passthrough on` (or `set-clipboard on`) in tmux.",
                  "A key does not work? tmux takes Ctrl+B; every action has another key. Your keys: ~/.config/imagefactory/keymap.yaml.",
                  "", "# Who to ask", ""]
        if admins.isEmpty {
            lines.append("Open a project to see its owners and admins.")
        } else {
            lines.append("Owners and admins of \(project?.name ?? "this project") (they change settings, members and team templates):")
            for (user, role) in admins {
                lines.append("  \(user.displayName) (\(user.login)\(user.email.map { ", \($0)" } ?? "")), \(role.rawValue)")
            }
        }
        return lines
    }
}
