import Foundation
import ImageFactoryCore
import Terminal

public struct TUISettings: Sendable {
    public var theme: String?
    public var keymap: String?
    /// The imagefactory binary, for the `watch` side pane.
    public var runnerExecutable: String?
    /// Also send OSC 9 and OSC 777 desktop notifications (through SSH and tmux) besides the bell.
    public var desktopNotifications: Bool

    public init(theme: String?, keymap: String?, runnerExecutable: String?, desktopNotifications: Bool = false) {
        self.theme = theme
        self.keymap = keymap
        self.runnerExecutable = runnerExecutable
        self.desktopNotifications = desktopNotifications
    }
}

public enum TUIStart: Sendable {
    case dashboard
    case link(String)
    case watch(BuildReference?)
}

/// Opens the terminal and runs the application. Theme and keymap problems are reported before the
/// screen is taken, so their file:line:column messages stay readable.
public enum TUILauncher {
    public static func run(api: any FactoryAPI, start: TUIStart, settings: TUISettings,
                           environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let baseTheme: Theme
        do {
            baseTheme = try ThemeLoader.load(settings.theme ?? backgroundTheme(environment: environment), environment: environment)
        } catch {
            throw FactoryError.invalidInput("\(error)")
        }
        let keymap: Keymap
        do {
            keymap = try KeymapLoader.load(name: settings.keymap)
        } catch {
            throw FactoryError.invalidInput("\(error)")
        }
        for warning in keymap.warnings {
            try? FileHandle.standardError.write(contentsOf: Data("warning: \(warning)\n".utf8))
        }
        let terminal: NCursesTerminal
        do {
            terminal = try NCursesTerminal(environment: environment)
        } catch {
            throw FactoryError.invalidInput("\(error)")
        }
        defer { terminal.shutdown() }
        let theme = baseTheme.resolved(for: terminal.capabilities, noColor: ThemeLoader.noColorRequested(environment: environment),
                                       colorCount: terminal.colorCount)
        let app = TUIApp(api: api, terminal: terminal, theme: theme, glyphs: Glyphs.for(terminal.capabilities),
                         registry: ActionRegistry(keymap: keymap), runnerExecutable: settings.runnerExecutable,
                         desktopNotifications: settings.desktopNotifications)
        switch start {
        case .dashboard: try app.open(link: nil)
        case .link(let link): try app.open(link: link)
        case .watch(let reference): app.openWatch(reference)
        }
        app.run()
    }

    /// No theme named: `light` when the terminal says (OSC 11) its background is light, else `default`.
    static func backgroundTheme(environment: [String: String]) -> String {
        let explicit = !(environment["IMAGEFACTORY_THEME"] ?? "").isEmpty
        guard BackgroundQuery.shouldAsk(environment: environment, explicitTheme: explicit) else { return "default" }
        return BackgroundQuery.detect(environment: environment) == .light ? "light" : "default"
    }
}
