/// One reading of a build's resource use.
///
/// Rates and `cpuPercent` cover the interval since the previous sample of the same
/// sampler; the first sample of a sampler is a baseline with all of them 0.
public struct MetricSample: Sendable, Codable, Hashable {
    /// Milliseconds since the Unix epoch.
    public var timeMs: Int64
    /// Per cent of ONE core: 200 means two cores busy.
    public var cpuPercent: Double
    /// Resident memory (RSS) summed over the build's processes. Shared pages (libraries,
    /// copy-on-write after fork) count once per process, so this is an upper bound.
    public var memoryBytes: Int64
    /// Block-layer reads and writes of the build's processes (/proc/PID/io read_bytes and
    /// write_bytes). I/O of processes that started and exited between two samples is not seen.
    public var diskReadBytesPerSec: Double
    public var diskWriteBytesPerSec: Double
    /// HOST-WIDE network traffic (/proc/net/dev, every interface except lo): not only this build's.
    public var netReceiveBytesPerSec: Double
    public var netTransmitBytesPerSec: Double
    /// Running processes (not threads, not zombies) that belonged to the build at sampling time.
    public var processCount: Int

    public init(
        timeMs: Int64, cpuPercent: Double, memoryBytes: Int64,
        diskReadBytesPerSec: Double, diskWriteBytesPerSec: Double,
        netReceiveBytesPerSec: Double, netTransmitBytesPerSec: Double,
        processCount: Int
    ) {
        self.timeMs = timeMs
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
        self.diskReadBytesPerSec = diskReadBytesPerSec
        self.diskWriteBytesPerSec = diskWriteBytesPerSec
        self.netReceiveBytesPerSec = netReceiveBytesPerSec
        self.netTransmitBytesPerSec = netTransmitBytesPerSec
        self.processCount = processCount
    }
}
