import CSystemShims

/// Makes untrusted build output safe to store, search and show.
///
/// - `plain`: every escape sequence removed, C0 controls except TAB and DEL removed, C1 controls removed,
///   invalid UTF-8 replaced by U+FFFD (one per maximal invalid subpart).
/// - `display`: the same, except that SGR colour sequences (`ESC [ digits ; : m`) are kept. Nothing else
///   that could act on a terminal (OSC titles and clipboard, cursor movement, DCS, APC, charset switches,
///   private CSI modes) survives.
public enum LogSanitizer {
    /// Reusable output buffers, so sanitizing a line allocates nothing once they have grown.
    public struct Scratch: Sendable {
        fileprivate var plain: [UInt8] = []
        fileprivate var display: [UInt8] = []
        public init() {}
    }

    /// True when the bytes need no work: printable ASCII and TAB only.
    @inline(__always)
    public static func isPrintableASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return if_printable_ascii_prefix(base.assumingMemoryBound(to: UInt8.self), bytes.count) == bytes.count
    }

    /// Sanitizes `raw` and hands the result to `body`. `display` is nil when it equals `plain`
    /// (no colour), which is also the zero-copy case for printable ASCII: then `plain` is `raw` itself.
    /// The buffers passed to `body` are valid only during the call.
    @inline(__always)
    public static func sanitize<R>(
        _ raw: UnsafeRawBufferPointer,
        scratch: inout Scratch,
        _ body: (_ plain: UnsafeRawBufferPointer, _ display: UnsafeRawBufferPointer?) throws -> R
    ) rethrows -> R {
        guard let base = raw.baseAddress, raw.count > 0 else { return try body(raw, nil) }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let clean = if_printable_ascii_prefix(bytes, raw.count)
        if clean == raw.count { return try body(raw, nil) }
        return try sanitizeSlow(bytes, raw.count, cleanPrefix: clean, scratch: &scratch, body)
    }

    /// Convenience for tests and non-hot callers.
    public static func sanitize(_ raw: some Sequence<UInt8>) -> (plain: String, display: String) {
        let bytes = Array(raw)
        var scratch = Scratch()
        return bytes.withUnsafeBytes { buffer in
            sanitize(buffer, scratch: &scratch) { plain, display in
                let p = String(decoding: plain, as: UTF8.self)
                return (p, display.map { String(decoding: $0, as: UTF8.self) } ?? p)
            }
        }
    }

    public static func sanitize(_ raw: String) -> (plain: String, display: String) {
        sanitize(raw.utf8)
    }

    private static func sanitizeSlow<R>(
        _ src: UnsafePointer<UInt8>, _ n: Int, cleanPrefix: Int,
        scratch: inout Scratch,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> R
    ) rethrows -> R {
        // Worst case: every byte becomes a 3-byte U+FFFD.
        let capacity = n * 3 + 4
        if scratch.plain.count < capacity {
            scratch.plain = [UInt8](repeating: 0, count: capacity)
            scratch.display = [UInt8](repeating: 0, count: capacity)
        }
        var plainLength = 0
        var displayLength = 0
        var keptColour = false
        scratch.plain.withUnsafeMutableBufferPointer { plainBuffer in
            scratch.display.withUnsafeMutableBufferPointer { displayBuffer in
                var writer = Output(plain: plainBuffer.baseAddress!, display: displayBuffer.baseAddress!)
                writer.copyText(src, cleanPrefix)
                var i = cleanPrefix
                while i < n {
                    let b = src[i]
                    if b == 0x1B {
                        i = escape(src, n, at: i, &writer)
                    } else if b < 0x80 {
                        if b >= 0x20 && b != 0x7F || b == 0x09 {
                            // Copy the whole printable run at once.
                            let run = if_printable_ascii_prefix(src + i, n - i)
                            writer.copyText(src + i, run)
                            i += run
                        } else {
                            i += 1
                        }
                    } else {
                        i = utf8Sequence(src, n, at: i, &writer)
                    }
                }
                plainLength = writer.plainLength
                displayLength = writer.displayLength
                keptColour = writer.keptColour
            }
        }
        return try scratch.plain.withUnsafeBytes { plain in
            let plainBytes = UnsafeRawBufferPointer(rebasing: plain[0..<plainLength])
            guard keptColour else { return try body(plainBytes, nil) }
            return try scratch.display.withUnsafeBytes { display in
                try body(plainBytes, UnsafeRawBufferPointer(rebasing: display[0..<displayLength]))
            }
        }
    }

    private struct Output {
        let plain: UnsafeMutablePointer<UInt8>
        let display: UnsafeMutablePointer<UInt8>
        var plainLength = 0
        var displayLength = 0
        var keptColour = false

        init(plain: UnsafeMutablePointer<UInt8>, display: UnsafeMutablePointer<UInt8>) {
            self.plain = plain
            self.display = display
        }

        @inline(__always)
        mutating func copyText(_ p: UnsafePointer<UInt8>, _ count: Int) {
            guard count > 0 else { return }
            (plain + plainLength).update(from: p, count: count)
            (display + displayLength).update(from: p, count: count)
            plainLength += count
            displayLength += count
        }

        @inline(__always)
        mutating func replacementCharacter() {
            plain[plainLength] = 0xEF
            plain[plainLength + 1] = 0xBF
            plain[plainLength + 2] = 0xBD
            display[displayLength] = 0xEF
            display[displayLength + 1] = 0xBF
            display[displayLength + 2] = 0xBD
            plainLength += 3
            displayLength += 3
        }

        mutating func copyColour(_ p: UnsafePointer<UInt8>, _ count: Int) {
            (display + displayLength).update(from: p, count: count)
            displayLength += count
            keptColour = true
        }
    }

    /// Parses the escape sequence at `i` (which holds ESC) and returns the index after it.
    /// Only a complete, well-formed SGR sequence is copied (to display); everything else is dropped.
    private static func escape(_ s: UnsafePointer<UInt8>, _ n: Int, at i: Int, _ out: inout Output) -> Int {
        guard i + 1 < n else { return n }
        let kind = s[i + 1]
        switch kind {
        case UInt8(ascii: "["):
            var j = i + 2
            var onlySGRParameters = true
            while j < n, (0x30...0x3F).contains(s[j]) {
                let p = s[j]
                if !(p >= 0x30 && p <= 0x39 || p == UInt8(ascii: ";") || p == UInt8(ascii: ":")) {
                    onlySGRParameters = false
                }
                j += 1
            }
            while j < n, (0x20...0x2F).contains(s[j]) {
                onlySGRParameters = false
                j += 1
            }
            guard j < n, (0x40...0x7E).contains(s[j]) else {
                // Malformed or cut off: drop what was read and resume at the offending byte.
                return j
            }
            if s[j] == UInt8(ascii: "m") && onlySGRParameters {
                out.copyColour(s + i, j + 1 - i)
            }
            return j + 1
        case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "X"), UInt8(ascii: "^"), UInt8(ascii: "_"):
            // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \), or by the end of the line.
            var j = i + 2
            while j < n {
                let c = s[j]
                if c == 0x07 { return j + 1 }
                if c == 0x1B {
                    if j + 1 < n && s[j + 1] == UInt8(ascii: "\\") { return j + 2 }
                    return j
                }
                j += 1
            }
            return n
        case 0x20...0x2F:
            // nF sequences such as charset designation ESC ( B.
            var j = i + 1
            while j < n, (0x20...0x2F).contains(s[j]) { j += 1 }
            if j < n, (0x30...0x7E).contains(s[j]) { return j + 1 }
            return j
        case 0x30...0x7E:
            return i + 2
        default:
            return i + 1
        }
    }

    /// Copies one valid UTF-8 scalar (dropping C1 controls) or writes U+FFFD for a maximal invalid subpart.
    private static func utf8Sequence(_ s: UnsafePointer<UInt8>, _ n: Int, at i: Int, _ out: inout Output) -> Int {
        let lead = s[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default:
            out.replacementCharacter()
            return i + 1
        }
        var j = i + 1
        while j < i + length {
            guard j < n else {
                out.replacementCharacter()
                return j
            }
            let c = s[j]
            let ok = j == i + 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF)
            if !ok {
                out.replacementCharacter()
                return j
            }
            j += 1
        }
        // U+0080...U+009F are C1 controls (CSI, OSC, ...): some terminals act on them.
        if lead == 0xC2 && s[i + 1] <= 0x9F { return j }
        out.copyText(s + i, length)
        return j
    }
}
