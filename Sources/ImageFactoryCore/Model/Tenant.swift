import Foundation
import GRDB

public struct Tenant: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "tenant"
    public var id: TenantID?
    public var name: String
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = TenantID(rawValue: inserted.rowID) }
}
