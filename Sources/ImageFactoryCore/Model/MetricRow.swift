import GRDB

/// One stored metric sample of a build.
public struct MetricRow: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metricSample"
    public var buildId: BuildID
    public var timeMs: Int64
    public var cpuPercent: Double
    public var memoryBytes: Int64
    public var diskReadBytesPerSec: Double
    public var diskWriteBytesPerSec: Double
    public var netReceiveBytesPerSec: Double
    public var netTransmitBytesPerSec: Double
    public var processCount: Int
}
