import Glibc

/// The fields of /proc/PID/stat the sampler needs.
struct MetricsProcStat: Equatable {
    var state: UInt8 = 0       // field 3: 'R', 'S', 'Z', ...
    var ppid: Int32 = 0        // field 4
    var pgrp: Int32 = 0        // field 5
    var session: Int32 = 0     // field 6
    var utime: Int64 = 0       // field 14, clock ticks
    var stime: Int64 = 0       // field 15
    var cutime: Int64 = 0      // field 16: waited-for children, recursively
    var cstime: Int64 = 0      // field 17
    var startTicks: Int64 = 0  // field 22, clock ticks after boot
    var rssPages: Int64 = 0    // field 24

    /// Parses a stat line. comm (field 2) may hold spaces and ')' itself, so the fixed fields
    /// start after the LAST ')'.
    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> MetricsProcStat? {
        var close = b.count - 1
        while close >= 0 && b[close] != UInt8(ascii: ")") { close -= 1 }
        guard close >= 0 else { return nil }
        var i = close + 1
        var s = MetricsProcStat()
        while i < b.count && b[i] == 32 { i += 1 }
        if i < b.count { s.state = b[i] }
        MetricsParse.skipField(b, &i)
        s.ppid = Int32(truncatingIfNeeded: MetricsParse.int(b, &i))
        s.pgrp = Int32(truncatingIfNeeded: MetricsParse.int(b, &i))
        s.session = Int32(truncatingIfNeeded: MetricsParse.int(b, &i))
        for _ in 7...13 { MetricsParse.skipField(b, &i) }
        s.utime = MetricsParse.int(b, &i)
        s.stime = MetricsParse.int(b, &i)
        s.cutime = MetricsParse.int(b, &i)
        s.cstime = MetricsParse.int(b, &i)
        for _ in 18...21 { MetricsParse.skipField(b, &i) }
        s.startTicks = MetricsParse.int(b, &i)
        MetricsParse.skipField(b, &i)                 // 23 vsize
        // A line cut short would run out before field 24.
        guard i < b.count else { return nil }
        s.rssPages = MetricsParse.int(b, &i)
        return s
    }
}
