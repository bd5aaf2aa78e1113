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

    public init(id: UserID?, tenantId: TenantID, login: String, uid: Int64?, displayName: String, email: String?,
                createdAt: Date, lastActiveAt: Date) {
        self.id = id
        self.tenantId = tenantId
        self.login = login
        self.uid = uid
        self.displayName = displayName
        self.email = email
        self.createdAt = createdAt
        self.lastActiveAt = lastActiveAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = UserID(rawValue: inserted.rowID) }
}

extension User {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let tenantId = Column(CodingKeys.tenantId)
        public static let login = Column(CodingKeys.login)
        public static let uid = Column(CodingKeys.uid)
        public static let displayName = Column(CodingKeys.displayName)
        public static let email = Column(CodingKeys.email)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let lastActiveAt = Column(CodingKeys.lastActiveAt)
    }
}
