import Glibc

/// Builds "<pid>/<leaf>" NUL-terminated paths in a fixed buffer for openat on /proc.
struct MetricsPidPath {
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

    /// Calls `body` with "<pid>/<leaf>" as a C string. `leaf` must be a short ASCII static string.
    mutating func with<R>(pid: pid_t, leaf: StaticString, _ body: (UnsafePointer<CChar>) -> R) -> R {
        withUnsafeMutableBytes(of: &storage) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var n = Int(pid)
            var len = 0
            withUnsafeMutableBytes(of: &digits) { d in
                repeat {
                    d[len] = UInt8(48 + n % 10)
                    n /= 10
                    len += 1
                } while n > 0
                for i in 0..<len { p[i] = d[len - 1 - i] }
            }
            p[len] = UInt8(ascii: "/")
            var pos = len + 1
            leaf.withUTF8Buffer { leafBytes in
                for b in leafBytes where pos < raw.count - 1 {
                    p[pos] = b
                    pos += 1
                }
            }
            p[pos] = 0
            return body(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
        }
    }
}
