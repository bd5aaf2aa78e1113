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
    /// `ESC ] 52 ; c ; BASE64 BEL`.
    public static func plain(_ text: String) -> [UInt8] {
        [0x1B] + Array("]52;c;".utf8) + Array(Data(text.utf8).base64EncodedString().utf8) + [0x07]
    }

    /// Inside tmux both forms, the plain one first: tmux with `set-clipboard on` reads the plain one itself (it sets
    /// a tmux buffer and passes it on to the outer terminal) and drops the wrapped one unless `allow-passthrough`
    /// is on, which sends it on to the outer terminal untouched. Outside tmux the plain form. nil when the bytes
    /// would exceed `maxBytes` (terminals drop or truncate long ones).
    public static func sequence(for text: String, insideTmux: Bool, maxBytes: Int = 100_000) -> [UInt8]? {
        write(for: text, tmux: insideTmux ? .unknown : nil, maxBytes: maxBytes)?.bytes
    }

    /// What to send for `text` given how tmux treats OSC 52 (`tmux` nil: not inside tmux), and what that does.
    /// The forms are chosen from tmux's options: the plain one when `set-clipboard` is on, the wrapped one when
    /// passthrough is allowed, both when the options are unknown. When neither reaches anything, `reaches` is
    /// false and the plain form is sent anyway (tmux drops it). nil when too large.
    public static func write(for text: String, tmux: TmuxClipboardSettings?, maxBytes: Int = 100_000) -> ClipboardWrite? {
        let plain = plain(text)
        var forms: [ClipboardWrite.Form]
        if let tmux {
            let usable = (tmux.plainSetsBuffer ? [ClipboardWrite.Form.plain] : []) + (tmux.passthroughAllowed ? [.passthrough] : [])
            forms = usable.isEmpty ? [.plain] : usable
        } else {
            forms = [.plain]
        }
        var bytes: [UInt8] = []
        for form in forms { bytes += form == .plain ? plain : TmuxPassthrough.wrap(plain) }
        guard bytes.count <= maxBytes else { return nil }
        let reaches = tmux.map { $0.plainSetsBuffer || $0.passthroughAllowed } ?? true
        return ClipboardWrite(bytes: bytes, forms: forms, tmux: tmux, reaches: reaches)
    }
}

/// How the tmux a program runs in treats OSC 52 from its pane: `set-clipboard` and `allow-passthrough`.
public struct TmuxClipboardSettings: Sendable, Hashable {
    /// `on`, `external` or `off`; nil when unknown (the options could not be read).
    public var setClipboard: String?
    /// `on`, `all` or `off` (formats say `1`/`0`); "" when this tmux has no such option (before 3.3 passthrough
    /// is always allowed); nil when unknown.
    public var allowPassthrough: String?

    public init(setClipboard: String?, allowPassthrough: String?) {
        self.setClipboard = setClipboard
        self.allowPassthrough = allowPassthrough
    }

    /// The options could not be read: send both forms.
    public static let unknown = TmuxClipboardSettings(setClipboard: nil, allowPassthrough: nil)

    /// Only `on` makes tmux take a plain OSC 52 from a program (`external` lets only tmux's own copy mode set
    /// the outer clipboard); unknown counts as on.
    public var plainSetsBuffer: Bool { setClipboard.map { $0 == "on" } ?? true }
    public var passthroughAllowed: Bool {
        guard let allowPassthrough else { return true }
        return ["", "1", "on", "all"].contains(allowPassthrough)
    }

    /// Asks the tmux server of `$TMUX` about the pane `$TMUX_PANE`; `.unknown` when tmux cannot be asked.
    public static func query(environment: [String: String] = ProcessInfo.processInfo.environment) -> TmuxClipboardSettings {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        guard let tmux = path.split(separator: ":").map({ "\($0)/tmux" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return .unknown }
        var arguments = ["display-message", "-p"]
        if let pane = environment["TMUX_PANE"], !pane.isEmpty { arguments += ["-t", pane] }
        arguments.append("#{set-clipboard}|#{allow-passthrough}")
        guard let out = run(tmux, arguments, environment: environment) else { return .unknown }
        let parts = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { return .unknown }
        return TmuxClipboardSettings(setClipboard: parts[0], allowPassthrough: parts[1])
    }

    /// Runs a short command and returns its output; nil when it fails or takes more than two seconds.
    private static func run(_ executable: String, _ arguments: [String], environment: [String: String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { process.terminate(); return nil }
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}

/// The bytes that copy a text, which forms of OSC 52 they hold, and what that does.
public struct ClipboardWrite: Sendable, Hashable {
    public enum Form: String, Sendable, Hashable {
        /// `ESC ] 52 ; …`: the terminal (or tmux with `set-clipboard on`) reads it.
        case plain
        /// Wrapped in tmux's DCS passthrough: tmux with `allow-passthrough on` sends it to the outer terminal.
        case passthrough
    }

    public var bytes: [UInt8]
    public var forms: [Form]
    /// nil: not inside tmux.
    public var tmux: TmuxClipboardSettings?
    /// False when tmux drops every form sent (set-clipboard not on, passthrough off): nothing is copied.
    public var reaches: Bool

    /// For the status line: `OSC 52`, `OSC 52 to tmux (set-clipboard on)`, `OSC 52 through tmux passthrough`,
    /// `OSC 52 to tmux and through its passthrough`.
    public var summary: String {
        guard let tmux else { return "OSC 52" }
        if tmux == .unknown { return "OSC 52, plain and wrapped for tmux passthrough" }
        switch (forms.contains(.plain), forms.contains(.passthrough)) {
        case (true, true): return "OSC 52 to tmux (set-clipboard on) and through its passthrough"
        case (false, true): return "OSC 52 through tmux passthrough"
        default: return "OSC 52 to tmux (set-clipboard on)"
        }
    }

    /// Why nothing reaches the clipboard, when it does not.
    public var problem: String? {
        guard !reaches, let tmux else { return nil }
        return "tmux drops OSC 52 here: set `set-clipboard on` or `allow-passthrough on` (now \(tmux.setClipboard ?? "?"), off)"
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
