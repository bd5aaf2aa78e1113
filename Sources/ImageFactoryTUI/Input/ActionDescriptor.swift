import ImageFactoryCore

/// Everything the interface knows about one action: one table feeds the help overlay, the hint bar,
/// the command palette and the permission check, so they never disagree.
public struct ActionDescriptor: Sendable, Hashable, Identifiable {
    public var id: ActionID
    /// As shown in the palette and help: "Start build".
    public var title: String
    /// As shown in the hint bar, where room is short: "start".
    public var shortTitle: String
    /// Groups the help overlay: "Build", "Logs", "Navigation".
    public var category: String
    public var contexts: Set<ScreenContext>
    /// The permission the caller's role must hold; nil when anyone may.
    public var permission: Permission?
    /// Asks for confirmation before running.
    public var dangerous: Bool
    public var showInHints: Bool
    /// Listed in the command palette (moving the cursor is not).
    public var showInPalette: Bool
    /// Place in the hint bar: lower comes first.
    public var hintOrder: Int
    public var help: String

    public init(id: ActionID, title: String, shortTitle: String? = nil, category: String,
                contexts: Set<ScreenContext>, permission: Permission? = nil, dangerous: Bool = false,
                showInHints: Bool = false, showInPalette: Bool = true, hintOrder: Int = 100, help: String) {
        self.id = id
        self.title = title
        self.shortTitle = shortTitle ?? title.lowercased()
        self.category = category
        self.contexts = contexts
        self.permission = permission
        self.dangerous = dangerous
        self.showInHints = showInHints
        self.showInPalette = showInPalette
        self.hintOrder = hintOrder
        self.help = help
    }

    /// Whether the action applies in `context`, directly or because it is global.
    public func applies(in context: ScreenContext) -> Bool {
        contexts.contains(context) || contexts.contains(.global)
    }
}
