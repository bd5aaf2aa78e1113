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
    case none
}

/// Everything a screen needs to draw itself.
struct RenderContext {
    var theme: Theme
    var glyphs: Glyphs
    var frame: Int
    var now: Date
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
}

extension Screen {
    var followedBuild: BuildID? { nil }
    func contextMenu(app: TUIApp) -> ContextMenu? { nil }
    func handleKey(_ key: Key, app: TUIApp) -> ScreenEffect? { nil }
    func handleMouse(_ event: MouseEvent, app: TUIApp) -> ScreenEffect? { nil }
}
