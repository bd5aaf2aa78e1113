import Foundation
import ImageFactoryCore
import Terminal

/// A project: Overview (description, README, activity), Builds, Templates, Team, Settings.
final class ProjectScreen: Screen, ProjectScoped, @unchecked Sendable {
    enum Tab: Int, CaseIterable {
        case overview, builds, templates, team, settings
        var title: String { ["Overview", "Builds", "Templates", "Team", "Settings"][rawValue] }
    }

    var tabTitles: [String] { Tab.allCases.map(\.title) }

    func bindings(app: TUIApp) -> [ScreenBinding] {
        let opens: String? = switch tab {
        case .builds, .templates: nil
        case .settings: data.flatMap { Permission.changeSettings.denialReason(for: $0.role) }
        case .overview, .team: "nothing to open on this tab"
        }
        return [.moveUp, .moveDown, .top, .bottom, .nextTab, .previousTab, .newBuild].map { ScreenBinding($0) }
            + [ScreenBinding(.open, disabled: opens)]
    }

    struct Snapshot: Sendable {
        var project: Project
        var role: Role?
        var builds: [Build]
        var templates: [Template]
        var members: [MemberRow]
        var activity: [ActivityEvent]
    }

    /// The settings rows, in the order the Settings tab lists them.
    static let settings: [ProjectSetting] = [.description, .defaultMethod, .allowedMethods, .engine, .installer, .cpus, .memory, .timeout, .logLimit, .name, .archived]

    private(set) var projectValue: Project
    var project: Project? { projectValue }
    /// The setting being edited on the Settings tab, and the text typed so far.
    private(set) var editing: (setting: ProjectSetting, text: String)?
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

    func load(_ api: any FactoryAPI) throws -> (@Sendable () -> Void)? {
        let row = try api.project(id: projectValue.id!)
        let p = row.project.id!
        let snapshot = Snapshot(project: row.project, role: row.role, builds: try api.builds(project: p, limit: 200).map(\.build),
                                templates: try api.templates(in: p), members: try api.members(of: p),
                                activity: try api.activity(project: p, limit: 30))
        return { [weak self] in
            self?.data = snapshot
            self?.projectValue = snapshot.project
        }
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
            list(data.members.map { ("", t.text, "\(CellWidth.pad($0.user.displayName, to: 22)) \(CellWidth.pad($0.user.login, to: 14)) \(CellWidth.pad($0.role.rawValue, to: 7)) last active \(TUIFormat.age($0.user.lastActiveAt, now: ctx.now))") },
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
        grid.put(reason.map { " Read-only: \($0)." } ?? " Enter changes the selected setting; every change goes in the activity trail.",
                 x: rect.x, y: rect.y, style: reason == nil ? t.dim : t.warn, maxWidth: rect.width)
        let body = Rect(x: rect.x, y: rect.y + 2, width: rect.width, height: max(0, rect.height - 2))
        selected = min(selected, Self.settings.count - 1)
        for (i, setting) in Self.settings.enumerated().prefix(body.height) {
            let y = body.y + i
            // The installer command may carry credentials: only those who may change settings see it.
            let value = setting == .installer && reason != nil ? "hidden (\(reason!))" : setting.value(in: p)
            let isSelected = i == selected && reason == nil
            let style = isSelected ? t.selection : t.text
            if isSelected { grid.fill(Rect(x: body.x, y: y, width: body.width, height: 1), style: style) }
            grid.put(" " + CellWidth.pad(setting.title, to: 18), x: body.x, y: y, style: isSelected ? style : t.dim, maxWidth: body.width)
            if let editing, editing.setting == setting {
                let text = editing.text + "_"
                grid.put(text, x: body.x + 20, y: y, style: t.title, maxWidth: body.width - 20)
                grid.put("  \(setting.format) · Enter saves · Esc cancels", x: body.x + 20 + CellWidth.of(text), y: y, style: t.dim,
                         maxWidth: max(0, body.maxX - body.x - 20 - CellWidth.of(text)))
            } else {
                grid.put(value.isEmpty ? "-" : value, x: body.x + 20, y: y, style: style, maxWidth: body.width - 20)
            }
            rows.append((y, i))
        }
    }

    /// Saves an edited setting through the server, which checks the role and records the change.
    private func commit(_ setting: ProjectSetting, _ text: String, app: TUIApp) -> ScreenEffect {
        do {
            let updated = try app.api.changeProject(projectValue.id!, setting.change(text))
            projectValue = updated.project
            data?.project = updated.project
            return .message("\(setting.title) set to \(setting.value(in: updated.project).isEmpty ? "none" : setting.value(in: updated.project))")
        } catch {
            return .message("\(error)")
        }
    }

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        switch action {
        case .nextTab: tab = Tab(rawValue: (tab.rawValue + 1) % Tab.allCases.count)!; selected = 0
        case .previousTab: tab = Tab(rawValue: (tab.rawValue + Tab.allCases.count - 1) % Tab.allCases.count)!; selected = 0
        case .moveDown: selected += 1
        case .moveUp: selected = max(0, selected - 1)
        case .top: selected = 0
        case .open where tab == .settings:
            guard let data else { return ScreenEffect.none }
            if let reason = Permission.changeSettings.denialReason(for: data.role) { return .message("Settings: \(reason)") }
            let setting = Self.settings[min(selected, Self.settings.count - 1)]
            editing = (setting, setting.value(in: data.project))
        case .bottom:
            guard let data else { return ScreenEffect.none }
            let count = switch tab {
            case .builds: data.builds.count
            case .templates: data.templates.count
            case .team: data.members.count
            case .settings: Self.settings.count
            case .overview: 1
            }
            selected = max(0, count - 1)
        case .open where tab == .templates, .newBuild where tab == .templates:
            // A build from the selected template: the form opens with it filled in.
            guard let tpl = data?.templates[safe: selected] else { return nil }
            if let reason = Permission.startBuild.denialReason(for: data?.role) { return .message("New build: \(reason)") }
            let screen = NewBuildScreen(project: projectValue, drafts: app.drafts)
            app.apply(.push(screen))
            return screen.choose(tpl, app: app)
        case .open:
            guard tab == .builds, let b = data?.builds[safe: selected] else { return ScreenEffect.none }
            return .push(BuildScreen(build: b, project: projectValue, tab: .overview))
        default: return nil
        }
        return ScreenEffect.none
    }

    func handleKey(_ key: Key, app: TUIApp) -> ScreenEffect? {
        if var e = editing {
            switch key {
            case .escape: editing = nil
            case .enter:
                editing = nil
                return commit(e.setting, e.text, app: app)
            case .backspace: if !e.text.isEmpty { e.text.removeLast() }; editing = e
            case .control("u"): e.text = ""; editing = e
            case .character(let c): e.text.append(c); editing = e
            default: break
            }
            return ScreenEffect.none
        }
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
