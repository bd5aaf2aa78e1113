import Foundation
import GRDB

public struct ActivityEvent: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "activity"
    public var id: Int64?
    public var tenantId: TenantID
    public var projectId: ProjectID?
    public var userId: UserID?
    public var buildId: BuildID?
    /// Machine-readable kind: build.started, build.succeeded, template.saved ...
    public var kind: String
    public var message: String
    public var createdAt: Date
}

extension ActivityEvent {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let tenantId = Column(CodingKeys.tenantId)
        public static let projectId = Column(CodingKeys.projectId)
        public static let userId = Column(CodingKeys.userId)
        public static let buildId = Column(CodingKeys.buildId)
        public static let kind = Column(CodingKeys.kind)
        public static let message = Column(CodingKeys.message)
        public static let createdAt = Column(CodingKeys.createdAt)
    }
}
