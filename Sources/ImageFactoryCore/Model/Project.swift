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
