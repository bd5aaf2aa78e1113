import Foundation
import ImageFactoryCore

/// How the view shows each line's time.
public enum LogTimestampMode: String, Sendable, CaseIterable {
    case off
    /// Wall-clock time: build start plus the line's offset, `HH:mm:ss.SSS` in the view's time zone.
    case absolute
    /// Offset from the build start: `+MM:SS.mmm`, or `+H:MM:SS.mmm` past an hour.
    case relative
}

enum LogTimestampFormat {
    static func relative(_ ms: UInt32) -> String {
        let total = Int(ms)
        let millis = total % 1000
        let seconds = (total / 1000) % 60
        let minutes = (total / 60_000) % 60
        let hours = total / 3_600_000
        let tail = "\(pad(seconds, 2)).\(pad(millis, 3))"
        return hours > 0 ? "+\(hours):\(pad(minutes, 2)):\(tail)" : "+\(pad(minutes, 2)):\(tail)"
    }

    static func absolute(_ ms: UInt32, start: Date, calendar: Calendar) -> String {
        // Whole milliseconds first: going through Date's Double nanoseconds would round 123 ms to 122.
        let epochMs = Int64((start.timeIntervalSince1970 * 1000).rounded()) + Int64(ms)
        let (seconds, millisPart) = epochMs.quotientAndRemainder(dividingBy: 1000)
        let wholeSeconds = millisPart < 0 ? seconds - 1 : seconds
        let millis = Int(millisPart < 0 ? millisPart + 1000 : millisPart)
        let parts = calendar.dateComponents([.hour, .minute, .second], from: Date(timeIntervalSince1970: Double(wholeSeconds)))
        return "\(pad(parts.hour ?? 0, 2)):\(pad(parts.minute ?? 0, 2)):\(pad(parts.second ?? 0, 2)).\(pad(millis, 3))"
    }

    /// Columns the relative column needs for a log whose last line is at `ms`.
    static func relativeWidth(upTo ms: UInt32) -> Int { relative(ms).count }

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `1234567` as `1,234,567`, independent of the locale.
    static func grouped(_ value: Int) -> String { DisplayFormat.grouped(value) }
}
