/// Peak and mean of a series of samples from one sampler.
///
/// Means of rates and CPU are weighted by time: each sample's rate covers the interval
/// since the sample before it, so the first sample's rate (which covers no interval in the
/// series) is left out and uneven intervals weigh what they lasted. Memory is a level, not a
/// rate, so its mean is the plain average of all samples.
public struct MetricSummary: Sendable, Codable, Hashable {
    public var sampleCount: Int
    public var peakCpuPercent: Double
    public var meanCpuPercent: Double
    public var peakMemoryBytes: Int64
    public var meanMemoryBytes: Int64
    public var peakDiskReadBytesPerSec: Double
    public var meanDiskReadBytesPerSec: Double
    public var peakDiskWriteBytesPerSec: Double
    public var meanDiskWriteBytesPerSec: Double
    /// Host-wide, like the samples.
    public var peakNetReceiveBytesPerSec: Double
    public var meanNetReceiveBytesPerSec: Double
    public var peakNetTransmitBytesPerSec: Double
    public var meanNetTransmitBytesPerSec: Double

    public init(
        sampleCount: Int = 0,
        peakCpuPercent: Double = 0, meanCpuPercent: Double = 0,
        peakMemoryBytes: Int64 = 0, meanMemoryBytes: Int64 = 0,
        peakDiskReadBytesPerSec: Double = 0, meanDiskReadBytesPerSec: Double = 0,
        peakDiskWriteBytesPerSec: Double = 0, meanDiskWriteBytesPerSec: Double = 0,
        peakNetReceiveBytesPerSec: Double = 0, meanNetReceiveBytesPerSec: Double = 0,
        peakNetTransmitBytesPerSec: Double = 0, meanNetTransmitBytesPerSec: Double = 0
    ) {
        self.sampleCount = sampleCount
        self.peakCpuPercent = peakCpuPercent
        self.meanCpuPercent = meanCpuPercent
        self.peakMemoryBytes = peakMemoryBytes
        self.meanMemoryBytes = meanMemoryBytes
        self.peakDiskReadBytesPerSec = peakDiskReadBytesPerSec
        self.meanDiskReadBytesPerSec = meanDiskReadBytesPerSec
        self.peakDiskWriteBytesPerSec = peakDiskWriteBytesPerSec
        self.meanDiskWriteBytesPerSec = meanDiskWriteBytesPerSec
        self.peakNetReceiveBytesPerSec = peakNetReceiveBytesPerSec
        self.meanNetReceiveBytesPerSec = meanNetReceiveBytesPerSec
        self.peakNetTransmitBytesPerSec = peakNetTransmitBytesPerSec
        self.meanNetTransmitBytesPerSec = meanNetTransmitBytesPerSec
    }

    /// Samples are expected in time order, as one sampler produced them.
    public static func summarize(_ samples: [MetricSample]) -> MetricSummary {
        var s = MetricSummary(sampleCount: samples.count)
        guard let first = samples.first else { return s }

        var memorySum: Double = 0
        for x in samples {
            s.peakCpuPercent = max(s.peakCpuPercent, x.cpuPercent)
            s.peakMemoryBytes = max(s.peakMemoryBytes, x.memoryBytes)
            s.peakDiskReadBytesPerSec = max(s.peakDiskReadBytesPerSec, x.diskReadBytesPerSec)
            s.peakDiskWriteBytesPerSec = max(s.peakDiskWriteBytesPerSec, x.diskWriteBytesPerSec)
            s.peakNetReceiveBytesPerSec = max(s.peakNetReceiveBytesPerSec, x.netReceiveBytesPerSec)
            s.peakNetTransmitBytesPerSec = max(s.peakNetTransmitBytesPerSec, x.netTransmitBytesPerSec)
            memorySum += Double(x.memoryBytes)
        }
        s.meanMemoryBytes = Int64((memorySum / Double(samples.count)).rounded())

        var weights: Double = 0
        var cpu: Double = 0, rd: Double = 0, wr: Double = 0, rx: Double = 0, tx: Double = 0
        var previous = first.timeMs
        for x in samples.dropFirst() {
            let w = Double(max(0, x.timeMs - previous))
            previous = x.timeMs
            weights += w
            cpu += x.cpuPercent * w
            rd += x.diskReadBytesPerSec * w
            wr += x.diskWriteBytesPerSec * w
            rx += x.netReceiveBytesPerSec * w
            tx += x.netTransmitBytesPerSec * w
        }
        if weights > 0 {
            s.meanCpuPercent = cpu / weights
            s.meanDiskReadBytesPerSec = rd / weights
            s.meanDiskWriteBytesPerSec = wr / weights
            s.meanNetReceiveBytesPerSec = rx / weights
            s.meanNetTransmitBytesPerSec = tx / weights
        } else {
            // A single sample (or identical timestamps) has no interval to weigh by.
            let n = Double(samples.count)
            s.meanCpuPercent = samples.reduce(0) { $0 + $1.cpuPercent } / n
            s.meanDiskReadBytesPerSec = samples.reduce(0) { $0 + $1.diskReadBytesPerSec } / n
            s.meanDiskWriteBytesPerSec = samples.reduce(0) { $0 + $1.diskWriteBytesPerSec } / n
            s.meanNetReceiveBytesPerSec = samples.reduce(0) { $0 + $1.netReceiveBytesPerSec } / n
            s.meanNetTransmitBytesPerSec = samples.reduce(0) { $0 + $1.netTransmitBytesPerSec } / n
        }
        return s
    }
}
