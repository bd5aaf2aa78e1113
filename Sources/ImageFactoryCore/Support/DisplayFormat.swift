import Foundation

/// How durations and ages read in every front end, so the CLI and the interface agree.
public enum DisplayFormat {
    /// `4.2s`, `42s`, `3m05s`, `1h02m`; `-` when unknown.
    public static func duration(_ t: TimeInterval?) -> String {
        guard let t else { return "-" }
        let s = Int(t.rounded())
        if t < 10 { return String(format: "%.1fs", t) }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
    }

    /// `1234567` as `1,234,567`, independent of the locale: counts in messages are read by people.
    public static func grouped<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    /// `just now`, `10min ago`, `3h ago`, `2d ago`.
    public static func age(_ date: Date, now: Date = Date()) -> String {
        let s = Int(now.timeIntervalSince(date))
        if s < 60 { return "just now" }
        if s < 3600 { return "\(s / 60)min ago" }
        if s < 86400 { return "\(s / 3600)h ago" }
        return "\(s / 86400)d ago"
    }
}
