/// Parses and prints build timeouts such as `30m`, `90s`, `1h30m`, `500ms` or a bare `45` (seconds).
///
/// Values are kept at millisecond precision so that `format` output always parses back
/// to the same `Duration`.
public enum DurationParser {
    /// About a century; anything longer is a typo and would overflow `Duration` arithmetic.
    static let maximumMilliseconds: Double = 100 * 366 * 24 * 3600 * 1000

    /// Returns nil for malformed, zero, negative or absurdly large durations.
    public static func parse(_ text: String) -> Duration? {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return nil }
        var index = 0
        var totalMilliseconds: Double = 0
        var componentCount = 0
        while index < scalars.count {
            guard let (number, next) = readNumber(scalars, from: index) else { return nil }
            index = next
            var unitEnd = index
            while unitEnd < scalars.count, isLetter(scalars[unitEnd]) { unitEnd += 1 }
            let unit = String(String.UnicodeScalarView(scalars[index..<unitEnd]))
            index = unitEnd
            let factor: Double
            switch unit {
            case "h": factor = 3_600_000
            case "m": factor = 60_000
            case "s": factor = 1_000
            case "ms": factor = 1
            case "":
                // A bare number means seconds, but only as the whole value (`45`, not `1m45`).
                guard componentCount == 0, index == scalars.count else { return nil }
                factor = 1_000
            default: return nil
            }
            totalMilliseconds += number * factor
            componentCount += 1
            guard totalMilliseconds.isFinite, totalMilliseconds <= maximumMilliseconds else { return nil }
        }
        let rounded = totalMilliseconds.rounded()
        guard rounded >= 1 else { return nil }
        return .milliseconds(Int64(rounded))
    }

    /// Compact form such as `1h30m`, `45s` or `1s500ms`; `0s` for zero.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let rawMilliseconds = Double(seconds) * 1000 + (Double(attoseconds) / 1e15)
        guard rawMilliseconds.isFinite, abs(rawMilliseconds) < 9e18 else { return "\(duration)" }
        var milliseconds = Int64(rawMilliseconds.rounded())
        if milliseconds == 0 { return "0s" }
        var result = ""
        if milliseconds < 0 {
            result = "-"
            milliseconds = -milliseconds
        }
        let hours = milliseconds / 3_600_000
        let minutes = (milliseconds / 60_000) % 60
        let secs = (milliseconds / 1000) % 60
        let millis = milliseconds % 1000
        if hours > 0 { result += "\(hours)h" }
        if minutes > 0 { result += "\(minutes)m" }
        if secs > 0 { result += "\(secs)s" }
        if millis > 0 { result += "\(millis)ms" }
        return result
    }

    private static func readNumber(_ scalars: [Unicode.Scalar], from start: Int) -> (Double, Int)? {
        var index = start
        var digits = ""
        while index < scalars.count, isDigit(scalars[index]) {
            digits.unicodeScalars.append(scalars[index])
            index += 1
        }
        if index < scalars.count, scalars[index] == "." {
            digits += "."
            index += 1
            var fractionDigits = 0
            while index < scalars.count, isDigit(scalars[index]) {
                digits.unicodeScalars.append(scalars[index])
                index += 1
                fractionDigits += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        guard let first = digits.first, first != ".", let value = Double(digits) else { return nil }
        return (value, index)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 48 && scalar.value <= 57 }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value >= 65 && scalar.value <= 90) || (scalar.value >= 97 && scalar.value <= 122)
    }
}
