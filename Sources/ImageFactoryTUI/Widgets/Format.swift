import Foundation
import ImageFactoryCore

enum TUIFormat {
    static func duration(_ t: TimeInterval?) -> String { DisplayFormat.duration(t) }
    static func age(_ date: Date, now: Date) -> String { DisplayFormat.age(date, now: now) }

    static func bytes(_ n: Int64) -> String { ByteCount(bytes: max(0, n)).description }
    static func rate(_ n: Double) -> String { bytes(Int64(n.rounded())) + "/s" }
}
