import Foundation
import ImageFactoryCore

enum TUIFormat {
    static func duration(_ t: TimeInterval?) -> String {
        guard let t else { return "-" }
        let s = Int(t.rounded())
        if t < 10 { return String(format: "%.1fs", t) }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
    }

    static func age(_ date: Date, now: Date) -> String {
        let s = Int(now.timeIntervalSince(date))
        if s < 60 { return "just now" }
        if s < 3600 { return "\(s / 60)min ago" }
        if s < 86400 { return "\(s / 3600)h ago" }
        return "\(s / 86400)d ago"
    }

    static func bytes(_ n: Int64) -> String { ByteCount(bytes: max(0, n)).description }
    static func rate(_ n: Double) -> String { bytes(Int64(n.rounded())) + "/s" }
}
