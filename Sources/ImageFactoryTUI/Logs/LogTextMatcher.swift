/// Finds a search needle in one line's plain text the way ``LogReader`` does (byte-wise, folding
/// ASCII letters only when case-insensitive), so highlights agree with what search and count found.
struct LogTextMatcher: Sendable {
    let needle: [UInt8]
    let caseInsensitive: Bool

    init(_ query: String, caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        needle = caseInsensitive ? query.utf8.map(Self.lower) : Array(query.utf8)
    }

    /// Smart case: a query without uppercase letters matches any case.
    static func isCaseInsensitive(_ query: String) -> Bool { query.lowercased() == query }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    /// UTF-8 offset ranges of the non-overlapping matches in `text`.
    func ranges(in text: String) -> [Range<Int>] {
        let n = needle.count
        guard n > 0 else { return [] }
        var copy = text
        return copy.withUTF8 { bytes -> [Range<Int>] in
            var result: [Range<Int>] = []
            guard bytes.count >= n else { return result }
            let first = needle[0]
            var i = 0
            let last = bytes.count - n
            while i <= last {
                let b = caseInsensitive ? Self.lower(bytes[i]) : bytes[i]
                if b == first {
                    var j = 1
                    while j < n {
                        let c = caseInsensitive ? Self.lower(bytes[i + j]) : bytes[i + j]
                        if c != needle[j] { break }
                        j += 1
                    }
                    if j == n {
                        result.append(i..<(i + n))
                        i += n
                        continue
                    }
                }
                i += 1
            }
            return result
        }
    }
}
