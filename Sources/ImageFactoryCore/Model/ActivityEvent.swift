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
