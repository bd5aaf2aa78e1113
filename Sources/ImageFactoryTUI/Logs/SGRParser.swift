import Terminal

/// What a line's own SGR sequences set. A nil colour means the line did not set one, so the
/// renderer's base style shows through.
public struct SGRAttributes: Hashable, Sendable {
    public var foreground: TerminalColor?
    public var background: TerminalColor?
    public var bold: Bool
    public var dim: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(foreground: TerminalColor? = nil, background: TerminalColor? = nil,
                bold: Bool = false, dim: Bool = false, underline: Bool = false, reverse: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
    }

    public static let none = SGRAttributes()

    public var isNone: Bool { self == .none }

    /// `base` with these attributes drawn over it.
    public func applied(to base: TextStyle) -> TextStyle {
        var style = base
        if let foreground { style.foreground = foreground }
        if let background { style.background = background }
        style.bold = style.bold || bold
        style.dim = style.dim || dim
        style.underline = style.underline || underline
        style.reverse = style.reverse != reverse
        return style
    }
}

/// A run of text drawn with one set of attributes.
public struct SGRSpan: Hashable, Sendable {
    public var text: String
    public var attributes: SGRAttributes

    public init(text: String, attributes: SGRAttributes) {
        self.text = text
        self.attributes = attributes
    }
}

/// Turns the display variant of a log line (text with `ESC[...m` sequences) into styled spans.
/// Escape bytes never reach the spans: any other escape sequence and any control character except
/// TAB is dropped, so the output is safe to hand to the grid even if the input was not sanitized.
public enum SGRParser {
    public static func parse(_ display: String) -> [SGRSpan] {
        var spans: [SGRSpan] = []
        var attributes = SGRAttributes.none
        let utf8 = Array(display.utf8)
        let n = utf8.count
        return utf8.withUnsafeBufferPointer { bytes -> [SGRSpan] in
            var runStart = 0
            var i = 0
            func flush(_ end: Int) {
                if end > runStart {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self)
                    if let last = spans.last, last.attributes == attributes {
                        spans[spans.count - 1].text += text
                    } else {
                        spans.append(SGRSpan(text: text, attributes: attributes))
                    }
                }
            }
            while i < n {
                let b = bytes[i]
                if b == 0x1B {
                    flush(i)
                    i = escape(bytes, n, at: i, &attributes)
                    runStart = i
                } else if (b < 0x20 && b != 0x09) || b == 0x7F {
                    flush(i)
                    i += 1
                    runStart = i
                } else {
                    i += 1
                }
            }
            flush(n)
            return spans
        }
    }

    /// The text without any escape sequence.
    public static func strip(_ display: String) -> String {
        parse(display).map(\.text).joined()
    }

    /// Applies one SGR parameter string (the part between `ESC[` and `m`, e.g. `1;38;5;196`).
    public static func apply(_ parameters: String, to attributes: inout SGRAttributes) {
        apply(Array(parameters.utf8)[...], to: &attributes)
    }

    /// Skips the escape sequence at `start`, applying it when it is SGR; returns the index after it.
    private static func escape(_ bytes: UnsafeBufferPointer<UInt8>, _ n: Int, at start: Int,
                               _ attributes: inout SGRAttributes) -> Int {
        var i = start + 1
        guard i < n else { return n }
        let introducer = bytes[i]
        if introducer == UInt8(ascii: "]") || introducer == UInt8(ascii: "P") || introducer == UInt8(ascii: "_")
            || introducer == UInt8(ascii: "^") || introducer == UInt8(ascii: "X") {
            // OSC, DCS, APC, PM, SOS: a string up to BEL or ESC \, all of it dropped.
            i += 1
            while i < n {
                if bytes[i] == 0x07 { return i + 1 }
                if bytes[i] == 0x1B { return i + 1 < n && bytes[i + 1] == UInt8(ascii: "\\") ? i + 2 : i + 1 }
                i += 1
            }
            return n
        }
        guard introducer == UInt8(ascii: "[") else {
            // Other escapes (ESC 7, ESC ( B): drop ESC and the printable byte after it.
            return introducer >= 0x20 && introducer < 0x7F ? i + 1 : i
        }
        i += 1
        let paramStart = i
        while i < n, bytes[i] >= 0x20, bytes[i] < 0x40 { i += 1 }  // parameter and intermediate bytes
        guard i < n, bytes[i] >= 0x40, bytes[i] <= 0x7E else { return i }
        if bytes[i] == UInt8(ascii: "m") {
            apply(Array(bytes[paramStart..<i])[...], to: &attributes)
        }
        return i + 1
    }

    private static func apply(_ raw: ArraySlice<UInt8>, to attributes: inout SGRAttributes) {
        // Each ";"-separated parameter may carry ":"-separated sub-parameters (ITU T.416 form).
        let params: [[Int?]] = raw.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).map { group in
            group.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { digits in
                guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.count <= 9 else { return nil }
                return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            }
        }
        var i = 0
        while i < params.count {
            let group = params[i]
            let code = group.first.flatMap { $0 } ?? 0
            switch code {
            case 0: attributes = .none
            case 1: attributes.bold = true
            case 2: attributes.dim = true
            case 4: attributes.underline = group.count > 1 ? (group[1] ?? 0) != 0 : true
            case 7: attributes.reverse = true
            case 21: attributes.underline = true
            case 22:
                attributes.bold = false
                attributes.dim = false
            case 24: attributes.underline = false
            case 27: attributes.reverse = false
            case 30...37: attributes.foreground = .index(UInt8(code - 30))
            case 39: attributes.foreground = nil
            case 40...47: attributes.background = .index(UInt8(code - 40))
            case 49: attributes.background = nil
            case 90...97: attributes.foreground = .index(UInt8(code - 90 + 8))
            case 100...107: attributes.background = .index(UInt8(code - 100 + 8))
            case 38, 48:
                let color: TerminalColor?
                if group.count > 1 {
                    color = extendedColor(Array(group.dropFirst()))
                } else {
                    // Semicolon form: the colour's parameters follow as separate parameters.
                    let kind = i + 1 < params.count ? params[i + 1].first.flatMap { $0 } : nil
                    let length = kind == 5 ? 2 : kind == 2 ? 4 : 1
                    let rest = params[(i + 1)..<min(params.count, i + 1 + length)].map { $0.first.flatMap { $0 } }
                    color = extendedColor(Array(rest))
                    i += length
                }
                if let color {
                    if code == 38 { attributes.foreground = color } else { attributes.background = color }
                }
            default: break
            }
            i += 1
        }
    }

    /// `5;n` (palette) or `2;[colourspace;]r;g;b` (truecolour, mapped to the nearest palette colour).
    private static func extendedColor(_ values: [Int?]) -> TerminalColor? {
        guard let kind = values.first.flatMap({ $0 }) else { return nil }
        if kind == 5 {
            guard values.count >= 2, let n = values[1], (0...255).contains(n) else { return nil }
            return .index(UInt8(n))
        }
        if kind == 2 {
            let rgb = values.count >= 5 ? Array(values[2...4]) : Array(values.dropFirst())
            guard rgb.count == 3, let r = rgb[0], let g = rgb[1], let b = rgb[2] else { return nil }
            return .index(nearestPaletteIndex(r: min(r, 255), g: min(g, 255), b: min(b, 255)))
        }
        return nil
    }

    /// Nearest entry of the xterm 6x6x6 cube or grey ramp; terminals without truecolour show these.
    static func nearestPaletteIndex(r: Int, g: Int, b: Int) -> UInt8 {
        let levels = [0, 95, 135, 175, 215, 255]
        func cubeLevel(_ v: Int) -> Int { v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40 }
        let (cr, cg, cb) = (cubeLevel(r), cubeLevel(g), cubeLevel(b))
        func distance(_ x: (Int, Int, Int)) -> Int {
            (x.0 - r) * (x.0 - r) + (x.1 - g) * (x.1 - g) + (x.2 - b) * (x.2 - b)
        }
        let cubeDistance = distance((levels[cr], levels[cg], levels[cb]))
        let average = (r + g + b) / 3
        let greyStep = average > 238 ? 23 : max(0, (average - 3) / 10)
        let grey = 8 + 10 * greyStep
        if distance((grey, grey, grey)) < cubeDistance { return UInt8(232 + greyStep) }
        return UInt8(16 + 36 * cr + 6 * cg + cb)
    }
}
