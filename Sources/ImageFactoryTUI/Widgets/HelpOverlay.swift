import ImageFactoryCore
import Terminal

/// Every binding of the current screen, from the same registry as the palette and hint bar; Tab shows the guide:
/// the manifest reference of each method, the FAQ and who administers the project.
enum HelpOverlay {
    static func render(into grid: inout Grid, rect: Rect, registry: ActionRegistry, context: ScreenContext, role: Role?,
                       theme: Theme, unicode: Bool, guidePage: [String]?, scroll: Int) {
        let f = rect.inset(by: rect.width >= 60 ? 2 : 0)
        if let guidePage {
            Box.draw(into: &grid, rect: f, title: "Guide (Tab: keys, ↑↓ scroll, Esc closes)", theme: theme, unicode: unicode)
            for (i, line) in guidePage.dropFirst(scroll).prefix(f.height - 2).enumerated() {
                let style = line.hasPrefix("#") ? theme.accent : theme.text
                grid.put(" " + (line.hasPrefix("#") ? String(line.drop { $0 == "#" || $0 == " " }) : line), x: f.x + 1, y: f.y + 1 + i,
                         style: style, maxWidth: f.width - 2)
            }
            return
        }
        Box.draw(into: &grid, rect: f, title: "Keys on this screen (Tab: guide, Esc closes)", theme: theme, unicode: unicode)
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
        "Tab shows the guide: the manifest reference of each build method, the FAQ, and your project's admins.",
    ]

    /// The guide's text for a project (its admins are listed by name).
    static func guidePage(project: Project?, admins: [(User, Role)]) -> [String] {
        var lines = ["# Manifest reference", ""]
        lines += [
            "Every method: name (required), method, base, dependencies, commands, output (\(ManifestSchema.outputFormats.joined(separator: ", "))),",
            "  artifacts (paths or globs in the workspace), tags, resources (cpus, memory like 2GiB, timeout like 30m), env, context.",
        ]
        let required: [(BuildMethod, String)] = [
            (.shell, "commands: each runs in /bin/sh -e -c in the build's workspace, in its own process group"),
            (.docker, "base (image, scratch, oci-archive:FILE) or containerfile; build_args, target, load, push"),
            (.buildx, "like docker, with platforms [linux/amd64, linux/arm64]: one OCI index of all"),
            (.kaniko, "like docker; needs kaniko's executor (doctor says whether it is here)"),
            (.packer, "template (inline HCL or a path) or commands; variables, builders, on_error"),
            (.nix, "expression (inline or .nix, attribute), flake, or commands writing $out"),
        ]
        for (method, text) in required {
            let allowed = project.map { $0.allowedMethodSet.contains(method) } ?? true
            lines.append("  \(method.rawValue)\(allowed ? "" : " (not allowed in this project)"): \(text)")
        }
        lines += ["", "# FAQ", "",
                  "Why did my build fail? The build page puts the failing step's last lines first; on the Logs tab, e jumps to errors.",
                  "Which methods work here? `imagefactory doctor` prints each method's tool, whether it is usable and what to install.",
                  "It worked yesterday: on the Logs tab, c compares with the last good build, timestamps and hashes masked.",
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
