import Glibc

/// Clock readings used for rates and for telling new processes from old ones.
enum MetricsClock {
    static func nanoseconds(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static let ticksPerSecond: Int64 = {
        let t = sysconf(Int32(_SC_CLK_TCK))
        return t > 0 ? Int64(t) : 100
    }()

    static let pageSize: Int64 = {
        let p = sysconf(Int32(_SC_PAGESIZE))
        return p > 0 ? Int64(p) : 4096
    }()

    static var onlineCores: Int {
        max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
