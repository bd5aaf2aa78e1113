import ArgumentParser
import Foundation
import ImageFactoryCore
import ImageFactoryTUI

/// Options of the full-screen interface.
struct InterfaceOptions: ParsableArguments {
    @Option(help: "Theme: default, light, high-contrast, mono, or a path to a theme file.")
    var theme: String?
    @Option(help: "Keymap: default, vim, emacs (your ~/.config/imagefactory/keymap.yaml overrides it).")
    var keymap: String?

    var settings: TUISettings {
        let env = ProcessInfo.processInfo.environment
        return TUISettings(theme: theme ?? env["IMAGEFACTORY_THEME"], keymap: keymap ?? env["IMAGEFACTORY_KEYMAP"],
                           runnerExecutable: currentExecutable())
    }
}

struct OpenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open the full-screen interface on a link: /projects/ID, /projects/ID/builds/N[/logs|/artifacts], /projects/ID/builds/new.")
    @Argument(help: "A link copied from the interface (or pasted from chat).") var link: String
    @OptionGroup var interface: InterfaceOptions

    func run() async throws {
        try await withService { service in
            try TUILauncher.run(service: service, start: .link(link), settings: interface.settings)
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
        try await withService { service in
            var reference = try build.map(parseReference)
            if var r = reference, r.project == nil, let p = project.project { r.project = .name(p); reference = r }
            if let reference { _ = try service.resolve(reference) }
            try TUILauncher.run(service: service, start: .watch(reference), settings: interface.settings)
        }
    }
}
