import Foundation
import ImageFactoryCore
import Terminal

/// The full-screen application: one loop that reads keys, applies background loads, and draws at most
/// `maxFPS` frames a second, each only when something changed. Everything it reads and does goes through
/// the client API; screens reload when the server pushes a change they show, never on a timer.
public final class TUIApp: @unchecked Sendable {
    let api: any FactoryAPI
    let terminal: TerminalBackend
    var theme: Theme
    let glyphs: Glyphs
    let registry: ActionRegistry
    var stack: [any Screen] = []
    let mailbox = Mailbox()
    var running = true
    var dirty = true
    var frame = 0
    /// The status line's message; `untilKey`: it stays until the user presses a key (or `until`).
    var message: (text: String, until: Date, untilKey: Bool)?
    var overlay: Overlay?
    var loading = Set<ObjectIdentifier>()
    var lastLoad: [ObjectIdentifier: Date] = [:]
    /// Screens whose data the server said changed since their last load.
    var stale = Set<ObjectIdentifier>()
    /// The caller's role per project, from the projects the server lists (cleared when a project changes).
    var roles: [ProjectID: Role] = [:]
    var rolesKnown = false
    var subscribedBuild: BuildID?
    /// Events and notifications wake the loop at once instead of waiting for the next key timeout.
    let wakeup = Wakeup()
    let maxFPS = 30
    /// Where "save screen" and saved logs go.
    let outputDirectory: URL
    /// The imagefactory binary, for the `watch` side pane.
    let runnerExecutable: String?
    let desktopNotifications: Bool
    /// Where New build keeps its manifests while they are written.
    let drafts: DraftStore
    var eventTask: Task<Void, Never>?

    enum Overlay {
        case help(guide: [String]?, scroll: ScrollPosition)
        /// Where to write a file: the path, editable.
        case savePath(SaveRequest)
        /// The file exists: overwrite, keep both, or cancel.
        case saveClash(SaveRequest, URL)
        case palette(PaletteState)
        case confirm(question: String, onYes: () -> ScreenEffect?)
        case menu(ContextMenu)
    }

    public init(api: any FactoryAPI, terminal: TerminalBackend, theme: Theme, glyphs: Glyphs,
                registry: ActionRegistry, outputDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                runnerExecutable: String? = nil, desktopNotifications: Bool = false, drafts: DraftStore = .standard()) {
        self.drafts = drafts
        self.runnerExecutable = runnerExecutable
        self.desktopNotifications = desktopNotifications
        self.api = api
        self.terminal = terminal
        self.theme = theme
        self.glyphs = glyphs
        self.registry = registry
        self.outputDirectory = outputDirectory
    }

    /// The caller's role in the top screen's project: drawn every frame, so asked of the server once per project.
    /// Outside a project (the dashboard), the highest role the caller has in any project: `n` there is
    /// available to anyone who may build somewhere, and refused with the role it needs otherwise.
    var role: Role? {
        guard let screen = stack.last as? ProjectScoped, let project = screen.project, let id = project.id else {
            if !rolesKnown, let projects = try? api.projects() { learn(projects) }
            rolesKnown = true
            return roles.values.max()
        }
        return role(in: id)
    }

    func role(in project: ProjectID) -> Role? {
        if let known = roles[project] { return known }
        guard let role = api.role(in: project) else { return nil }
        roles[project] = role
        return role
    }

    /// Remembers roles the server just listed, so the next frame needs no round trip.
    func learn(_ projects: [ProjectRow]) {
        roles = Dictionary(projects.map { ($0.project.id!, $0.role) }, uniquingKeysWith: { a, _ in a })
        rolesKnown = true
    }

    /// Opens the screen a link names (`/projects/1/builds/3/logs`), or the dashboard.
    public func open(link: String?) throws {
        stack = [DashboardScreen()]
        guard let link, !link.isEmpty, link != "/" else { return }
        let parts = link.split(separator: "/").map(String.init)
        guard parts.count >= 2, parts[0] == "projects", let pid = Int64(parts[1]) else {
            throw FactoryError.invalidInput("`\(link)` is not an Image Factory link: use /projects/ID[/builds/N[/logs|/artifacts]]")
        }
        let project = try api.project(id: ProjectID(rawValue: pid)).project
        if parts.count == 4, parts[2] == "builds", parts[3] == "new" {
            stack.append(ProjectScreen(project: project))
            stack.append(NewBuildScreen(project: project, drafts: drafts))
        } else if parts.count >= 4, parts[2] == "builds", let n = Int64(parts[3]) {
            let build = try api.build(BuildReference(project: .id(project.id!), number: BuildNumber(n))).row.build
            let tab: BuildScreen.Tab = parts.count >= 5 ? (parts[4] == "logs" ? .logs : parts[4] == "artifacts" ? .artifacts : .overview) : .overview
            stack.append(BuildScreen(build: build, project: project, tab: tab))
        } else if parts.count == 2 {
            stack.append(ProjectScreen(project: project))
        } else {
            throw FactoryError.invalidInput("`\(link)` is not an Image Factory link: use /projects/ID[/builds/N[/logs|/artifacts]]")
        }
    }

    /// The compact live view of one build (or the newest).
    public func openWatch(_ reference: BuildReference?) {
        stack = [WatchScreen(build: reference)]
    }

    /// Runs until the user quits.
    public func run() {
        if stack.isEmpty { stack = [DashboardScreen()] }
        listenForEvents()
        defer { eventTask?.cancel() }
        let frameInterval = 1.0 / Double(maxFPS)
        var lastFrame = Date.distantPast
        while running {
            followTopScreen()
            scheduleLoads()
            for apply in mailbox.drain() {
                apply()
                dirty = true
            }
            if let m = message, m.until < Date() { message = nil; dirty = true }
            if stack.last?.isLive == true, frame % 8 == 0 { dirty = true }
            let now = Date()
            if dirty, now.timeIntervalSince(lastFrame) >= frameInterval {
                terminal.present(renderFrame(now: now))
                lastFrame = now
                dirty = false
                frame += 1
            }
            // Idle (nothing moving, nothing pending): sleep until a key or a pushed event, not a frame tick.
            // A message on screen only needs a wake-up when it expires.
            let idle = !dirty && stack.last?.isLive != true
            let idleWait = message.map { max(1, min(1000, Int($0.until.timeIntervalSinceNow * 1000) + 1)) } ?? 1000
            if let key = readKey(timeoutMs: idle ? idleWait : Int(frameInterval * 1000)) {
                handle(key)
                dirty = true
                // Drain what is already typed before drawing, so held keys don't queue frames.
                var extra = 0
                while extra < 64, let more = readKey(timeoutMs: 0) {
                    handle(more)
                    extra += 1
                }
            } else if stack.last?.isLive == true {
                frame += 1
                if frame % 4 == 0 { dirty = true }
            }
        }
        for screen in stack.reversed() { screen.willLeave() }
        terminal.shutdown()
    }

    /// Loads the top screen's data and applies it now, as the loop would (benchmarks, tests).
    public func loadVisibleScreen() throws {
        guard let screen = stack.last else { return }
        try screen.load(api)?()
        for apply in mailbox.drain() { apply() }
    }

    /// Handles one key as if it was typed.
    public func press(_ key: Key) { handle(key) }

    /// One frame, also used by tests and by "save screen".
    public func renderFrame(now: Date = Date()) -> Grid {
        let (w, h) = terminal.size
        var grid = Grid(width: w, height: h)
        grid.fill(grid.bounds, style: theme.text)
        guard let screen = stack.last else { return grid }
        let ctx = RenderContext(theme: theme, glyphs: glyphs, frame: frame, now: now, registry: registry)
        let (header, rest) = grid.bounds.splitTop(1)
        let (body, footer) = rest.splitBottom(1)
        grid.fill(header, style: theme.header)
        let crumbs = stack.map(\.title).joined(separator: " \(glyphs.separator) ")
        grid.put(" " + crumbs, x: 0, y: 0, style: theme.header, maxWidth: max(0, w - CellWidth.of(screen.link) - 2))
        let linkX = w - CellWidth.of(screen.link) - 1
        if linkX > CellWidth.of(crumbs) + 3 { grid.put(screen.link, x: linkX, y: 0, style: theme.header.with(dim: true)) }
        screen.render(into: &grid, rect: body, context: ctx)
        renderFooter(into: &grid, rect: footer, screen: screen)
        switch overlay {
        case .help(let guide, var scroll)?:
            HelpOverlay.render(into: &grid, rect: body, registry: registry, context: screen.context, role: role,
                               offer: offer(screen), tabs: screen.tabTitles, theme: theme,
                               unicode: unicode, guidePage: guide, scroll: &scroll)
            overlay = .help(guide: guide, scroll: scroll)
        case .savePath(let request)?: SaveDialog.renderPath(request, into: &grid, rect: body, theme: theme, unicode: unicode)
        case .saveClash(let request, let url)?:
            SaveDialog.renderClash(request, existing: url, into: &grid, rect: body, theme: theme, unicode: unicode)
        case .palette(let state)?: state.render(into: &grid, rect: body, theme: theme, unicode: unicode)
        case .confirm(let question, _)?: ConfirmDialog.render(question, into: &grid, rect: body, theme: theme, unicode: unicode)
        case .menu(let menu)?: menu.render(into: &grid, rect: body, theme: theme, unicode: unicode)
        case nil: break
        }
        return grid
    }

    private func renderFooter(into grid: inout Grid, rect: Rect, screen: any Screen) {
        grid.fill(rect, style: theme.statusBar)
        if let m = message {
            // Never cut: a long message takes rows above the footer (its end is often the part that matters).
            let rows = TextWrap.wrap(" " + m.text, width: rect.width - 1, indent: "   ").suffix(max(1, rect.y - 1))
            for (i, row) in rows.enumerated() {
                let y = rect.y - (rows.count - 1) + i
                grid.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), style: theme.statusBar)
                grid.put(row, x: rect.x, y: y, style: theme.statusBar, maxWidth: rect.width)
            }
            return
        }
        var x = rect.x + 1
        let offer = self.offer(screen)
        for hint in registry.hints(in: screen.context, role: role, width: rect.width - 2, unavailable: offer.disabled, offered: offer.actions) {
            let used = grid.put(hint.key, x: x, y: rect.y, style: hint.disabledReason == nil ? theme.hintKey : theme.disabled)
            x += used + 1
            x += grid.put(hint.title, x: x, y: rect.y, style: theme.statusBar) + 2
            if x >= rect.maxX { break }
        }
    }

    var unicode: Bool { terminal.capabilities.unicode }

    /// Actions the application runs on every screen.
    static let applicationActions: Set<ActionID> = [.quit, .back, .help, .palette, .refresh, .copyLink, .saveScreen,
                                                    .watchPane, .openProject, .openBuild, .contextMenu, .suspend]

    /// What the top screen offers now: its binding table plus the application's actions, with why some
    /// cannot run and the question before a dangerous one. Hints, help, the palette, menus and keys all use it.
    struct Offer {
        var actions: Set<ActionID> = TUIApp.applicationActions
        var disabled: [ActionID: String] = [:]
        var confirm: [ActionID: String] = [:]
    }

    func offer(_ screen: any Screen) -> Offer {
        var offer = Offer()
        for binding in screen.bindings(app: self) {
            offer.actions.insert(binding.action)
            if let reason = binding.disabled { offer.disabled[binding.action] = reason }
            if let question = binding.confirm { offer.confirm[binding.action] = question }
        }
        if stack.count <= 1 { offer.disabled[.back] = "this is the first screen: q quits" }
        if !terminal.capabilities.insideTmux { offer.disabled[.watchPane] = "needs tmux: run `imagefactory watch` in another terminal" }
        return offer
    }

    var bodyRect: Rect {
        let (w, h) = terminal.size
        return Rect(x: 0, y: 1, width: w, height: h - 2)
    }

    private func readKey(timeoutMs: Int) -> Key? {
        guard timeoutMs > 0, let waitable = terminal as? WakeableInput else { return terminal.readKey(timeoutMs: timeoutMs) }
        return waitable.readKey(timeoutMs: timeoutMs, wakeFD: wakeup.readFD)
    }

    func show(_ text: String, seconds: Double = 4, untilKey: Bool = false) {
        message = (text, Date().addingTimeInterval(seconds), untilKey)
        dirty = true
    }

    // MARK: Input

    func handle(_ key: Key) {
        if case .resize = key { dirty = true; return }
        // A notification waits for the user to be back at the keyboard; their next key puts the hints back.
        if message?.untilKey == true { message = nil }
        if let current = overlay {
            handleOverlay(current, key: key)
            return
        }
        guard let screen = stack.last else { return }
        if case .mouse(let event) = key {
            apply(screen.handleMouse(event, app: self))
            return
        }
        if let effect = screen.handleKey(key, app: self) {
            apply(effect)
            return
        }
        guard let action = registry.action(for: key, in: screen.context) else { return }
        perform(action.id)
    }

    /// Runs an action from a key, the palette or a menu: only what the screen offers, refused with the reason
    /// when it cannot run, and confirmed first when the catalog marks it dangerous.
    func perform(_ id: ActionID) {
        guard let screen = stack.last else { return }
        let offer = self.offer(screen)
        let title = registry.descriptor(id)?.title ?? id.rawValue
        guard offer.actions.contains(id) else { return show("\(title) is not available on this screen") }
        if let reason = registry.disabledReason(id, role: role, extra: offer.disabled[id]) { return show("\(title): \(reason)") }
        if registry.descriptor(id)?.dangerous == true {
            overlay = .confirm(question: offer.confirm[id] ?? "\(title)? [y/N]") { [self] in
                execute(id)
                return nil
            }
            return
        }
        execute(id)
    }

    private func execute(_ id: ActionID) {
        guard let screen = stack.last else { return }
        if let effect = screen.perform(id, app: self) {
            apply(effect)
            return
        }
        switch id {
        case .quit: running = false
        case .back: if stack.count > 1 { stack.removeLast().willLeave() }
        case .help: overlay = .help(guide: nil, scroll: ScrollPosition())
        case .palette: overlay = .palette(PaletteState(entries: paletteEntries()))
        case .refresh: markAllStale(); lastLoad.removeAll()
        case .copyLink: apply(.copy(screen.link, what: "link"))
        case .saveScreen: saveScreen()
        case .newBuild: openNewBuild()
        case .watchPane: openWatchPane()
        case .openProject:
            // Only the projects, each with the caller's role: the first thing a new user looks for.
            overlay = .palette(PaletteState(entries: paletteEntries().filter { $0.kind == .project }, prompt: "Open project…"))
        case .openBuild:
            overlay = .palette(PaletteState(entries: paletteEntries().filter { $0.kind == .build }, prompt: "Open build…"))
        case .contextMenu:
            if let menu = screen.contextMenu(app: self) { overlay = .menu(menu) } else { show("no menu here") }
        case .suspend: suspendToShell()
        default: show("\(registry.descriptor(id)?.title ?? id.rawValue) is not available on this screen")
        }
    }

    func apply(_ effect: ScreenEffect?) {
        guard let effect else { return }
        switch effect {
        case .push(let s): stack.append(s)
        case .pop: if stack.count > 1 { stack.removeLast().willLeave() }
        case .quit: running = false
        case .message(let m): show(m)
        case .confirm(let q, let onYes): overlay = .confirm(question: q, onYes: onYes)
        case .copy(let text, let what): copyToClipboard(text, what: what)
        case .menu(let m): overlay = .menu(m)
        case .replace(let s):
            if !stack.isEmpty { stack.removeLast().willLeave() }
            stack.append(s)
        case .save(let what, let suggested, let write):
            overlay = .savePath(SaveRequest(what: what, path: suggested.path, suggestedName: suggested.lastPathComponent,
                                            base: outputDirectory, write: write))
        case .none: break
        }
        dirty = true
    }

}

/// Lets a screen object cross into a background load; screens only read the service there.
struct UncheckedScreen: @unchecked Sendable {
    let screen: any Screen
    init(_ screen: any Screen) { self.screen = screen }
}

/// Screens that belong to a project, so the app knows the caller's role there.
protocol ProjectScoped {
    var project: Project? { get }
}

extension TextStyle {
    func with(dim: Bool? = nil, bold: Bool? = nil, reverse: Bool? = nil) -> TextStyle {
        var s = self
        if let dim { s.dim = dim }
        if let bold { s.bold = bold }
        if let reverse { s.reverse = reverse }
        return s
    }
}
