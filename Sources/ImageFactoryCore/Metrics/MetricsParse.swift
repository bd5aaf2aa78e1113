import Glibc

/// Small helpers for parsing ASCII numbers out of kernel text without allocating.
enum MetricsParse {
    /// Parses an unsigned decimal starting at `i`, skipping leading spaces; advances `i` past it.
    @inline(__always)
    static func uint(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int64 {
        while i < b.count && (b[i] == 32 || b[i] == 9) { i += 1 }
        var v: Int64 = 0
        while i < b.count {
            let c = b[i]
            guard c >= 48 && c <= 57 else { break }
            v = v &* 10 &+ Int64(c &- 48)
            i += 1
        }
        return v
    }

    /// Parses a signed decimal (procfs prints some stat fields as signed).
    @inline(__always)
    static func int(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int64 {
        while i < b.count && (b[i] == 32 || b[i] == 9) { i += 1 }
        if i < b.count && b[i] == UInt8(ascii: "-") {
            i += 1
            return -uint(b, &i)
        }
        return uint(b, &i)
    }

    /// Skips one space-separated field.
    @inline(__always)
    static func skipField(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
        while i < b.count && b[i] == 32 { i += 1 }
        while i < b.count && b[i] != 32 { i += 1 }
    }

    /// The first number in the buffer (a file holding just one), or -1.
    static func value(in b: UnsafeBufferPointer<UInt8>) -> Int64 {
        var i = 0
        while i < b.count && (b[i] < 48 || b[i] > 57) { i += 1 }
        return i < b.count ? uint(b, &i) : -1
    }

    /// Finds "key" at a line start and parses the number after it; nil if absent.
    static func value(after key: StaticString, in b: UnsafeBufferPointer<UInt8>) -> Int64? {
        key.withUTF8Buffer { k -> Int64? in
            var lineStart = 0
            while lineStart < b.count {
                var matched = lineStart + k.count <= b.count
                if matched {
                    for j in 0..<k.count where b[lineStart + j] != k[j] {
                        matched = false
                        break
                    }
                }
                if matched {
                    var i = lineStart + k.count
                    return int(b, &i)
                }
                while lineStart < b.count && b[lineStart] != 10 { lineStart += 1 }
                lineStart += 1
            }
            return nil
        }
    }
}
