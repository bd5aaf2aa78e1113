import ArgumentParser
import Foundation
import ImageFactoryCore
import ImageFactoryServer
import ImageFactoryTUI

/// Options of the full-screen interface.
struct InterfaceOptions: ParsableArguments {
    @Option(help: "Theme: default, light, high-contrast, mono, or a path to a theme file.")
    var theme: String?
    @Option(help: "Keymap: default, vim, emacs (your ~/.config/imagefactory/keymap.yaml overrides it).")
    var keymap: String?
    @Flag(name: .customLong("desktop-notifications"),
          help: "Also notify through the terminal's desktop notifications (OSC 9 and OSC 777; IMAGEFACTORY_DESKTOP_NOTIFICATIONS=1).")
    var desktopNotifications = false

    var settings: TUISettings {
        let env = ProcessInfo.processInfo.environment
        return TUISettings(theme: theme ?? env["IMAGEFACTORY_THEME"], keymap: keymap ?? env["IMAGEFACTORY_KEYMAP"],
                           runnerExecutable: currentExecutable(),
                           desktopNotifications: desktopNotifications || env["IMAGEFACTORY_DESKTOP_NOTIFICATIONS"] == "1")
    }
}

struct OpenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open the full-screen interface on a link: /projects/ID, /projects/ID/builds/N[/logs|/artifacts], /projects/ID/builds/new.")
    @Argument(help: "A link copied from the interface (or pasted from chat).") var link: String
    @OptionGroup var interface: InterfaceOptions

    func run() async throws {
        try await withClient { client in
            try await runInterface(api: client, start: .link(link), settings: interface.settings)
        }
    }
}

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "A compact live view of one build for a narrow tmux pane (follows the newest build when none is named).")
    @OptionGroup var project: ProjectOption
    @Argument(help: "Build: 7, #7, PROJECT#7 or a link (default: the newest build).") var build: String?
    @OptionGroup var interface: InterfaceOptions

    func run() async throws {
        try await withClient { client in
            var reference = try build.map(parseReference)
            if var r = reference, r.project == nil, let p = project.project { r.project = .name(p); reference = r }
            if let reference { _ = try client.build(reference) }
            try await runInterface(api: client, start: .watch(reference), settings: interface.settings)
        }
    }
}

/// Runs the interface's loop on a thread of its own: it blocks for the whole session, and a blocked thread of
/// the shared task pool (two on a two-core host) would leave its background loads one thread to share.
func runInterface(api: any FactoryAPI, start: TUIStart, settings: TUISettings) async throws {
    try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
        let thread = Thread {
            done.resume(with: Result { try TUILauncher.run(api: api, start: start, settings: settings) })
        }
        thread.name = "interface"
        thread.stackSize = 8 << 20
        thread.start()
    }
}
