import Foundation

/// Wraps an escape sequence so tmux passes it to the outer terminal (needs `allow-passthrough on` in
/// tmux 3.3+): `ESC P tmux ; <sequence with every ESC doubled> ESC \`.
enum TmuxPassthrough {
    static func wrap(_ sequence: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1B, 0x50] + Array("tmux;".utf8)
        for byte in sequence {
            if byte == 0x1B { out.append(0x1B) }
            out.append(byte)
        }
        return out + [0x1B, 0x5C]
    }
}

/// OSC 52: sets the clipboard of the terminal the user sits at, also over SSH.
public enum OSC52 {
    /// `ESC ] 52 ; c ; BASE64 BEL`, wrapped for tmux when inside it; nil when the whole sequence would
    /// exceed `maxBytes` (terminals drop or truncate long ones).
    public static func sequence(for text: String, insideTmux: Bool, maxBytes: Int = 100_000) -> [UInt8]? {
        let payload = Data(text.utf8).base64EncodedString()
        var seq: [UInt8] = [0x1B] + Array("]52;c;".utf8) + Array(payload.utf8) + [0x07]
        if insideTmux { seq = TmuxPassthrough.wrap(seq) }
        return seq.count <= maxBytes ? seq : nil
    }
}

/// Desktop notifications through the terminal: OSC 9 (iTerm2, WezTerm, kitty, foot) and OSC 777
/// (rxvt, VTE/GNOME Terminal).
public enum DesktopNotification {
    /// `ESC ] 9 ; message BEL`.
    public static func osc9(_ message: String, insideTmux: Bool) -> [UInt8] {
        let seq: [UInt8] = [0x1B] + Array("]9;".utf8) + Array(clean(message).utf8) + [0x07]
        return insideTmux ? TmuxPassthrough.wrap(seq) : seq
    }

    /// `ESC ] 777 ; notify ; title ; body BEL`. `;` in the title would start the body, so it becomes `,`.
    public static func osc777(title: String, body: String, insideTmux: Bool) -> [UInt8] {
        let t = clean(title).replacingOccurrences(of: ";", with: ",")
        let seq: [UInt8] = [0x1B] + Array("]777;notify;\(t);\(clean(body))".utf8) + [0x07]
        return insideTmux ? TmuxPassthrough.wrap(seq) : seq
    }

    /// Drops C0/C1 controls and DEL: a BEL or ESC in the text would end the sequence early.
    static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter {
            $0.value >= 0x20 && !(0x7F..<0xA0).contains($0.value)
        }))
    }
}
