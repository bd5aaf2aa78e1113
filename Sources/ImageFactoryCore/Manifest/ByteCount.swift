/// A positive amount of memory or disk space.
///
/// Parses docker/k8s/IEC spellings (`512`, `100KiB`, `1.5GiB`, `100MB`, `2g`, `256Mi`)
/// and prints binary units (`2.0 GiB`, `300 MiB`, `512 B`).
public struct ByteCount: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) {
        self.bytes = bytes
    }

    public static func kibibytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n * 1024) }
    public static func mebibytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n * 1024 * 1024) }
    public static func gibibytes(_ n: Int64) -> ByteCount { ByteCount(bytes: n * 1024 * 1024 * 1024) }

    /// Parses a size; returns nil for malformed, zero, negative or overflowing values.
    public init?(parsing text: String) {
        let scalars = Array(text.unicodeScalars.drop(while: { $0 == " " || $0 == "\t" }))
        var index = 0
        var integerPart: Int64 = 0
        var sawDigit = false
        while index < scalars.count, let digit = ByteCount.digitValue(scalars[index]) {
            let (shifted, o1) = integerPart.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            integerPart = sum
            sawDigit = true
            index += 1
        }
        guard sawDigit else { return nil }
        // Fraction digits beyond 18 cannot change the result of an Int64 byte count.
        var fractionNumerator: Int64 = 0
        var fractionDenominator: Int64 = 1
        if index < scalars.count, scalars[index] == "." {
            index += 1
            var fractionDigits = 0
            while index < scalars.count, let digit = ByteCount.digitValue(scalars[index]) {
                if fractionDigits < 18 {
                    fractionNumerator = fractionNumerator * 10 + Int64(digit)
                    fractionDenominator *= 10
                }
                fractionDigits += 1
                index += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        if index < scalars.count, scalars[index] == " " { index += 1 }
        var unitText = String(String.UnicodeScalarView(scalars[index...]))
        while unitText.last == " " || unitText.last == "\t" { unitText.removeLast() }
        guard let multiplier = ByteCount.multiplier(forUnit: unitText.lowercased()) else { return nil }
        if multiplier == 1 && fractionNumerator != 0 { return nil }

        let (whole, overflow) = integerPart.multipliedReportingOverflow(by: multiplier)
        if overflow { return nil }
        // multiplier and denominator are both at most ~1e18, so compute the fraction in
        // floating point; it only contributes less than one multiplier's worth of bytes.
        let fraction = Int64((Double(fractionNumerator) / Double(fractionDenominator) * Double(multiplier)).rounded(.down))
        let (total, overflow2) = whole.addingReportingOverflow(fraction)
        guard !overflow2, total > 0 else { return nil }
        self.bytes = total
    }

    public static func < (lhs: ByteCount, rhs: ByteCount) -> Bool { lhs.bytes < rhs.bytes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        bytes = try container.decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }

    /// Human-readable, binary units, one decimal below 10 (like `du -h`).
    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var unitIndex = 0
        var scale: Double = 1
        let magnitude = Double(bytes.magnitude)
        while unitIndex + 1 < units.count, magnitude >= scale * 1024 {
            scale *= 1024
            unitIndex += 1
        }
        let sign = bytes < 0 ? "-" : ""
        if unitIndex == 0 { return "\(sign)\(bytes.magnitude) B" }
        let value = magnitude / scale
        let tenths = (value * 10).rounded()
        if tenths < 100 {
            let whole = Int(tenths) / 10
            let decimal = Int(tenths) % 10
            return "\(sign)\(whole).\(decimal) \(units[unitIndex])"
        }
        return "\(sign)\(Int(value.rounded())) \(units[unitIndex])"
    }

    /// Exact spelling that parses back to the same value (`2GiB`, `1536MiB`, `1000`).
    public var exactDescription: String {
        let units: [(String, Int64)] = [("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, size) in units where bytes != 0 && bytes % size == 0 {
            return "\(bytes / size)\(name)"
        }
        return "\(bytes)"
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        guard scalar.value >= 48, scalar.value <= 57 else { return nil }
        return Int(scalar.value - 48)
    }

    private static func multiplier(forUnit unit: String) -> Int64? {
        let kibi: Int64 = 1024
        switch unit {
        case "", "b": return 1
        case "k", "ki", "kib": return kibi
        case "m", "mi", "mib": return kibi * kibi
        case "g", "gi", "gib": return kibi * kibi * kibi
        case "t", "ti", "tib": return kibi * kibi * kibi * kibi
        case "p", "pi", "pib": return kibi * kibi * kibi * kibi * kibi
        case "kb": return 1_000
        case "mb": return 1_000_000
        case "gb": return 1_000_000_000
        case "tb": return 1_000_000_000_000
        case "pb": return 1_000_000_000_000_000
        default: return nil
        }
    }
}
