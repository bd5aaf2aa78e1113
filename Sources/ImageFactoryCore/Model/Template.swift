import Foundation
import GRDB

public enum TemplateScope: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Shipped with the product, one per build method.
    case example
    /// Shared with everyone in the project.
    case team
    /// Saved by one user for themselves.
    case saved
}

public struct Template: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "template"
    public var id: TemplateID?
    public var projectId: ProjectID
    public var scope: TemplateScope
    public var ownerId: UserID
    public var name: String
    public var description: String
    public var method: BuildMethod
    public var manifest: String
    public var createdAt: Date
    public var updatedAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = TemplateID(rawValue: inserted.rowID) }
}

extension Template {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let projectId = Column(CodingKeys.projectId)
        public static let scope = Column(CodingKeys.scope)
        public static let ownerId = Column(CodingKeys.ownerId)
        public static let name = Column(CodingKeys.name)
        public static let description = Column(CodingKeys.description)
        public static let method = Column(CodingKeys.method)
        public static let manifest = Column(CodingKeys.manifest)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }
}
