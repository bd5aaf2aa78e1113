/// A mouse event, in screen cells.
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case leftClick, middleClick, rightClick, wheelUp, wheelDown }
    public var kind: Kind
    public var x: Int
    public var y: Int

    public init(kind: Kind, x: Int, y: Int) {
        self.kind = kind
        self.x = x
        self.y = y
    }
}

/// One input event, decoded from the terminal. Terminals never send Cmd; Ctrl+letter arrives as a control
/// byte, Alt+key as ESC then the key, Ctrl+/ as 0x1F, Enter/Ctrl+M/Ctrl+J as 0x0A.
public enum Key: Hashable, Sendable, CustomStringConvertible {
    case character(Character)
    /// Ctrl plus a lowercase letter, or "/" for Ctrl+/.
    case control(Character)
    case alt(Character)
    case up, down, left, right, home, end, pageUp, pageDown, insert, delete
    case backspace, enter, tab, backTab, escape
    case function(Int)
    case mouse(MouseEvent)
    case resize

    /// The name used in keymap files and shown in hints: `ctrl+k`, `alt+x`, `enter`, `?`, `f1`, `shift+tab`.
    public var description: String { name }

    public var name: String {
        switch self {
        case .character(" "): "space"
        case .character(let c): String(c)
        case .control(let c): "ctrl+\(c == " " ? "space" : String(c))"
        case .alt(let c): "alt+\(c == " " ? "space" : c == "\n" ? "enter" : String(c))"
        case .up: "up"
        case .down: "down"
        case .left: "left"
        case .right: "right"
        case .home: "home"
        case .end: "end"
        case .pageUp: "pgup"
        case .pageDown: "pgdn"
        case .insert: "insert"
        case .delete: "delete"
        case .backspace: "backspace"
        case .enter: "enter"
        case .tab: "tab"
        case .backTab: "shift+tab"
        case .escape: "esc"
        case .function(let n): "f\(n)"
        case .mouse(let m): "mouse:\(m.kind)"
        case .resize: "resize"
        }
    }

    /// Parses a keymap name. Accepts `ctrl+k`, `C-k`, `alt+x`, `M-x`, `enter`, `return`, `esc`, `space`,
    /// `pgdn`/`pagedown`, `shift+tab`, `f1`..`f12`, and any single character.
    public init?(name raw: String) {
        let s = raw.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return nil }
        if s.count == 1 { self = .character(s.first!); return }
        let lower = s.lowercased()
        func single(_ rest: Substring) -> Character? {
            if rest == "space" { return " " }
            return rest.count == 1 ? rest.first : nil
        }
        for prefix in ["ctrl+", "c-", "control+"] where lower.hasPrefix(prefix) {
            let rest = lower.dropFirst(prefix.count)
            guard let c = single(rest), c == "/" || c.isLetter || c == " " || c == "]" || c == "\\" else { return nil }
            self = .control(c)
            return
        }
        for prefix in ["alt+", "m-", "meta+", "opt+", "option+"] where lower.hasPrefix(prefix) {
            let rest = s.dropFirst(prefix.count)
            if rest.lowercased() == "enter" { self = .alt("\n"); return }
            guard let c = single(rest.lowercased() == "space" ? "space" : rest) else { return nil }
            self = .alt(c)
            return
        }
        switch lower {
        case "enter", "return", "ret": self = .enter
        case "esc", "escape": self = .escape
        case "tab": self = .tab
        case "shift+tab", "backtab", "s-tab": self = .backTab
        case "space": self = .character(" ")
        case "backspace", "bs": self = .backspace
        case "delete", "del": self = .delete
        case "insert", "ins": self = .insert
        case "up": self = .up
        case "down": self = .down
        case "left": self = .left
        case "right": self = .right
        case "home": self = .home
        case "end": self = .end
        case "pgup", "pageup", "page-up": self = .pageUp
        case "pgdn", "pagedown", "page-down": self = .pageDown
        default:
            if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...24).contains(n) {
                self = .function(n)
                return
            }
            return nil
        }
    }
}

import Foundation
