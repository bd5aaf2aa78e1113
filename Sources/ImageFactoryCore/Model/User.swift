import Foundation
import GRDB

public struct User: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "user"
    public var id: UserID?
    public var tenantId: TenantID
    /// The OS login this account belongs to; identity comes from the OS, never from what a client claims.
    public var login: String
    public var uid: Int64?
    public var displayName: String
    public var email: String?
    public var createdAt: Date
    public var lastActiveAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = UserID(rawValue: inserted.rowID) }
}
