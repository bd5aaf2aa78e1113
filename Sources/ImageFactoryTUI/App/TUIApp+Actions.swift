import Foundation
import ImageFactoryCore
import Terminal

/// Actions the application runs itself: new build, the watch pane, the clipboard, saving the screen, suspending.
extension TUIApp {
    func openNewBuild() {
        do {
            if let project = (stack.last as? ProjectScoped)?.project {
                if let reason = Permission.startBuild.denialReason(for: role(in: project.id!)) {
                    show("New build: \(reason)")
                    return
                }
                stack.append(NewBuildScreen(project: project, drafts: drafts))
                return
            }
            // From the dashboard: the only project the user may build in, else ask which.
            let projects = try api.projects()
            learn(projects)
            let buildable = projects.filter { Permission.startBuild.denialReason(for: $0.role) == nil && $0.project.archivedAt == nil }
            if buildable.count == 1 {
                stack.append(NewBuildScreen(project: buildable[0].project, drafts: drafts))
            } else if buildable.isEmpty {
                show("New build: \(projects.isEmpty ? "you are not a member of any project: create one with `imagefactory project create NAME`" : "requires Member in a project (you are \(Set(projects.map(\.role.title)).sorted().joined(separator: ", ")))")")
            } else {
                let entries = buildable.map {
                    PaletteEntry(title: $0.project.name, subtitle: "new build in this project · \($0.role.rawValue)", keyHint: nil,
                                 kind: .project, disabledReason: nil, target: .newBuild(projectID: $0.project.id!.rawValue))
                }
                overlay = .palette(PaletteState(entries: entries, prompt: "New build in which project?"))
            }
        } catch {
            show("\(error)")
        }
    }

    /// Inside tmux, opens `imagefactory watch` for this build in a side pane.
    func openWatchPane() {
        guard terminal.capabilities.insideTmux else { return show("the watch pane needs tmux: run `imagefactory watch` in another pane") }
        guard let exe = runnerExecutable else { return show("the watch pane needs the imagefactory executable") }
        var command = shellQuote(exe) + " watch"
        if let build = (stack.last as? BuildScreen)?.build {
            command += " " + shellQuote("/projects/\(build.projectId)/builds/\(build.number.rawValue)")
        }
        // Beside the application when there is room for both (45 columns of watch, 80 of the rest), else below it.
        let side = terminal.size.width >= 125
        let split = side ? ["-h", "-l", "45"] : ["-v", "-l", String(max(8, min(14, terminal.size.height / 3)))]
        let status = (try? SimpleCommand.run(["/usr/bin/env", "tmux", "split-window"] + split + [command])) ?? 127
        show(status == 0 ? "watch pane opened" : "tmux split-window failed with status \(status)")
    }

    func copyToClipboard(_ text: String, what: String) {
        if let sent = terminal.copyToClipboard(text) {
            // A copy that did not happen stays on screen longer: it asks the user to change a setting.
            if let problem = sent.problem { return show("\(what) not copied: \(problem)", seconds: 12) }
            show("copied \(what) to the clipboard (\(text.utf8.count) bytes, \(sent.summary))", seconds: 8)
        } else {
            show("\(what) is too large for the clipboard (OSC 52 cap); save it to a file instead")
        }
    }

    func saveScreen() {
        let text = renderFrame().text + "\n"
        let name = "imagefactory-screen-\(Int(Date().timeIntervalSince1970)).txt"
        apply(.save(what: "the screen", suggested: outputDirectory.appendingPathComponent(name)) { url in
            do {
                try text.write(to: url, atomically: true, encoding: .utf8)
                return .message("screen saved to \(url.path)")
            } catch {
                return .message("cannot save the screen to \(url.path): \(error.localizedDescription)")
            }
        })
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
