import Foundation
import ImageFactoryCore
import Terminal

/// The full-screen application: one loop that reads keys, applies background loads, and draws at most
/// `maxFPS` frames a second, each only when something changed. Everything it does goes through FactoryService.
public final class TUIApp: @unchecked Sendable {
    let service: FactoryService
    let terminal: TerminalBackend
    var theme: Theme
    let glyphs: Glyphs
    let registry: ActionRegistry
    private(set) var stack: [any Screen] = []
    private let mailbox = Mailbox()
    private var running = true
    private var dirty = true
    private var frame = 0
    private var message: (text: String, until: Date)?
    private var overlay: Overlay?
    private var loading = Set<ObjectIdentifier>()
    private var lastLoad: [ObjectIdentifier: Date] = [:]
    let maxFPS = 30
    /// Where "save screen" and saved logs go.
    let outputDirectory: URL
    /// The imagefactory binary, for the `watch` side pane.
    let runnerExecutable: String?
    /// Starts and cancels builds (through the build server when one is given).
    let control: any BuildControl
    let desktopNotifications: Bool
    private var notificationTask: Task<Void, Never>?

    enum Overlay {
        case help(guide: [String]?, scroll: Int)
        case palette(PaletteState)
        case confirm(question: String, onYes: () -> ScreenEffect?)
        case menu(ContextMenu)
    }

    public init(service: FactoryService, terminal: TerminalBackend, theme: Theme, glyphs: Glyphs,
                registry: ActionRegistry, outputDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                runnerExecutable: String? = nil, control: (any BuildControl)? = nil, desktopNotifications: Bool = false) {
        self.runnerExecutable = runnerExecutable
        self.control = control ?? LocalBuildControl(service: service)
        self.desktopNotifications = desktopNotifications
        self.service = service
        self.terminal = terminal
        self.theme = theme
        self.glyphs = glyphs
        self.registry = registry
        self.outputDirectory = outputDirectory
    }

    var role: Role? {
        guard let screen = stack.last as? ProjectScoped, let project = screen.project else { return nil }
        return try? service.role(in: project)
    }

    /// Opens the screen a link names (`/projects/1/builds/3/logs`), or the dashboard.
    public func open(link: String?) throws {
        stack = [DashboardScreen()]
        guard let link, !link.isEmpty, link != "/" else { return }
        let parts = link.split(separator: "/").map(String.init)
        guard parts.count >= 2, parts[0] == "projects", let pid = Int64(parts[1]) else {
            throw FactoryError.invalidInput("`\(link)` is not an Image Factory link: use /projects/ID[/builds/N[/logs|/artifacts]]")
        }
        let project = try service.project(id: ProjectID(rawValue: pid))
        if parts.count == 4, parts[2] == "builds", parts[3] == "new" {
            stack.append(ProjectScreen(project: project))
            stack.append(NewBuildScreen(project: project, draftDirectory: outputDirectory))
        } else if parts.count >= 4, parts[2] == "builds", let n = Int64(parts[3]) {
            let (build, _) = try service.resolve(BuildReference(project: .id(project.id!), number: BuildNumber(n)))
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
        listenForNotifications()
        // Probing the build tools takes a few hundred milliseconds: done off the loop before the first review needs it.
        Thread.detachNewThread { _ = MethodEnvironment.current() }
        defer { notificationTask?.cancel() }
        let frameInterval = 1.0 / Double(maxFPS)
        var lastFrame = Date.distantPast
        while running {
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
            if let key = terminal.readKey(timeoutMs: Int(frameInterval * 1000)) {
                handle(key)
                dirty = true
                // Drain what is already typed before drawing, so held keys don't queue frames.
                var extra = 0
                while extra < 64, let more = terminal.readKey(timeoutMs: 0) {
                    handle(more)
                    extra += 1
                }
            } else if stack.last?.isLive == true {
                frame += 1
                if frame % 4 == 0 { dirty = true }
            }
        }
        terminal.shutdown()
    }

    /// Loads the top screen's data and applies it now, as the loop would (benchmarks, tests).
    public func loadVisibleScreen() throws {
        guard let screen = stack.last else { return }
        try screen.load(service)?()
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
        let ctx = RenderContext(theme: theme, glyphs: glyphs, frame: frame, now: now)
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
        case .help(let guide, let scroll)?:
            HelpOverlay.render(into: &grid, rect: body, registry: registry, context: screen.context, role: role, theme: theme,
                               unicode: unicode, guidePage: guide, scroll: scroll)
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
            grid.put(" " + m.text, x: rect.x, y: rect.y, style: theme.statusBar, maxWidth: rect.width)
            return
        }
        var x = rect.x + 1
        for hint in registry.hints(in: screen.context, role: role, width: rect.width - 2) {
            let used = grid.put(hint.key, x: x, y: rect.y, style: hint.disabledReason == nil ? theme.hintKey : theme.disabled)
            x += used + 1
            x += grid.put(hint.title, x: x, y: rect.y, style: theme.statusBar) + 2
            if x >= rect.maxX { break }
        }
    }

    var unicode: Bool { terminal.capabilities.unicode }

    var bodyRect: Rect {
        let (w, h) = terminal.size
        return Rect(x: 0, y: 1, width: w, height: h - 2)
    }

    /// The user's build notifications arrive on the loop as a message, a bell and, when enabled, a
    /// desktop notification (OSC 9 and OSC 777, wrapped for tmux).
    private func listenForNotifications() {
        let stream = control.notifications()
        let mailbox = self.mailbox
        notificationTask = Task.detached { [self] in
            for await n in stream {
                mailbox.post { self.notify(n) }
            }
        }
    }

    func notify(_ n: BuildNotification) {
        show((n.isFailure ? "✗ " : n.kind == "build.succeeded" ? "✓ " : "● ") + n.message, seconds: 6)
        terminal.bell()
        if desktopNotifications {
            let tmux = terminal.capabilities.insideTmux
            terminal.writeRaw(DesktopNotification.osc9("Image Factory: " + n.message, insideTmux: tmux))
            terminal.writeRaw(DesktopNotification.osc777(title: "Image Factory", body: n.message, insideTmux: tmux))
        }
    }

    func show(_ text: String, seconds: Double = 4) {
        message = (text, Date().addingTimeInterval(seconds))
        dirty = true
    }

    // MARK: Input

    func handle(_ key: Key) {
        if case .resize = key { dirty = true; return }
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
        if let reason = registry.disabledReason(action, role: role) {
            show("\(action.title): \(reason)")
            return
        }
        perform(action.id)
    }

    func perform(_ id: ActionID) {
        guard let screen = stack.last else { return }
        if let effect = screen.perform(id, app: self) {
            apply(effect)
            return
        }
        switch id {
        case .quit: running = false
        case .back: if stack.count > 1 { stack.removeLast() } else { running = false }
        case .help: overlay = .help(guide: nil, scroll: 0)
        case .palette: overlay = .palette(PaletteState(entries: paletteEntries()))
        case .refresh: lastLoad.removeAll()
        case .copyLink: apply(.copy(screen.link, what: "link"))
        case .saveScreen: saveScreen()
        case .newBuild: openNewBuild()
        case .watchPane: openWatchPane()
        case .openProject, .openBuild: overlay = .palette(PaletteState(entries: paletteEntries()))
        case .contextMenu:
            if let menu = screen.contextMenu(app: self) { overlay = .menu(menu) } else { show("no menu here") }
        case .suspend: suspendToShell()
        default: show("\(registry.descriptor(id)?.title ?? id.rawValue) is not available on this screen")
        }
    }

    private func openNewBuild() {
        do {
            let project = try (stack.last as? ProjectScoped)?.project ?? service.project(nil)
            if let reason = Permission.startBuild.denialReason(for: try service.role(in: project)) {
                show("New build: \(reason)")
                return
            }
            stack.append(NewBuildScreen(project: project, draftDirectory: outputDirectory))
        } catch {
            show("\(error)")
        }
    }

    /// Inside tmux, opens `imagefactory watch` for this build in a side pane.
    private func openWatchPane() {
        guard terminal.capabilities.insideTmux else { return show("the watch pane needs tmux: run `imagefactory watch` in another pane") }
        guard let exe = runnerExecutable else { return show("the watch pane needs the imagefactory executable") }
        var command = shellQuote(exe) + " watch"
        if let build = (stack.last as? BuildScreen)?.build {
            command += " " + shellQuote("/projects/\(build.projectId)/builds/\(build.number.rawValue)")
        }
        let status = (try? SimpleCommand.run(["/usr/bin/env", "tmux", "split-window", "-h", "-l", "45", command])) ?? 127
        show(status == 0 ? "watch pane opened" : "tmux split-window failed with status \(status)")
    }

    func apply(_ effect: ScreenEffect?) {
        guard let effect else { return }
        switch effect {
        case .push(let s): stack.append(s)
        case .pop: if stack.count > 1 { stack.removeLast() }
        case .quit: running = false
        case .message(let m): show(m)
        case .confirm(let q, let onYes): overlay = .confirm(question: q, onYes: onYes)
        case .copy(let text, let what): copyToClipboard(text, what: what)
        case .menu(let m): overlay = .menu(m)
        case .none: break
        }
        dirty = true
    }

    private func handleOverlay(_ current: Overlay, key: Key) {
        switch current {
        case .help(let guide, let scroll):
            switch key {
            case .escape, .character("q"), .character("?"), .control("/"): overlay = nil
            case .tab, .backTab: overlay = .help(guide: guide == nil ? guidePage() : nil, scroll: 0)
            case .down, .character("j"): overlay = .help(guide: guide, scroll: scroll + 1)
            case .up, .character("k"): overlay = .help(guide: guide, scroll: max(0, scroll - 1))
            default: break
            }
        case .confirm(_, let onYes):
            switch key {
            case .character("y"), .character("Y"), .enter:
                overlay = nil
                apply(onYes())
            case .character("n"), .character("N"), .escape, .character("q"):
                overlay = nil
                show("cancelled")
            default: break
            }
        case .menu(var menu):
            switch key {
            case .escape, .character("q"): overlay = nil
            case .enter:
                overlay = nil
                if let item = menu.selectedItem { perform(item.action) }
            case .mouse(let event) where event.kind == .leftClick:
                overlay = nil
                if let item = menu.item(atY: event.y, in: bodyRect) { perform(item.action) }
            default:
                menu.handle(key)
                overlay = .menu(menu)
            }
        case .palette(var state):
            switch key {
            case .escape: overlay = nil
            case .enter:
                overlay = nil
                if let entry = state.selectedEntry { runPalette(entry) }
            default:
                state.handle(key)
                overlay = .palette(state)
            }
        }
    }

    private func guidePage() -> [String] {
        let project = (stack.last as? ProjectScoped)?.project ?? (try? service.project(nil))
        let admins = project.flatMap { try? service.members(of: $0) }?.filter { $0.1 >= .admin } ?? []
        return HelpOverlay.guidePage(project: project, admins: admins)
    }

    // MARK: Palette

    func paletteEntries() -> [PaletteEntry] {
        var entries = registry.paletteEntries(context: stack.last?.context ?? .global, role: role)
        if let projects = try? service.projects() {
            for p in projects {
                entries.append(PaletteEntry(title: p.project.name, subtitle: "project · \(p.role.rawValue)", keyHint: nil,
                                            kind: .project, disabledReason: nil, target: .project(p.project.id!.rawValue)))
                if let templates = try? service.templates(in: p.project) {
                    for t in templates {
                        entries.append(PaletteEntry(title: t.name, subtitle: "\(t.scope.rawValue) template · \(t.method.rawValue)",
                                                    keyHint: nil, kind: .template, disabledReason: nil, target: .template(name: t.name)))
                    }
                }
            }
            let names = Dictionary(uniqueKeysWithValues: projects.map { ($0.project.id!, $0.project.name) })
            for b in (try? service.builds(in: nil, limit: 200)) ?? [] {
                entries.append(PaletteEntry(title: "\(b.number) \(b.name)", subtitle: "build · \(names[b.projectId] ?? "") · \(b.status.rawValue)",
                                            keyHint: nil, kind: .build, disabledReason: nil,
                                            target: .build(projectID: b.projectId.rawValue, number: b.number.rawValue)))
                if b.status == .succeeded, let artifacts = try? service.artifacts(of: b) {
                    for a in artifacts {
                        entries.append(PaletteEntry(title: a.name, subtitle: "artifact · \(names[b.projectId] ?? "")\(b.number)",
                                                    keyHint: nil, kind: .artifact, disabledReason: nil,
                                                    target: .artifact(buildID: b.id!.rawValue, name: a.name)))
                    }
                }
            }
        }
        return entries
    }

    private func runPalette(_ entry: PaletteEntry) {
        if let reason = entry.disabledReason {
            show("\(entry.title): \(reason)")
            return
        }
        do {
            switch entry.target {
            case .action(let id): perform(id)
            case .project(let id):
                stack.append(ProjectScreen(project: try service.project(id: ProjectID(rawValue: id))))
            case .build(let projectID, let number):
                let (build, project) = try service.resolve(BuildReference(project: .id(ProjectID(rawValue: projectID)), number: BuildNumber(number)))
                stack.append(BuildScreen(build: build, project: project, tab: .overview))
            case .artifact(let buildID, _):
                let (build, project) = try service.build(id: BuildID(rawValue: buildID))
                stack.append(BuildScreen(build: build, project: project, tab: .artifacts))
            case .template(let name):
                show("template \(name): write it to a file with `imagefactory build new --template \(name)`")
            }
        } catch {
            show("\(error)")
        }
    }

    // MARK: Loading

    private func scheduleLoads() {
        guard let screen = stack.last else { return }
        let id = ObjectIdentifier(screen)
        guard !loading.contains(id) else { return }
        let interval: TimeInterval = screen.isLive ? 0.25 : 5
        if let last = lastLoad[id], Date().timeIntervalSince(last) < interval { return }
        loading.insert(id)
        lastLoad[id] = Date()
        let service = self.service
        let mailbox = self.mailbox
        let box = UncheckedScreen(screen)
        Task.detached {
            let result: Result<(@Sendable () -> Void)?, Error> = Result { try box.screen.load(service) }
            mailbox.post { [weak self] in
                self?.loading.remove(id)
                switch result {
                case .success(let apply?): apply()
                case .success(nil): break
                case .failure(let error): self?.show("\(error)")
                }
            }
        }
    }

    /// Runs slow work (a search count over millions of lines) off the loop and applies its result on it.
    func background<T: Sendable>(_ job: @escaping @Sendable () throws -> T, then apply: @escaping @Sendable (Result<T, Error>) -> Void) {
        let mailbox = self.mailbox
        Task.detached {
            let result = Result { try job() }
            mailbox.post { apply(result) }
        }
    }

    // MARK: Clipboard, screenshots, suspend

    func copyToClipboard(_ text: String, what: String) {
        let tmux = terminal.capabilities.insideTmux
        if let bytes = OSC52.sequence(for: text, insideTmux: tmux) {
            terminal.writeRaw(bytes)
            show("copied \(what) to the clipboard (\(text.utf8.count) bytes, OSC 52)")
        } else {
            show("\(what) is too large for the clipboard (OSC 52 cap); save it to a file instead")
        }
    }

    func saveScreen() {
        let grid = renderFrame()
        let name = "imagefactory-screen-\(Int(Date().timeIntervalSince1970)).txt"
        let url = outputDirectory.appendingPathComponent(name)
        do {
            try (grid.text + "\n").write(to: url, atomically: true, encoding: .utf8)
            show("screen saved to \(url.path)")
        } catch {
            show("cannot save the screen to \(url.path): \(error.localizedDescription)")
        }
    }

    func suspendToShell() {
        terminal.suspend()
        raise(SIGSTOP)
        terminal.resume()
        dirty = true
    }

    /// Leaves the full screen to run a program with the terminal (e.g. $EDITOR), then comes back.
    func withSuspendedScreen<T>(_ body: () throws -> T) rethrows -> T {
        terminal.suspend()
        defer {
            terminal.resume()
            dirty = true
        }
        return try body()
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
