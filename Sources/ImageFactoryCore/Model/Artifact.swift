import Foundation
import GRDB

public enum ArtifactStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case ready, failed
}

public struct Artifact: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "artifact"
    public var id: ArtifactID?
    public var buildId: BuildID
    public var name: String
    /// Path relative to the build's workspace where it was found.
    public var sourcePath: String
    /// Path relative to the data directory where the stored copy lives.
    public var storedPath: String
    public var size: Int64
    public var type: String
    public var sha256: String
    public var status: ArtifactStatus
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = ArtifactID(rawValue: inserted.rowID) }
}

extension Artifact {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let buildId = Column(CodingKeys.buildId)
        public static let name = Column(CodingKeys.name)
        public static let sourcePath = Column(CodingKeys.sourcePath)
        public static let storedPath = Column(CodingKeys.storedPath)
        public static let size = Column(CodingKeys.size)
        public static let type = Column(CodingKeys.type)
        public static let sha256 = Column(CodingKeys.sha256)
        public static let status = Column(CodingKeys.status)
        public static let createdAt = Column(CodingKeys.createdAt)
    }
}
