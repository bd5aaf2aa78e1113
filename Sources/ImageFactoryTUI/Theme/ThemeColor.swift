import ImageFactoryCore
import Foundation
import Terminal

/// Colour names and arithmetic for theme files: names, palette indices and `#rrggbb`, and the
/// nearest-colour mapping used to fit a colour into the xterm-256 palette or the 16 basic colours.
enum ThemeColor {
    /// The 16 basic colours in the order of their palette index.
    static let basicNames = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright-black", "bright-red", "bright-green", "bright-yellow",
        "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
    ]

    static let knownNames = ["default"] + basicNames

    /// Parses `default`, a basic colour name, a palette index 0-255 or `#rrggbb` (mapped to the nearest of 16-255).
    static func parse(_ raw: String) -> Result<TerminalColor, ParseFailure> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let name = normalized(text)
        if name == "default" { return .success(.default) }
        if let index = basicNames.firstIndex(of: name) { return .success(.index(UInt8(index))) }
        if let aliased = aliases[name] { return .success(.index(aliased)) }
        if let number = Int(text) {
            guard (0...255).contains(number) else {
                return .failure(.init(message: "palette index \(number) is out of range (0-255)"))
            }
            return .success(.index(UInt8(number)))
        }
        if text.hasPrefix("#") {
            guard let rgb = RGB(hex: text) else {
                return .failure(.init(message: "`\(text)` is not a `#rrggbb` colour"))
            }
            return .success(.index(nearestPaletteIndex(to: rgb)))
        }
        var message = "unknown colour `\(text)`; use default, a colour name, 0-255 or \"#rrggbb\""
        if let guess = SpellingSuggestion.nearest(to: name, among: knownNames) {
            message = "unknown colour `\(text)`, did you mean `\(guess)`?"
        }
        return .failure(.init(message: message))
    }

    /// Parses a `fallback` value: only the basic colours or `default` are allowed.
    static func parseBasic(_ raw: String) -> Result<TerminalColor, ParseFailure> {
        switch parse(raw) {
        case .success(.index(let i)) where i >= 16:
            return .failure(.init(message: "a fallback must be one of the 16 basic colours (or 0-15), not \(raw)"))
        case let other:
            return other
        }
    }

    struct ParseFailure: Error {
        var message: String
    }

    private static let aliases: [String: UInt8] = [
        "gray": 8, "grey": 8, "bright-gray": 7, "bright-grey": 7,
    ]

    /// `Bright_Red`, `brightred` and `bright red` all mean `bright-red`.
    private static func normalized(_ s: String) -> String {
        var lower = s.lowercased().replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: " ", with: "-")
        if lower.hasPrefix("bright"), !lower.hasPrefix("bright-"), lower.count > 6 {
            lower = "bright-" + lower.dropFirst(6)
        }
        return lower
    }

    // MARK: - Palette arithmetic

    struct RGB: Equatable {
        var r: Int, g: Int, b: Int

        init(_ r: Int, _ g: Int, _ b: Int) {
            self.r = r
            self.g = g
            self.b = b
        }

        init?(hex: String) {
            let digits = hex.dropFirst()
            guard digits.count == 6, let value = Int(digits, radix: 16) else { return nil }
            self.init((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)
        }

        /// "Redmean" distance: cheap, and closer to what the eye sees than plain RGB distance.
        func distance(to o: RGB) -> Int {
            let meanRed = (r + o.r) / 2
            let dr = r - o.r, dg = g - o.g, db = b - o.b
            return ((512 + meanRed) * dr * dr) / 256 + 4 * dg * dg + ((767 - meanRed) * db * db) / 256
        }
    }

    /// xterm's default values for the 16 basic colours; terminals vary, which is why themes may name a fallback.
    static let basicRGB: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
        RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0),
        RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    static func rgb(ofIndex index: UInt8) -> RGB {
        let i = Int(index)
        if i < 16 { return basicRGB[i] }
        if i < 232 {
            let levels = [0, 95, 135, 175, 215, 255]
            let n = i - 16
            return RGB(levels[n / 36], levels[(n / 6) % 6], levels[n % 6])
        }
        let grey = 8 + 10 * (i - 232)
        return RGB(grey, grey, grey)
    }

    /// The nearest of indices 16-255: the 6x6x6 cube and the grey ramp have fixed values,
    /// unlike 0-15, which users recolour.
    static func nearestPaletteIndex(to rgb: RGB) -> UInt8 {
        var best = 16, bestDistance = Int.max
        for i in 16...255 {
            let d = ThemeColor.rgb(ofIndex: UInt8(i)).distance(to: rgb)
            if d < bestDistance { (best, bestDistance) = (i, d) }
        }
        return UInt8(best)
    }

    /// The basic colour (0-15) closest to a palette colour.
    static func nearestBasic(to color: TerminalColor) -> TerminalColor {
        guard case .index(let index) = color, index >= 16 else { return color }
        let rgb = rgb(ofIndex: index)
        var best = 0, bestDistance = Int.max
        for (i, candidate) in basicRGB.enumerated() {
            let d = candidate.distance(to: rgb)
            if d < bestDistance { (best, bestDistance) = (i, d) }
        }
        return .index(UInt8(best))
    }

    /// The name a theme file would use for a colour.
    static func name(of color: TerminalColor) -> String {
        switch color {
        case .default: "default"
        case .index(let i) where i < 16: basicNames[Int(i)]
        case .index(let i): String(i)
        }
    }
}
