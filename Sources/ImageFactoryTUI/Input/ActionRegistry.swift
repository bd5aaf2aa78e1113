import ImageFactoryCore
import Terminal

/// One entry of the hint bar: `ctrl+k commands`.
public struct Hint: Sendable, Hashable {
    public var action: ActionID
    /// The key as shown: `ctrl+k`, `?`, `enter`.
    public var key: String
    /// The action's short title: `commands`.
    public var title: String
    /// Set only when disabled hints were asked for: draw the hint greyed out.
    public var disabledReason: String?

    public init(action: ActionID, key: String, title: String, disabledReason: String? = nil) {
        self.action = action
        self.key = key
        self.title = title
        self.disabledReason = disabledReason
    }

    /// Columns taken by the key, a space and the title.
    public var width: Int { CellWidth.of(key) + 1 + CellWidth.of(title) }
    /// Columns between two hints.
    public static let separatorWidth = 2
}

/// The actions with their keys, for one keymap: answers which action a key runs in a context,
/// what the help overlay, hint bar and palette list, and why an action is unavailable.
public struct ActionRegistry: Sendable {
    public let actions: [ActionDescriptor]
    public let keymap: Keymap
    private let byID: [ActionID: ActionDescriptor]
    /// Per context: key -> action, the context's own bindings first, then the global ones they leave free.
    private let lookup: [ScreenContext: [Key: ActionID]]

    public init(actions: [ActionDescriptor] = ActionDescriptor.all, keymap: Keymap) {
        self.actions = actions
        self.keymap = keymap
        byID = Dictionary(actions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var lookup: [ScreenContext: [Key: ActionID]] = [:]
        for context in ScreenContext.allCases {
            var table: [Key: ActionID] = [:]
            for action in actions where action.contexts.contains(context) {
                for key in keymap.keys(for: action.id) where table[key] == nil { table[key] = action.id }
            }
            for action in actions where action.contexts.contains(.global) {
                for key in keymap.keys(for: action.id) where table[key] == nil { table[key] = action.id }
            }
            lookup[context] = table
        }
        self.lookup = lookup
    }

    public func descriptor(_ id: ActionID) -> ActionDescriptor? { byID[id] }

    /// The action `key` runs in `context`: the context's binding, else the global one. While the user types
    /// in a text field (`typing`), printable characters and space are text, never actions.
    public func action(for key: Key, in context: ScreenContext, typing: Bool = false) -> ActionDescriptor? {
        if typing, case .character = key { return nil }
        return lookup[context]?[key].flatMap { byID[$0] }
    }

    /// The keys that run `action` in `context`: its bindings minus those a context binding shadows.
    public func keys(for action: ActionID, in context: ScreenContext) -> [Key] {
        keymap.keys(for: action).filter { lookup[context]?[$0] == action }
    }

    /// For the help overlay: the context's actions, then the global ones, each with the keys that reach it
    /// here (possibly none: it is still listed, and the palette runs it).
    public func bindings(in context: ScreenContext, offered: Set<ActionID>? = nil) -> [(ActionDescriptor, [Key])] {
        let own = actions.filter { $0.contexts.contains(context) && !$0.contexts.contains(.global) && offered?.contains($0.id) != false }
        let global = actions.filter { $0.contexts.contains(.global) && offered?.contains($0.id) != false }
        return (own + global).map { ($0, keys(for: $0.id, in: context)) }
    }

    /// Nil when the action may run; otherwise why not, for showing greyed out: the permission first
    /// ("requires Member (you are Viewer)"), then the screen's own reason (`extra`, like "the build has finished").
    public func disabledReason(_ action: ActionDescriptor, role: Role?, extra: String? = nil) -> String? {
        if let permission = action.permission, let reason = permission.denialReason(for: role) { return reason }
        return extra
    }

    public func disabledReason(_ id: ActionID, role: Role?, extra: String? = nil) -> String? {
        guard let action = byID[id] else { return "unknown action `\(id)`" }
        return disabledReason(action, role: role, extra: extra)
    }

    /// The one-line hint bar: the context's most useful available actions, then the global ones, as many as
    /// fit in `width` with `Hint.separatorWidth` between them. The help hint is kept whenever it fits at all,
    /// so the way to every other key is always on screen. `unavailable` holds the screen's own reasons; while
    /// `typing`, only keys that are not text are offered (`q` types a q in the palette's query). Unavailable
    /// actions are left out unless `includeDisabled`, which lists them with their reason, to draw greyed out.
    public func hints(in context: ScreenContext, role: Role?, width: Int,
                      unavailable: [ActionID: String] = [:], typing: Bool = false,
                      includeDisabled: Bool = false, offered: Set<ActionID>? = nil) -> [Hint] {
        func hint(_ action: ActionDescriptor) -> Hint? {
            let reason = disabledReason(action, role: role, extra: unavailable[action.id])
            guard action.showInHints, offered?.contains(action.id) != false, !(context == .palette && action.id == .palette),
                  reason == nil || includeDisabled,
                  let key = keys(for: action.id, in: context).first(where: { key in
                      if typing, case .character = key { return false }
                      return true
                  })
            else { return nil }
            return Hint(action: action.id, key: Keymap.label(for: key), title: action.shortTitle, disabledReason: reason)
        }
        let own = actions.filter { $0.contexts.contains(context) && !$0.contexts.contains(.global) }
            .sorted { $0.hintOrder < $1.hintOrder }.compactMap(hint)
        let global = actions.filter { $0.contexts.contains(.global) && $0.id != .help }
            .sorted { $0.hintOrder < $1.hintOrder }.compactMap(hint)
        let help = byID[.help].flatMap(hint)

        var used = help.map(\.width) ?? 0
        if used > width { return [] }
        var chosen: [Hint] = []
        for candidate in own + global {
            let extra = candidate.width + (used > 0 ? Hint.separatorWidth : 0)
            if used + extra <= width {
                chosen.append(candidate)
                used += extra
            }
        }
        if let help { chosen.append(help) }
        return chosen
    }

    /// The palette's actions: those that apply in `context` and belong in a palette, with their key and,
    /// when unavailable, why (they stay listed, greyed out, so the user learns the reason).
    public func paletteEntries(context: ScreenContext, role: Role?,
                               unavailable: [ActionID: String] = [:], offered: Set<ActionID>? = nil) -> [PaletteEntry] {
        actions.filter { $0.showInPalette && $0.applies(in: context) && $0.id != .palette && offered?.contains($0.id) != false }.map { action in
            PaletteEntry(title: action.title, subtitle: action.category,
                         keyHint: keys(for: action.id, in: context).first.map(Keymap.label(for:)),
                         kind: .action,
                         disabledReason: disabledReason(action, role: role, extra: unavailable[action.id]),
                         target: .action(action.id))
        }
    }
}
