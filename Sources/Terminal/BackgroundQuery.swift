import Foundation
@preconcurrency import CNCursesW
#if canImport(Glibc)
import Glibc
#endif

/// Asks the terminal for its background colour (OSC 11) before ncurses takes it, so a light terminal gets
/// the light theme. The query is followed by a primary device attributes request (DA1), which every
/// terminal answers: when the DA1 reply comes first, the terminal does not know OSC 11 and there is no
/// need to wait out the timeout. tmux answers both itself, with its own idea of the pane's background.
public enum BackgroundQuery {
    public enum Background: String, Sendable, Hashable { case dark, light }

    /// A colour with each channel from 0 to 1.
    public struct Color: Sendable, Hashable {
        public var red: Double, green: Double, blue: Double
        public init(red: Double, green: Double, blue: Double) {
            self.red = red
            self.green = green
            self.blue = blue
        }

        /// WCAG 2 relative luminance, 0 (black) to 1 (white).
        public var luminance: Double {
            func channel(_ s: Double) -> Double { s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4) }
            return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
        }

        public var background: Background { luminance > 0.5 ? .light : .dark }
    }

    /// OSC 11 with `?` (ST-terminated), then DA1.
    public static let request: [UInt8] = Array("\u{1B}]11;?\u{1B}\\\u{1B}[c".utf8)

    /// Whether to ask at all: only on a terminal, not under `NO_COLOR`, not for `TERM=dumb`, and not when
    /// the user named a theme (`explicitTheme`).
    public static func shouldAsk(environment: [String: String], explicitTheme: Bool,
                                 isTerminal: Bool = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1) -> Bool {
        guard isTerminal, !explicitTheme, (environment["NO_COLOR"] ?? "").isEmpty else { return false }
        let term = environment["TERM"] ?? ""
        return !term.isEmpty && term != "dumb"
    }

    /// The terminal's background: from its OSC 11 reply, else from `COLORFGBG` (rxvt, Konsole: "fg;bg"
    /// with bg 7 or 15 for a light one), else nil (unknown: the dark default).
    public static func detect(environment: [String: String], timeoutMs: Int = 200) -> Background? {
        if let reply = ask(timeoutMs: timeoutMs), let color = parse(reply) { return color.background }
        return fromColorFGBG(environment["COLORFGBG"])
    }

    public static func fromColorFGBG(_ value: String?) -> Background? {
        guard let value, let last = value.split(separator: ";").last, let bg = Int(last) else { return nil }
        return bg == 7 || bg == 15 ? .light : .dark
    }

    /// Parses the OSC 11 reply in `bytes` (which may hold other replies too): `ESC ] 11 ; rgb:R/G/B` with 1-4
    /// hex digits a channel (or `rgba:R/G/B/A`, or `#rrggbb`), ended by BEL or `ESC \`.
    public static func parse(_ bytes: [UInt8]) -> Color? {
        let introducer: [UInt8] = [0x1B, 0x5D, 0x31, 0x31, 0x3B]  // ESC ] 1 1 ;
        guard let start = bytes.firstRange(of: introducer)?.upperBound else { return nil }
        var end = start
        while end < bytes.count, bytes[end] != 0x07, bytes[end] != 0x1B { end += 1 }
        // Unterminated: the reply was cut short.
        guard end < bytes.count else { return nil }
        if bytes[end] == 0x1B, end + 1 >= bytes.count || bytes[end + 1] != 0x5C { return nil }
        guard let spec = String(bytes: bytes[start..<end], encoding: .ascii)?.lowercased() else { return nil }
        var channels: [Substring]
        if spec.hasPrefix("rgb:") {
            channels = spec.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false)
            guard channels.count == 3 else { return nil }
        } else if spec.hasPrefix("rgba:") {
            channels = spec.dropFirst(5).split(separator: "/", omittingEmptySubsequences: false)
            guard channels.count == 4 else { return nil }
            channels.removeLast()
        } else if spec.hasPrefix("#"), spec.count == 7 {
            let digits = spec.dropFirst()
            channels = [digits.prefix(2), digits.dropFirst(2).prefix(2), digits.suffix(2)]
        } else {
            return nil
        }
        var values: [Double] = []
        for channel in channels {
            guard (1...4).contains(channel.count), let v = Int(channel, radix: 16) else { return nil }
            values.append(Double(v) / Double((1 << (4 * channel.count)) - 1))
        }
        return Color(red: values[0], green: values[1], blue: values[2])
    }

    /// Writes the request to /dev/tty in raw mode and reads until the DA1 reply or `timeoutMs`; the
    /// terminal's settings are restored. Nil when there is no terminal or no answer.
    public static func ask(timeoutMs: Int) -> [UInt8]? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        cfmakeraw(&raw)
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        defer { _ = tcsetattr(fd, TCSANOW, &saved) }
        let written = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == request.count else { return nil }

        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        let deadline = DispatchTime.now().uptimeNanoseconds / 1_000_000 + UInt64(max(0, timeoutMs))
        while !hasDeviceAttributes(reply) {
            let now = DispatchTime.now().uptimeNanoseconds / 1_000_000
            guard now < deadline else { break }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(deadline - now)) > 0 else { break }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            reply.append(contentsOf: chunk[0..<n])
        }
        return reply.isEmpty ? nil : reply
    }

    /// Whether `bytes` hold a complete DA1 reply, `ESC [ ? ... c`.
    public static func hasDeviceAttributes(_ bytes: [UInt8]) -> Bool {
        guard let start = bytes.firstRange(of: [0x1B, 0x5B, 0x3F])?.upperBound else { return false }
        return bytes[start...].contains(0x63)
    }
}

extension NCursesTerminal {
    /// The number of colours the terminal has (`colors` in terminfo: 8 for `xterm` and `screen`), once open.
    public var colorCount: Int { Int(cnc_colors()) }
}
