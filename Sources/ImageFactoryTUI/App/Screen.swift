import Foundation
import ImageFactoryCore
import Terminal

/// What a screen asks the app to do.
enum ScreenEffect {
    case push(any Screen)
    case pop
    case quit
    case message(String)
    case confirm(question: String, onYes: () -> ScreenEffect?)
    case copy(String, what: String)
    case menu(ContextMenu)
    /// Replaces the top screen (a started build's page takes the New build screen's place).
    case replace(any Screen)
    /// Asks where to write a file (suggested path, editable), and what to do when it exists; then `write`.
    case save(what: String, suggested: URL, write: (URL) -> ScreenEffect?)
    case none
}

/// One action a screen runs, declared in the screen's table next to its handler (`perform`): the hint bar,
/// help, palette and context menu offer exactly these (and the application's own), so a key never promises
/// what the screen does not do.
struct ScreenBinding {
    let action: ActionID
    /// Why it cannot run now ("the build has finished"): still listed, greyed, with the reason.
    var disabled: String? = nil
    /// For an action the catalog marks dangerous: the question asked before it runs.
    var confirm: String? = nil

    init(_ action: ActionID, disabled: String? = nil, confirm: String? = nil) {
        self.action = action
        self.disabled = disabled
        self.confirm = confirm
    }
}

/// Everything a screen needs to draw itself.
struct RenderContext {
    var theme: Theme
    var glyphs: Glyphs
    var frame: Int
    var now: Date
    /// The keys of the user's keymap, so a screen's own text names the key that really runs an action.
    var registry: ActionRegistry? = nil

    /// `alt+e` for an action in a context, as the hint bar shows it; `fallback` when it has no key.
    func key(_ action: ActionID, in context: ScreenContext, or fallback: String = "the palette") -> String {
        registry?.keys(for: action, in: context).first.map(Keymap.label(for:)) ?? fallback
    }
}

/// One screen of the app. Screens own their data: `load` runs off the UI loop and returns a closure that
/// applies the result on it.
protocol Screen: AnyObject {
    var context: ScreenContext { get }
    /// The product's own path for this screen (`/projects/1/builds/3/logs`).
    var link: String { get }
    var title: String { get }
    /// Reloads data through the client API; called off the UI loop when the screen opens and when the
    /// server pushes a change it shows. Returns the change to apply on the loop.
    func load(_ api: any FactoryAPI) throws -> (@Sendable () -> Void)?
    /// Whether what is drawn moves by itself (a spinner, an elapsed time): then frames are redrawn, not reloaded.
    var isLive: Bool { get }
    /// The build whose pushed events this screen shows, if any.
    var followedBuild: BuildID? { get }
    func render(into grid: inout Grid, rect: Rect, context: RenderContext)
    /// An action from the registry, in this screen's context. Nil: not handled here.
    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect?
    /// Keys no action claims (text fields, digits). True when used.
    func handleKey(_ key: Key, app: TUIApp) -> ScreenEffect?
    func handleMouse(_ event: MouseEvent, app: TUIApp) -> ScreenEffect?
    /// The menu of the selection (right click, or the menu key).
    func contextMenu(app: TUIApp) -> ContextMenu?
    /// The screen's tabs, reached with the digit keys 1-N (listed in help).
    var tabTitles: [String] { get }
    /// The actions this screen handles now, with why one cannot run and what to ask before a dangerous one.
    func bindings(app: TUIApp) -> [ScreenBinding]
    /// The screen leaves the stack (back, replaced, or the application quits): drop what it keeps.
    func willLeave()
}

extension Screen {
    var followedBuild: BuildID? { nil }
    func contextMenu(app: TUIApp) -> ContextMenu? { nil }
    func handleKey(_ key: Key, app: TUIApp) -> ScreenEffect? { nil }
    func handleMouse(_ event: MouseEvent, app: TUIApp) -> ScreenEffect? { nil }
    var tabTitles: [String] { [] }
    func willLeave() {}
}
