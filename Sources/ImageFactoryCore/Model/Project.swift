import Foundation
import GRDB

public struct Project: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "project"
    public var id: ProjectID?
    public var tenantId: TenantID
    public var name: String
    public var description: String
    public var readme: String
    public var defaultMethod: BuildMethod
    /// Comma-separated method names; see `allowedMethodSet`.
    public var allowedMethods: String
    public var defaultCpus: Double?
    public var defaultMemoryBytes: Int64?
    public var defaultTimeoutSeconds: Int64?
    /// Shell command that installs missing dependencies; `{packages}` is replaced by their names. Nil: nothing is installed.
    public var installerCommand: String?
    /// Which engine runs the docker and buildx methods: `auto` (a running Docker engine, else podman), `podman` or `docker`.
    public var containerEngine: ContainerEngineChoice = .auto
    public var createdAt: Date
    /// Set when an admin archived the project: its history stays readable, it takes no new builds.
    public var archivedAt: Date? = nil
    /// The project's log limit as written (`512MiB`, `2000000 lines`); nil: the default, 1 GiB.
    public var logLimit: String? = nil

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = ProjectID(rawValue: inserted.rowID) }

    public var allowedMethodSet: Set<BuildMethod> {
        Set(allowedMethods.split(separator: ",").compactMap { BuildMethod(rawValue: String($0)) })
    }

    public var validationContext: ManifestValidationContext {
        ManifestValidationContext(allowedMethods: allowedMethodSet, defaultMethod: defaultMethod)
    }
}

public struct Membership: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "membership"
    public var projectId: ProjectID
    public var userId: UserID
    public var role: Role
    public var createdAt: Date
}

extension Project {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let tenantId = Column(CodingKeys.tenantId)
        public static let name = Column(CodingKeys.name)
        public static let description = Column(CodingKeys.description)
        public static let readme = Column(CodingKeys.readme)
        public static let defaultMethod = Column(CodingKeys.defaultMethod)
        public static let allowedMethods = Column(CodingKeys.allowedMethods)
        public static let defaultCpus = Column(CodingKeys.defaultCpus)
        public static let defaultMemoryBytes = Column(CodingKeys.defaultMemoryBytes)
        public static let defaultTimeoutSeconds = Column(CodingKeys.defaultTimeoutSeconds)
        public static let installerCommand = Column(CodingKeys.installerCommand)
        public static let containerEngine = Column(CodingKeys.containerEngine)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let archivedAt = Column(CodingKeys.archivedAt)
        public static let logLimit = Column(CodingKeys.logLimit)
    }
}

extension Membership {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let projectId = Column(CodingKeys.projectId)
        public static let userId = Column(CodingKeys.userId)
        public static let role = Column(CodingKeys.role)
        public static let createdAt = Column(CodingKeys.createdAt)
    }
}
