import Foundation
import ImageFactoryCore
import Terminal

/// Start of day: the last build's status without a keypress, recent builds, ready artifacts, queued work.
final class DashboardScreen: Screen, @unchecked Sendable {
    enum Tab: Int, CaseIterable {
        case myProjects, team, activity
        var title: String { ["My Projects", "Team", "Activity"][rawValue] }
    }

    struct Row: Sendable {
        var build: Build
        var projectName: String
    }

    struct Snapshot: Sendable {
        var userName: String
        var projects: [ProjectRow]
        var builds: [Row]
        var artifacts: [(Artifact, String)]
        var members: [(String, [MemberRow])]
        var activity: [ActivityEvent]
        var storageWarning: String?
    }

    /// What the cursor can rest on in My Projects: the projects first, then the recent builds.
    enum Item {
        case project(ProjectRow)
        case build(Row)
    }

    let context = ScreenContext.dashboard
    func bindings(app: TUIApp) -> [ScreenBinding] {
        let onBuild: String? = {
            if tab != .myProjects { return "only on My Projects" }
            if case .build? = items[safe: selected] { return nil }
            return "select a build first"
        }()
        return [.moveUp, .moveDown, .top, .bottom, .nextTab, .previousTab, .open, .newBuild,
                .showBuilds, .showProjects, .showQueue].map { ScreenBinding($0) }
            + [ScreenBinding(.showLogs, disabled: onBuild), ScreenBinding(.showArtifacts, disabled: onBuild)]
    }
    let link = "/"
    let title = "Dashboard"
    var isLive: Bool { data?.builds.contains { !$0.build.status.isFinished } ?? true }
    private(set) var data: Snapshot?
    var tab = Tab.myProjects
    var selected = 0
    private var rowsOnScreen: [(y: Int, index: Int)] = []

    var items: [Item] { (data?.projects.map(Item.project) ?? []) + (data?.builds.map(Item.build) ?? []) }

    func load(_ api: any FactoryAPI) throws -> (@Sendable () -> Void)? {
        let d = try api.dashboard()
        let snapshot = Snapshot(
            userName: d.user.displayName, projects: d.projects,
            builds: d.builds.map { Row(build: $0.build, projectName: $0.project) },
            artifacts: d.artifacts.map { ($0.artifact, "\($0.build.project)\($0.build.build.number)") },
            members: d.members.map { ($0.project, $0.members) }, activity: d.activity, storageWarning: d.storageWarning)
        return { [weak self] in
            guard let self else { return }
            self.data = snapshot
            self.selected = min(self.selected, max(0, self.items.count - 1))
        }
    }

    func render(into grid: inout Grid, rect: Rect, context ctx: RenderContext) {
        let t = ctx.theme
        let g = ctx.glyphs
        guard let data else {
            grid.put(" loading…", x: rect.x, y: rect.y + 1, style: t.dim)
            return
        }
        var y = rect.y
        grid.put(" Welcome back, \(data.userName)", x: rect.x, y: y, style: t.title)
        if let last = data.builds.first {
            let text = "last build: \(g.status(last.build.status, frame: ctx.frame)) \(last.projectName)\(last.build.number) \(last.build.name) \(last.build.status.rawValue) \(TUIFormat.age(last.build.createdAt, now: ctx.now))"
            let x = rect.maxX - CellWidth.of(text) - 1
            if x > rect.x + 30 { grid.put(text, x: x, y: y, style: t.style(for: last.build.status)) }
        }
        y += 1
        var x = rect.x + 1
        for tab in Tab.allCases {
            let label = "[\(tab.title)]"
            x += grid.put(label, x: x, y: y, style: tab == self.tab ? t.tabActive : t.tabInactive) + 1
        }
        y += 1
        if let warning = data.storageWarning {
            // The server cannot record anything now: said before anything else, in words.
            for line in Self.wrap(" ! " + warning, width: rect.width - 1) {
                grid.put(line, x: rect.x, y: y, style: t.error, maxWidth: rect.width)
                y += 1
            }
        }
        y += 1
        let body = Rect(x: rect.x, y: y, width: rect.width, height: rect.maxY - y)
        switch tab {
        case .myProjects: renderBuilds(data, into: &grid, rect: body, ctx: ctx)
        case .team: renderTeam(data, into: &grid, rect: body, ctx: ctx)
        case .activity: renderActivity(data, into: &grid, rect: body, ctx: ctx)
        }
    }

    private func renderBuilds(_ data: Snapshot, into grid: inout Grid, rect: Rect, ctx: RenderContext) {
        let t = ctx.theme
        let g = ctx.glyphs
        // Side panels when there is room (80 columns: stacked).
        let wide = rect.width >= 110
        let (left, right) = wide ? rect.splitLeft(rect.width * 3 / 5) : (rect, Rect(x: 0, y: 0, width: 0, height: 0))
        let active = data.builds.filter { !$0.build.status.isFinished }
        var y = left.y
        rowsOnScreen.removeAll()
        grid.put(" Projects", x: left.x, y: y, style: t.accent)
        y += 1
        if data.projects.isEmpty {
            grid.put("   You are not a member of any project. Create one: imagefactory project create NAME", x: left.x, y: y, style: t.dim, maxWidth: left.width)
            y += 1
        }
        for (i, p) in data.projects.enumerated().prefix(max(1, (left.maxY - y) / 2)) {
            let isSelected = i == selected
            if isSelected { grid.fill(Rect(x: left.x, y: y, width: left.width, height: 1), style: t.selection) }
            let base = isSelected ? t.selection : t.text
            var x = left.x + 2
            x += grid.put(CellWidth.pad(p.project.name, to: 16), x: x, y: y, style: base.with(bold: true), maxWidth: left.maxX - x)
            x += grid.put(" " + CellWidth.pad(p.role.rawValue, to: 7), x: x, y: y, style: isSelected ? base : t.dim, maxWidth: left.maxX - x)
            if let last = p.lastBuild {
                x += grid.put(" " + g.status(last.status, frame: ctx.frame), x: x, y: y, style: isSelected ? base : t.style(for: last.status), maxWidth: left.maxX - x)
                grid.put(" \(last.number) \(last.status.rawValue) \(TUIFormat.age(last.createdAt, now: ctx.now))", x: x, y: y, style: base, maxWidth: left.maxX - x)
            } else {
                grid.put(p.project.archivedAt != nil ? " archived" : " no builds yet", x: x, y: y, style: isSelected ? base : t.dim, maxWidth: left.maxX - x)
            }
            rowsOnScreen.append((y, i))
            y += 1
        }
        y += 1
        grid.put(" Recent Builds", x: left.x, y: y, style: t.accent)
        y += 1
        let offset = data.projects.count
        let reserve = wide ? 0 : min(6, 2 + max(1, data.artifacts.count))
        let maxRows = max(1, left.maxY - y - reserve - (active.isEmpty ? 0 : 2 + active.count))
        if data.builds.isEmpty {
            grid.put("   No builds yet. Press n for a new build, or run: imagefactory build start FILE", x: left.x, y: y, style: t.dim, maxWidth: left.width)
            y += 1
        }
        let first = max(0, selected - offset - maxRows + 1)
        for (n, row) in data.builds.enumerated().dropFirst(first).prefix(maxRows) {
            let i = n + offset
            let b = row.build
            let line = "\(g.status(b.status, frame: ctx.frame)) \(CellWidth.pad("\(b.number)", to: 5)) \(CellWidth.pad(row.projectName, to: 14)) \(CellWidth.pad(b.name, to: 18)) \(CellWidth.pad(TUIFormat.age(b.createdAt, now: ctx.now), to: 10)) \(TUIFormat.duration(b.duration))"
            let style = i == selected ? t.selection : t.text
            if i == selected { grid.fill(Rect(x: left.x, y: y, width: left.width, height: 1), style: t.selection) }
            grid.put("  ", x: left.x, y: y, style: style)
            let used = grid.put(g.status(b.status, frame: ctx.frame), x: left.x + 2, y: y, style: i == selected ? t.selection : t.style(for: b.status))
            grid.put(String(line.drop(while: { $0 != " " })), x: left.x + 2 + used, y: y, style: style, maxWidth: left.width - 3 - used)
            rowsOnScreen.append((y, i))
            y += 1
        }
        if !active.isEmpty {
            y += 1
            grid.put(" Running and queued", x: left.x, y: y, style: t.accent)
            y += 1
            for row in active.prefix(max(0, left.maxY - y)) {
                // A queued build says what it waits for (the scheduler's reason).
                let state = row.build.status == .queued ? "queued: \(row.build.queueReason ?? "waiting")" : row.build.status.rawValue
                grid.put("   \(g.status(row.build.status, frame: ctx.frame)) \(row.projectName)\(row.build.number) \(row.build.name) \(state)",
                         x: left.x, y: y, style: t.style(for: row.build.status), maxWidth: left.width)
                y += 1
            }
        }
        var panel = wide ? right : Rect(x: rect.x, y: y + 1, width: rect.width, height: rect.maxY - y - 1)
        if panel.height >= 2 {
            grid.put(" Ready Artifacts", x: panel.x, y: panel.y, style: t.accent)
            panel = panel.splitTop(1).1
            if data.artifacts.isEmpty { grid.put("   none yet", x: panel.x, y: panel.y, style: t.dim) }
            for (i, (a, where_)) in data.artifacts.prefix(panel.height).enumerated() {
                grid.put("  \(g.artifact) \(a.name)  \(TUIFormat.bytes(a.size))  \(where_)", x: panel.x, y: panel.y + i, style: t.text, maxWidth: panel.width)
            }
        }
    }

    private func renderTeam(_ data: Snapshot, into grid: inout Grid, rect: Rect, ctx: RenderContext) {
        var lines: [(String, TextStyle)] = []
        for (project, members) in data.members {
            lines.append((" \(project)", ctx.theme.accent))
            for (user, role) in members.map({ ($0.user, $0.role) }) {
                lines.append(("   \(CellWidth.pad(user.displayName, to: 20)) \(CellWidth.pad(user.login, to: 12)) \(role.rawValue)  last active \(TUIFormat.age(user.lastActiveAt, now: ctx.now))", ctx.theme.text))
            }
        }
        for (i, (line, style)) in lines.prefix(rect.height).enumerated() {
            grid.put(line, x: rect.x, y: rect.y + i, style: style, maxWidth: rect.width)
        }
    }

    private func renderActivity(_ data: Snapshot, into grid: inout Grid, rect: Rect, ctx: RenderContext) {
        if data.activity.isEmpty { grid.put("   no activity yet", x: rect.x, y: rect.y, style: ctx.theme.dim) }
        for (i, e) in data.activity.prefix(rect.height).enumerated() {
            grid.put(" \(CellWidth.pad(TUIFormat.age(e.createdAt, now: ctx.now), to: 10)) ", x: rect.x, y: rect.y + i, style: ctx.theme.dim)
            grid.put(e.message, x: rect.x + 12, y: rect.y + i, style: ctx.theme.text, maxWidth: rect.width - 12)
        }
    }

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        switch action {
        case .moveDown: selected = min(selected + 1, max(0, items.count - 1)); return ScreenEffect.none
        case .moveUp: selected = max(0, selected - 1); return ScreenEffect.none
        case .top: selected = 0; return ScreenEffect.none
        case .bottom: selected = max(0, items.count - 1); return ScreenEffect.none
        case .showBuilds: tab = .myProjects; return ScreenEffect.none
        case .showProjects: tab = .team; return ScreenEffect.none
        case .showQueue: tab = .activity; return ScreenEffect.none
        case .nextTab: tab = Tab(rawValue: (tab.rawValue + 1) % Tab.allCases.count)!; return ScreenEffect.none
        case .previousTab: tab = Tab(rawValue: (tab.rawValue + Tab.allCases.count - 1) % Tab.allCases.count)!; return ScreenEffect.none
        case .open, .showLogs, .showArtifacts:
            guard tab == .myProjects, let item = items[safe: selected] else { return ScreenEffect.none }
            let row: Row
            switch item {
            case .project(let p): return .push(ProjectScreen(project: p.project))
            case .build(let r): row = r
            }
            guard let project = data?.projects.first(where: { $0.project.id == row.build.projectId })?.project
                    ?? (try? app.api.project(id: row.build.projectId))?.project else { return .message("project not found") }
            let tab: BuildScreen.Tab = action == .showLogs ? .logs : action == .showArtifacts ? .artifacts : .overview
            return .push(BuildScreen(build: row.build, project: project, tab: tab))
        default: return nil
        }
    }

    func contextMenu(app: TUIApp) -> ContextMenu? { contextMenu(app: app, x: 4, y: 6) }

    func contextMenu(app: TUIApp, x: Int, y: Int) -> ContextMenu? {
        guard tab == .myProjects, case .build(let row)? = items[safe: selected] else { return nil }
        return ContextMenu(title: "\(row.projectName)\(row.build.number)", items: [
            .init(title: "Open", action: .open),
            .init(title: "Logs", action: .showLogs),
            .init(title: "Artifacts", action: .showArtifacts),
        ], x: x, y: y)
    }

    func handleMouse(_ event: MouseEvent, app: TUIApp) -> ScreenEffect? {
        switch event.kind {
        case .wheelDown: return perform(.moveDown, app: app)
        case .wheelUp: return perform(.moveUp, app: app)
        case .leftClick, .rightClick:
            guard let hit = rowsOnScreen.first(where: { $0.y == event.y }) else { return nil }
            selected = hit.index
            if event.kind == .leftClick { return ScreenEffect.none }
            return contextMenu(app: app, x: event.x, y: event.y).map { .menu($0) }
        case .middleClick: return nil
        }
    }
}

extension DashboardScreen {
    /// Words onto lines of at most `width` cells: a warning is never cut.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if CellWidth.of(candidate) > max(10, width), !line.isEmpty {
                lines.append(line)
                line = "   " + word
            } else {
                line = candidate
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
