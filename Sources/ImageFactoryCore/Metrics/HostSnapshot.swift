import Glibc

/// The host's size and current load, for `doctor` and for scheduling builds.
public struct HostSnapshot: Sendable, Codable, Hashable {
    /// Cumulative CPU time of the whole host from the "cpu" line of /proc/stat, in clock ticks.
    public struct CPUTicks: Sendable, Codable, Hashable {
        public var user: Int64, nice: Int64, system: Int64, idle: Int64
        public var iowait: Int64, irq: Int64, softirq: Int64, steal: Int64

        public init(user: Int64 = 0, nice: Int64 = 0, system: Int64 = 0, idle: Int64 = 0,
                    iowait: Int64 = 0, irq: Int64 = 0, softirq: Int64 = 0, steal: Int64 = 0) {
            self.user = user; self.nice = nice; self.system = system; self.idle = idle
            self.iowait = iowait; self.irq = irq; self.softirq = softirq; self.steal = steal
        }

        /// Guest time is already inside user and nice, so it is not added again.
        public var busy: Int64 { user + nice + system + irq + softirq + steal }
        public var total: Int64 { busy + idle + iowait }
    }

    /// "some avg10" figures of /proc/pressure: the share of the last 10 s in which at least
    /// one task waited for the resource. nil where the kernel has no PSI.
    public struct Pressure: Sendable, Codable, Hashable {
        public var cpuSomeAvg10: Double?
        public var memorySomeAvg10: Double?
        public var ioSomeAvg10: Double?

        public init(cpuSomeAvg10: Double? = nil, memorySomeAvg10: Double? = nil, ioSomeAvg10: Double? = nil) {
            self.cpuSomeAvg10 = cpuSomeAvg10
            self.memorySomeAvg10 = memorySomeAvg10
            self.ioSomeAvg10 = ioSomeAvg10
        }
    }

    /// Online CPUs (sysconf(_SC_NPROCESSORS_ONLN)).
    public var cores: Int
    public var memTotalBytes: Int64
    /// MemAvailable: the kernel's estimate of memory usable without swapping.
    public var memAvailableBytes: Int64
    /// 1, 5 and 15 minute load averages.
    public var loadAverage: [Double]
    public var cpuTicks: CPUTicks
    public var pressure: Pressure

    public init(cores: Int, memTotalBytes: Int64, memAvailableBytes: Int64, loadAverage: [Double],
                cpuTicks: CPUTicks, pressure: Pressure) {
        self.cores = cores
        self.memTotalBytes = memTotalBytes
        self.memAvailableBytes = memAvailableBytes
        self.loadAverage = loadAverage
        self.cpuTicks = cpuTicks
        self.pressure = pressure
    }

    public static func read() -> HostSnapshot {
        let buffer = MetricsByteBuffer(capacity: 8192)
        var snapshot = HostSnapshot(
            cores: MetricsClock.onlineCores, memTotalBytes: 0, memAvailableBytes: 0,
            loadAverage: [], cpuTicks: CPUTicks(), pressure: Pressure())

        if buffer.readFile("/proc/meminfo") {
            let b = buffer.bytes
            snapshot.memTotalBytes = (MetricsParse.value(after: "MemTotal:", in: b) ?? 0) * 1024
            snapshot.memAvailableBytes = (MetricsParse.value(after: "MemAvailable:", in: b) ?? 0) * 1024
        }
        if buffer.readFile("/proc/stat") {
            snapshot.cpuTicks = parseCPULine(buffer.bytes) ?? CPUTicks()
        }
        if buffer.readFile("/proc/loadavg") {
            snapshot.loadAverage = String(decoding: buffer.bytes, as: UTF8.self)
                .split(separator: " ").prefix(3).compactMap { Double($0) }
        }
        snapshot.pressure.cpuSomeAvg10 = someAvg10("/proc/pressure/cpu", buffer)
        snapshot.pressure.memorySomeAvg10 = someAvg10("/proc/pressure/memory", buffer)
        snapshot.pressure.ioSomeAvg10 = someAvg10("/proc/pressure/io", buffer)
        return snapshot
    }

    /// Host CPU use between two snapshots, in per cent of ONE core (like MetricSample.cpuPercent).
    public static func cpuPercent(from earlier: HostSnapshot, to later: HostSnapshot) -> Double {
        let total = later.cpuTicks.total - earlier.cpuTicks.total
        let busy = later.cpuTicks.busy - earlier.cpuTicks.busy
        guard total > 0 else { return 0 }
        return Double(max(0, busy)) / Double(total) * 100 * Double(later.cores)
    }

    static func parseCPULine(_ b: UnsafeBufferPointer<UInt8>) -> CPUTicks? {
        guard b.count > 4, b[0] == UInt8(ascii: "c"), b[1] == UInt8(ascii: "p"),
              b[2] == UInt8(ascii: "u"), b[3] == UInt8(ascii: " ") else { return nil }
        var i = 4
        var t = CPUTicks()
        t.user = MetricsParse.uint(b, &i)
        t.nice = MetricsParse.uint(b, &i)
        t.system = MetricsParse.uint(b, &i)
        t.idle = MetricsParse.uint(b, &i)
        t.iowait = MetricsParse.uint(b, &i)
        t.irq = MetricsParse.uint(b, &i)
        t.softirq = MetricsParse.uint(b, &i)
        t.steal = MetricsParse.uint(b, &i)
        return t
    }

    private static func someAvg10(_ path: String, _ buffer: MetricsByteBuffer) -> Double? {
        guard buffer.readFile(path) else { return nil }
        let text = String(decoding: buffer.bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("some ") }),
              let field = line.split(separator: " ").first(where: { $0.hasPrefix("avg10=") })
        else { return nil }
        return Double(field.dropFirst("avg10=".count))
    }
}
