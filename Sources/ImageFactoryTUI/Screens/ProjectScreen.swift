import Foundation
import ImageFactoryCore
import Terminal

/// A project: Overview (description, README, activity), Builds, Templates, Team, Settings.
final class ProjectScreen: Screen, ProjectScoped, @unchecked Sendable {
    enum Tab: Int, CaseIterable {
        case overview, builds, templates, team, settings
        var title: String { ["Overview", "Builds", "Templates", "Team", "Settings"][rawValue] }
    }

    struct Snapshot: Sendable {
        var project: Project
        var role: Role?
        var builds: [Build]
        var templates: [Template]
        var members: [(User, Role)]
        var activity: [ActivityEvent]
    }

    let projectValue: Project
    var project: Project? { projectValue }
    var tab = Tab.overview
    private(set) var data: Snapshot?
    private var selected = 0
    private var rows: [(y: Int, index: Int)] = []

    init(project: Project, tab: Tab = .overview) {
        self.projectValue = project
        self.tab = tab
    }

    let context = ScreenContext.project
    var link: String { "/projects/\(projectValue.id!)" }
    var title: String { projectValue.name }
    var isLive: Bool { data?.builds.contains { !$0.status.isFinished } ?? false }

    func load(_ service: FactoryService) throws -> (@Sendable () -> Void)? {
        let p = try service.project(id: projectValue.id!)
        let snapshot = Snapshot(project: p, role: try service.role(in: p), builds: try service.builds(in: p, limit: 200),
                                templates: try service.templates(in: p), members: try service.members(of: p),
                                activity: try service.activity(in: p, limit: 30))
        return { [weak self] in self?.data = snapshot }
    }

    func render(into grid: inout Grid, rect: Rect, context ctx: RenderContext) {
        let t = ctx.theme
        var x = rect.x + 1
        for tab in Tab.allCases {
            x += grid.put("[\(tab.title)]", x: x, y: rect.y, style: tab == self.tab ? t.tabActive : t.tabInactive) + 1
        }
        guard let data else {
            grid.put(" loading…", x: rect.x, y: rect.y + 2, style: t.dim)
            return
        }
        let body = Rect(x: rect.x, y: rect.y + 2, width: rect.width, height: rect.height - 2)
        rows.removeAll()
        switch tab {
        case .overview:
            var lines: [(String, TextStyle)] = [(" " + data.project.description, t.text), ("", t.text)]
            lines += data.project.readme.split(separator: "\n", omittingEmptySubsequences: false).map { (" " + $0, t.text) }
            lines += [("", t.text), (" Recent activity", t.accent)]
            lines += data.activity.map { (" \(CellWidth.pad(TUIFormat.age($0.createdAt, now: ctx.now), to: 10)) \($0.message)", t.text) }
            for (i, (line, style)) in lines.prefix(body.height).enumerated() {
                grid.put(line, x: body.x, y: body.y + i, style: style, maxWidth: body.width)
            }
        case .builds:
            list(data.builds.map { b in
                (ctx.glyphs.status(b.status, frame: ctx.frame), t.style(for: b.status),
                 "\(CellWidth.pad("\(b.number)", to: 6)) \(CellWidth.pad(b.name, to: 20)) \(CellWidth.pad(b.status.rawValue, to: 11)) \(CellWidth.pad(TUIFormat.age(b.createdAt, now: ctx.now), to: 10)) \(TUIFormat.duration(b.duration))")
            }, empty: "no builds yet", into: &grid, rect: body, theme: t)
        case .templates:
            list(data.templates.map { ("", t.text, "\(CellWidth.pad($0.name, to: 20)) \(CellWidth.pad($0.scope.rawValue, to: 8)) \(CellWidth.pad($0.method.rawValue, to: 7)) \($0.description)") },
                 empty: "no templates", into: &grid, rect: body, theme: t)
        case .team:
            list(data.members.map { ("", t.text, "\(CellWidth.pad($0.0.displayName, to: 22)) \(CellWidth.pad($0.0.login, to: 14)) \($0.1.rawValue)") },
                 empty: "no members", into: &grid, rect: body, theme: t)
        case .settings:
            renderSettings(data, into: &grid, rect: body, ctx: ctx)
        }
    }

    private func list(_ items: [(String, TextStyle, String)], empty: String, into grid: inout Grid, rect: Rect, theme t: Theme) {
        if items.isEmpty { grid.put("   \(empty)", x: rect.x, y: rect.y, style: t.dim) }
        selected = min(selected, max(0, items.count - 1))
        let first = max(0, selected - rect.height + 1)
        for (i, item) in items.enumerated().dropFirst(first).prefix(rect.height) {
            let y = rect.y + i - first
            let style = i == selected ? t.selection : t.text
            if i == selected { grid.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), style: style) }
            var x = rect.x + 2
            if !item.0.isEmpty { x += grid.put(item.0, x: x, y: y, style: i == selected ? style : item.1) + 1 }
            grid.put(item.2, x: x, y: y, style: style, maxWidth: rect.maxX - x)
            rows.append((y, i))
        }
    }

    private func renderSettings(_ data: Snapshot, into grid: inout Grid, rect: Rect, ctx: RenderContext) {
        let t = ctx.theme
        let p = data.project
        let reason = Permission.changeSettings.denialReason(for: data.role)
        var lines: [(String, TextStyle)] = []
        lines.append((reason.map { " Read-only: \($0)." } ?? " You can change the container engine (`imagefactory project set-engine`); the other settings arrive with the team issue.",
                      reason == nil ? t.dim : t.warn))
        lines.append(("", t.text))
        lines.append((" default method     \(p.defaultMethod.rawValue)", t.text))
        lines.append((" allowed methods    \(p.allowedMethodSet.map(\.rawValue).sorted().joined(separator: ", "))", t.text))
        lines.append((" default cpus       \(p.defaultCpus.map { String($0) } ?? "-")", t.text))
        lines.append((" default memory     \(p.defaultMemoryBytes.map { TUIFormat.bytes($0) } ?? "-")", t.text))
        lines.append((" default timeout    \(p.defaultTimeoutSeconds.map { DurationParser.format(.seconds($0)) } ?? "-")", t.text))
        lines.append((" container engine   \(p.containerEngine.rawValue)  (imagefactory project set-engine)", t.text))
        // The installer command may carry credentials: only those who may change settings see it.
        lines.append((" installer command  \(reason == nil ? (p.installerCommand ?? "none") : "hidden (\(reason!))")", t.text))
        for (i, (line, style)) in lines.prefix(rect.height).enumerated() {
            grid.put(line, x: rect.x, y: rect.y + i, style: style, maxWidth: rect.width)
        }
    }

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        switch action {
        case .nextTab: tab = Tab(rawValue: (tab.rawValue + 1) % Tab.allCases.count)!; selected = 0
        case .previousTab: tab = Tab(rawValue: (tab.rawValue + Tab.allCases.count - 1) % Tab.allCases.count)!; selected = 0
        case .moveDown: selected += 1
        case .moveUp: selected = max(0, selected - 1)
        case .top: selected = 0
        case .open:
            guard tab == .builds, let b = data?.builds[safe: selected] else { return ScreenEffect.none }
            return .push(BuildScreen(build: b, project: projectValue, tab: .overview))
        default: return nil
        }
        return ScreenEffect.none
    }

    func handleKey(_ key: Key, app: TUIApp) -> ScreenEffect? {
        if case .character(let c) = key, let n = Int(String(c)), (1...5).contains(n) {
            tab = Tab(rawValue: n - 1)!
            selected = 0
            return ScreenEffect.none
        }
        return nil
    }

    func handleMouse(_ event: MouseEvent, app: TUIApp) -> ScreenEffect? {
        switch event.kind {
        case .wheelDown: return perform(.moveDown, app: app)
        case .wheelUp: return perform(.moveUp, app: app)
        case .leftClick:
            guard let hit = rows.first(where: { $0.y == event.y }) else { return nil }
            if hit.index == selected { return perform(.open, app: app) }
            selected = hit.index
            return ScreenEffect.none
        default: return nil
        }
    }
}
