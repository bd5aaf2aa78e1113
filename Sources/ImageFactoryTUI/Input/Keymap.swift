import Foundation
import Terminal

/// Which keys run which action. Built from a keymap file (and the user's override) by `KeymapLoader`.
public struct Keymap: Sendable, Hashable {
    public var name: String
    public private(set) var bindings: [ActionID: [Key]]
    /// Things worth telling the user that do not stop the keymap from working (a key moved from one action
    /// to another by the override, an action whose only key is tmux's prefix).
    public var warnings: [String] = []

    public init(name: String, bindings: [ActionID: [Key]]) {
        self.name = name
        self.bindings = bindings
    }

    /// The keys of an action, preferred first; empty when unbound.
    public func keys(for action: ActionID) -> [Key] { bindings[action] ?? [] }

    public mutating func bind(_ action: ActionID, to keys: [Key]) { bindings[action] = keys }

    /// Pairs of actions that share a context and a key. Sharing with a global action is not a conflict:
    /// the context's binding shadows the global one there.
    public func conflicts(among actions: [ActionDescriptor] = ActionDescriptor.all) -> [KeymapConflict] {
        var result: [KeymapConflict] = []
        for (i, a) in actions.enumerated() {
            let aKeys = Set(keys(for: a.id))
            guard !aKeys.isEmpty else { continue }
            for b in actions[(i + 1)...] {
                let shared = a.contexts.intersection(b.contexts)
                guard !shared.isEmpty else { continue }
                for key in keys(for: b.id) where aKeys.contains(key) {
                    let context = ScreenContext.allCases.first { shared.contains($0) } ?? .global
                    result.append(KeymapConflict(key: key, first: a.id, second: b.id, context: context))
                }
            }
        }
        return result
    }

    // MARK: - Key names

    /// Parses a key as written in keymap files. Everything `Key(name:)` accepts, plus `shift+f1`..`shift+f12`
    /// (which terminals report as F13-F24) and `shift+LETTER` for the capital letter.
    public static func parseKey(_ raw: String) -> Key? {
        let name = raw.trimmingCharacters(in: .whitespaces)
        let lower = name.lowercased()
        if lower.hasPrefix("shift+"), lower != "shift+tab" {
            let rest = lower.dropFirst("shift+".count)
            if rest.hasPrefix("f"), let n = Int(rest.dropFirst()), (1...12).contains(n) { return .function(n + 12) }
            if rest.count == 1, let c = rest.first, c.isLetter { return .character(Character(c.uppercased())) }
            return nil
        }
        guard let key = Key(name: name) else { return nil }
        switch key {
        case .mouse, .resize: return nil
        default: return key
        }
    }

    /// Why a parseable key can never arrive as written, or nil when it can.
    static func unreachableReason(_ key: Key) -> String? {
        switch key {
        case .control("m"), .control("j"): "ctrl+m and ctrl+j arrive as enter; bind `enter`"
        case .control("i"): "ctrl+i arrives as tab; bind `tab`"
        case .control("h"): "ctrl+h arrives as backspace; bind `backspace`"
        case .control(" "): "ctrl+space arrives as a NUL byte that terminals do not report reliably"
        default: nil
        }
    }

    /// The name a keymap file would use and hints show: `ctrl+k`, `alt+enter`, `shift+f10`, `?`.
    public static func label(for key: Key) -> String {
        switch key {
        case .alt("\n"), .alt("\r"): "alt+enter"
        case .function(let n) where n > 12 && n <= 24: "shift+f\(n - 12)"
        default: key.name
        }
    }

    /// tmux's default prefix: it never reaches an application inside tmux.
    public static let tmuxPrefix = Key.control("b")
}

/// Two actions of one context bound to the same key.
public struct KeymapConflict: Sendable, Hashable, CustomStringConvertible {
    public var key: Key
    public var first: ActionID
    public var second: ActionID
    public var context: ScreenContext

    public var description: String {
        "`\(Keymap.label(for: key))` is bound to both `\(first)` and `\(second)` (\(context.rawValue))"
    }
}
