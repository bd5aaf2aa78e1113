import Foundation
import GRDB

/// A message for one user about one of their builds (started, succeeded, failed, ...). Kept for the inbox;
/// the server also pushes it live to every client that user has open.
public struct BuildNotification: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "notification"
    public var id: Int64?
    public var userId: UserID
    public var buildId: BuildID?
    /// `build.started`, `build.succeeded`, `build.failed`, `build.cancelled`, `build.interrupted`.
    public var kind: String
    public var message: String
    public var createdAt: Date
    public var readAt: Date?

    public init(userId: UserID, buildId: BuildID?, kind: String, message: String, createdAt: Date = Date()) {
        self.userId = userId
        self.buildId = buildId
        self.kind = kind
        self.message = message
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Whether this is about a build that ended badly (shown as an error, rung louder).
    public var isFailure: Bool { kind == "build.failed" || kind == "build.interrupted" }
}

extension FactoryStore {
    /// Records a notification once per (build, user, kind); returns it when it is new.
    public func recordNotification(_ notification: BuildNotification) throws -> BuildNotification? {
        try write { db in
            var n = notification
            try n.insert(db, onConflict: .ignore)
            return db.changesCount > 0 ? n : nil
        }
    }

    public func notifications(for user: UserID, limit: Int = 50) throws -> [BuildNotification] {
        try read { db in
            try BuildNotification.filter(BuildNotification.Columns.userId == user.rawValue).order(BuildNotification.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    public func user(uid: Int64) throws -> User? {
        try read { db in try User.filter(User.Columns.uid == uid).fetchOne(db) }
    }
}

extension BuildNotification {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let userId = Column(CodingKeys.userId)
        public static let buildId = Column(CodingKeys.buildId)
        public static let kind = Column(CodingKeys.kind)
        public static let message = Column(CodingKeys.message)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let readAt = Column(CodingKeys.readAt)
    }
}
