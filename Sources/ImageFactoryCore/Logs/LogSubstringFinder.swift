import CSystemShims

/// Finds a needle in mapped log text with glibc's memmem. Case-insensitive search folds ASCII letters
/// only (non-ASCII letters must match exactly): it lowercases the text a window at a time into a
/// private buffer and searches there, so offsets stay the same as in the text.
final class LogSubstringFinder {
    let needle: [UInt8]
    private let folding: Bool
    private var window: UnsafeMutableRawPointer?
    private var windowStart = 0
    private var windowEnd = 0
    private let windowBytes: Int

    init(_ needle: String, caseInsensitive: Bool) {
        var bytes = Array(needle.utf8)
        let hasLetters = bytes.contains { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        folding = caseInsensitive && hasLetters
        if folding { bytes.withUnsafeMutableBufferPointer { if_ascii_lower($0.baseAddress!, $0.baseAddress!, $0.count) } }
        self.needle = bytes
        windowBytes = max(256 * 1024, bytes.count * 4)
    }

    deinit { window?.deallocate() }

    /// True for a needle no line can contain.
    var isImpossible: Bool { needle.contains(0x0A) }

    /// Offset of the first occurrence at or after `from` that ends by `end`.
    func next(in text: UnsafeRawPointer, from: Int, end: Int) -> Int? {
        let n = needle.count
        guard from + n <= end else { return nil }
        return needle.withUnsafeBytes { needleBytes in
            guard folding else {
                guard let hit = if_memmem(text + from, end - from, needleBytes.baseAddress!, n) else { return nil }
                return UnsafeRawPointer(hit) - text
            }
            var p = from
            while p + n <= end {
                // Reuse the lowered window while it holds p and a match there cannot cross its end unseen.
                if !(p >= windowStart && p < windowEnd && (windowEnd >= end || p + n <= windowEnd)) {
                    lowerWindow(text, from: p, end: end)
                }
                let lowered = UnsafeRawPointer(window!)
                let limit = min(windowEnd, end)
                if let hit = if_memmem(lowered + (p - windowStart), limit - p, needleBytes.baseAddress!, n) {
                    return UnsafeRawPointer(hit) - lowered + windowStart
                }
                if limit >= end { return nil }
                p = windowEnd - (n - 1)
                windowEnd = p  // force a fresh window starting at p
            }
            return nil
        }
    }

    private func lowerWindow(_ text: UnsafeRawPointer, from p: Int, end: Int) {
        if window == nil { window = UnsafeMutableRawPointer.allocate(byteCount: windowBytes, alignment: 64) }
        let count = min(windowBytes, end - p)
        if_ascii_lower(window!.assumingMemoryBound(to: UInt8.self), (text + p).assumingMemoryBound(to: UInt8.self), count)
        windowStart = p
        windowEnd = p + count
    }
}
