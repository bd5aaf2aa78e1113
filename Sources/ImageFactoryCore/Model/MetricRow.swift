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

extension MetricRow {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let buildId = Column(CodingKeys.buildId)
        public static let timeMs = Column(CodingKeys.timeMs)
        public static let cpuPercent = Column(CodingKeys.cpuPercent)
        public static let memoryBytes = Column(CodingKeys.memoryBytes)
        public static let diskReadBytesPerSec = Column(CodingKeys.diskReadBytesPerSec)
        public static let diskWriteBytesPerSec = Column(CodingKeys.diskWriteBytesPerSec)
        public static let netReceiveBytesPerSec = Column(CodingKeys.netReceiveBytesPerSec)
        public static let netTransmitBytesPerSec = Column(CodingKeys.netTransmitBytesPerSec)
        public static let processCount = Column(CodingKeys.processCount)
    }
}
