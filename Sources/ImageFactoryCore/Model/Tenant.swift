import Foundation
import GRDB

public struct Tenant: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "tenant"
    public var id: TenantID?
    public var name: String
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = TenantID(rawValue: inserted.rowID) }
}

extension Tenant {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let name = Column(CodingKeys.name)
        public static let createdAt = Column(CodingKeys.createdAt)
    }
}
