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
