@preconcurrency import CNCursesW

/// Turns what ncurses' `get_wch` returns into `Key`s. Pure, so the whole table is testable without a terminal.
public enum KeyDecoder {
    /// One read from the terminal.
    public enum Input: Hashable, Sendable {
        /// A character (`get_wch` returned OK).
        case character(UInt32)
        /// A key code (`get_wch` returned KEY_CODE_YES), other than KEY_MOUSE.
        case keyCode(Int32)
        /// KEY_MOUSE, already fetched with `getmouse`.
        case mouse(MouseReport)
    }

    /// The parts of ncurses' MEVENT that matter: the button state mask and the cell.
    public struct MouseReport: Hashable, Sendable {
        public var buttons: UInt32
        public var x: Int
        public var y: Int

        public init(buttons: UInt32, x: Int, y: Int) {
            self.buttons = buttons
            self.x = x
            self.y = y
        }
    }

    /// Decodes `input`. `next` reads one more input within the escape delay (nil when none came); it is
    /// only called after ESC. An input read but not used comes back as `unused`, for the caller to
    /// decode next. `key` is nil for inputs that mean nothing to the TUI (mouse releases, unknown codes).
    public static func decode(_ input: Input, next: () -> Input?) -> (key: Key?, unused: Input?) {
        switch input {
        case .character(27):
            guard let following = next() else { return (.escape, nil) }
            switch following {
            case .character(27): return (.escape, nil)
            case .character(0x0A), .character(0x0D): return (.alt("\n"), nil)
            case .character(let c) where isPrintable(c):
                return (.alt(Character(Unicode.Scalar(c)!)), nil)
            default: return (.escape, following)
            }
        case .character(let c): return (character(c), nil)
        case .keyCode(let code): return (keyCode(code), nil)
        case .mouse(let report): return (mouse(report).map(Key.mouse), nil)
        }
    }

    static func isPrintable(_ c: UInt32) -> Bool {
        guard c >= 0x20, c != 0x7F, !(0x80..<0xA0).contains(c) else { return false }
        return Unicode.Scalar(c) != nil
    }

    static func character(_ c: UInt32) -> Key? {
        switch c {
        case 0x00: return .control(" ")
        case 0x08, 0x7F: return .backspace
        case 0x09: return .tab
        case 0x0A, 0x0D: return .enter
        case 0x01...0x1A: return .control(Character(Unicode.Scalar(c + 0x60)!))
        case 0x1B: return .escape
        case 0x1C: return .control("\\")
        case 0x1D: return .control("]")
        case 0x1E: return .control("^")
        case 0x1F: return .control("/")
        default: return isPrintable(c) ? .character(Character(Unicode.Scalar(c)!)) : nil
        }
    }

    static func keyCode(_ code: Int32) -> Key? {
        switch code {
        case Code.up: return .up
        case Code.down: return .down
        case Code.left: return .left
        case Code.right: return .right
        case Code.home, Code.find: return .home
        case Code.end, Code.select: return .end
        case Code.pageDown: return .pageDown
        case Code.pageUp: return .pageUp
        case Code.delete: return .delete
        case Code.insert: return .insert
        case Code.backTab: return .backTab
        case Code.backspace: return .backspace
        case Code.enter: return .enter
        case Code.resize: return .resize
        case Code.f(1)...Code.f(24): return .function(Int(code - Code.f(0)))
        default: return nil
        }
    }

    static func mouse(_ report: MouseReport) -> MouseEvent? {
        let b = report.buttons
        let kind: MouseEvent.Kind
        if b & (Mask.button1Pressed | Mask.button1Clicked) != 0 {
            kind = .leftClick
        } else if b & (Mask.button2Pressed | Mask.button2Clicked) != 0 {
            kind = .middleClick
        } else if b & (Mask.button3Pressed | Mask.button3Clicked) != 0 {
            kind = .rightClick
        } else if b & Mask.button4Pressed != 0 {
            kind = .wheelUp
        } else if b & Mask.button5Pressed != 0 {
            kind = .wheelDown
        } else {
            return nil
        }
        return MouseEvent(kind: kind, x: report.x, y: report.y)
    }

    /// ncurses key codes (KEY_*), read from the headers rather than copied.
    enum Code {
        static let up = Int32(cnc_key_up())
        static let down = Int32(cnc_key_down())
        static let left = Int32(cnc_key_left())
        static let right = Int32(cnc_key_right())
        static let home = Int32(cnc_key_home())
        static let end = Int32(cnc_key_end())
        static let find = Int32(cnc_key_find())
        static let select = Int32(cnc_key_select())
        static let pageDown = Int32(cnc_key_npage())
        static let pageUp = Int32(cnc_key_ppage())
        static let delete = Int32(cnc_key_dc())
        static let insert = Int32(cnc_key_ic())
        static let backTab = Int32(cnc_key_btab())
        static let backspace = Int32(cnc_key_backspace())
        static let enter = Int32(cnc_key_enter())
        static let resize = Int32(cnc_key_resize())
        static let mouse = Int32(cnc_key_mouse())
        static func f(_ n: Int) -> Int32 { Int32(cnc_key_f(Int32(n))) }
    }

    /// ncurses mouse masks (BUTTONn_*).
    enum Mask {
        static let button1Pressed = UInt32(cnc_button1_pressed())
        static let button1Clicked = UInt32(cnc_button1_clicked())
        static let button2Pressed = UInt32(cnc_button2_pressed())
        static let button2Clicked = UInt32(cnc_button2_clicked())
        static let button3Pressed = UInt32(cnc_button3_pressed())
        static let button3Clicked = UInt32(cnc_button3_clicked())
        static let button4Pressed = UInt32(cnc_button4_pressed())
        static let button5Pressed = UInt32(cnc_button5_pressed())
        /// What the backend asks ncurses to report: presses and clicks of buttons 1-3 and the wheel.
        static let wanted = button1Pressed | button1Clicked | button2Pressed | button2Clicked
            | button3Pressed | button3Clicked | button4Pressed | button5Pressed
    }
}
