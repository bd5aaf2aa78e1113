import Foundation
import ImageFactoryCore
import Terminal

/// What the server pushes, and loading screens: events mark the screens that show them stale; the top
/// screen reloads off the loop (at most ten times a second) and its result is applied on the loop.
extension TUIApp {
    /// What the server pushes arrives on the loop: the screens that show it reload, and the user's build
    /// notifications become a message, a bell and, when enabled, a desktop notification (OSC 9 and OSC 777).
    func listenForEvents() {
        let api = self.api
        let mailbox = self.mailbox
        let wakeup = self.wakeup
        eventTask = Task.detached { [self] in
            do {
                try api.subscribeDashboard()
                try api.subscribeNotifications()
            } catch {
                mailbox.post { self.show("live updates are off: \(error)") }
            }
            for await event in api.events {
                mailbox.post { self.receive(event) }
                wakeup.signal()
            }
        }
    }

    func receive(_ event: ServerEvent) {
        switch event {
        case .notification(let n):
            notify(n)
            markAllStale()
        case .dashboard:
            markAllStale()
        case .projectChanged(let id):
            roles.removeValue(forKey: id)
            rolesKnown = false
            markAllStale()
        case .build(let row):
            markStale(following: row.build.id!)
        case .step(let step):
            markStale(following: step.buildId)
        case .metric(let m):
            markStale(following: m.buildId)
        case .artifact(let a):
            markStale(following: a.buildId)
        case .stopping(let reason):
            show("the build server went away: \(reason)", seconds: 30)
        case .welcome, .behind:
            break
        }
    }

    func markAllStale() {
        for s in stack { stale.insert(ObjectIdentifier(s)) }
    }

    func markStale(following build: BuildID) {
        for s in stack where s.followedBuild == build { stale.insert(ObjectIdentifier(s)) }
    }

    /// The top screen's build is the one the server streams events of.
    func followTopScreen() {
        let wanted = stack.last?.followedBuild
        guard wanted != subscribedBuild else { return }
        let previous = subscribedBuild
        subscribedBuild = wanted
        let api = self.api
        Task.detached {
            if let previous { try? api.unsubscribe(build: previous) }
            if let wanted { try? api.subscribe(build: wanted, fromSeq: 0, lines: false) }
        }
    }

    func notify(_ n: BuildNotification) {
        // Seen when the user looks back at the screen, not only in the seconds after it came.
        show((n.isFailure ? "✗ " : n.kind == "build.succeeded" ? "✓ " : "● ") + n.message, seconds: 120, untilKey: true)
        terminal.bell()
        if desktopNotifications {
            let tmux = terminal.capabilities.insideTmux
            terminal.writeRaw(DesktopNotification.osc9("Image Factory: " + n.message, insideTmux: tmux))
            terminal.writeRaw(DesktopNotification.osc777(title: "Image Factory", body: n.message, insideTmux: tmux))
        }
    }

    /// Loads the top screen when it opens and when a pushed event says its data changed (at most ten
    /// times a second: a fast build's events coalesce into one reload).
    func scheduleLoads() {
        guard let screen = stack.last else { return }
        let id = ObjectIdentifier(screen)
        guard !loading.contains(id) else { return }
        if let last = lastLoad[id] {
            guard stale.contains(id), Date().timeIntervalSince(last) >= 0.1 else { return }
        }
        stale.remove(id)
        loading.insert(id)
        lastLoad[id] = Date()
        let api = self.api
        let mailbox = self.mailbox
        let wakeup = self.wakeup
        let box = UncheckedScreen(screen)
        Task.detached {
            let result: Result<(@Sendable () -> Void)?, Error> = Result { try box.screen.load(api) }
            defer { wakeup.signal() }
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
        let wakeup = self.wakeup
        Task.detached {
            let result = Result { try job() }
            mailbox.post { apply(result) }
            wakeup.signal()
        }
    }
}
