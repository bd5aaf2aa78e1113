import Foundation
import GRDB

/// The project database: one DatabasePool over one SQLite file in WAL mode.
/// Several processes (a CLI, a detached build runner) may open it at once; writers wait for each other.
public final class FactoryStore: Sendable {
    public let directory: DataDirectory
    public let pool: DatabasePool

    public init(directory: DataDirectory) throws {
        self.directory = directory
        try directory.create()
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(15)
        config.label = "imagefactory"
        do {
            pool = try DatabasePool(path: directory.databaseURL.path, configuration: config)
        } catch {
            throw FactoryError.storage("cannot open the database at \(directory.databaseURL.path): \(error)")
        }
        chmod(directory.databaseURL.path, 0o600)
        do {
            try Schema.migrator.migrate(pool)
        } catch {
            throw FactoryError.storage("cannot migrate the database at \(directory.databaseURL.path): \(error)")
        }
    }

    /// One transaction. Synchronous on purpose, so async callers don't pick GRDB's async overload.
    /// A write that had to wait for another writer (up to the 15 s busy timeout) says so through
    /// ``slowWriteReporter``: the server's log, or a runner's own log.
    public func write<T>(_ updates: (Database) throws -> T) throws -> T {
        let start = ContinuousClock.now
        defer {
            let waited = ContinuousClock.now - start
            if waited > Self.slowWrite { Self.reportSlowWrite(waited, path: directory.databaseURL.path) }
        }
        return try pool.write(updates)
    }

    /// Writes slower than this are reported: the database was held by another writer (or the disk stalled).
    public static let slowWrite: Duration = .seconds(1)

    nonisolated(unsafe) private static var reporter: (@Sendable (String) -> Void)?
    private static let reporterLock = NSLock()

    /// Where slow writes are told; stderr when unset (a runner's stderr is its runner.log).
    public static var slowWriteReporter: (@Sendable (String) -> Void)? {
        get { reporterLock.withLock { reporter } }
        set { reporterLock.withLock { reporter = newValue } }
    }

    static func reportSlowWrite(_ waited: Duration, path: String) {
        let seconds = Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18
        let message = String(format: "a database write waited %.1f s for %@ (another writer held it, or the disk is slow)", seconds, path)
        if let report = slowWriteReporter {
            report(message)
        } else {
            try? FileHandle.standardError.write(contentsOf: Data("imagefactory: \(message)\n".utf8))
        }
    }

    public func read<T>(_ value: (Database) throws -> T) throws -> T {
        try pool.read(value)
    }

    /// Which resource limits this machine lets the runner enforce, under this data directory's cgroup parent.
    public func limitCapabilities() -> LimitCapabilities {
        LimitCapabilities.detect(parentName: directory.cgroupParentName)
    }

    public func schemaVersion() throws -> String {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1") ?? "none"
        }
    }

    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "unknown" }
    }

    // MARK: Users, projects, memberships

    public func user(login: String) throws -> User? {
        try pool.read { db in try User.filter(User.Columns.login == login).fetchOne(db) }
    }

    public func user(id: UserID) throws -> User? {
        try pool.read { db in try User.fetchOne(db, key: id.rawValue) }
    }

    public func users(ids: Set<UserID>) throws -> [UserID: User] {
        try pool.read { db in
            let rows = try User.filter(ids.map(\.rawValue).contains(User.Columns.id)).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: rows.compactMap { u in u.id.map { ($0, u) } })
        }
    }

    public func touch(user id: UserID, at date: Date = Date()) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE user SET lastActiveAt = ? WHERE id = ?", arguments: [date, id.rawValue])
        }
    }

    public func projects(visibleTo user: UserID) throws -> [(Project, Role)] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT project.*, membership.role AS memberRole FROM project
                JOIN membership ON membership.projectId = project.id AND membership.userId = ?
                ORDER BY project.name
                """, arguments: [user.rawValue])
            return try rows.map { row in (try Project(row: row), Role(rawValue: row["memberRole"]) ?? .viewer) }
        }
    }

    public func project(named name: String) throws -> Project? {
        try pool.read { db in try Project.filter(Project.Columns.name == name).fetchOne(db) }
    }

    public func project(id: ProjectID) throws -> Project? {
        try pool.read { db in try Project.fetchOne(db, key: id.rawValue) }
    }

    public func role(of user: UserID, in project: ProjectID) throws -> Role? {
        try pool.read { db in
            try Membership.fetchOne(db, key: [Membership.Columns.projectId.name: project.rawValue, Membership.Columns.userId.name: user.rawValue])?.role
        }
    }

    public func members(of project: ProjectID) throws -> [(User, Role)] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT user.*, membership.role AS memberRole FROM user
                JOIN membership ON membership.userId = user.id AND membership.projectId = ?
                ORDER BY user.login
                """, arguments: [project.rawValue])
            return try rows.map { row in (try User(row: row), Role(rawValue: row["memberRole"]) ?? .viewer) }
        }
    }

    // MARK: Templates

    /// Templates a user can see in a project: examples, team templates, and their own saved ones.
    public func templates(in project: ProjectID, visibleTo user: UserID) throws -> [Template] {
        try pool.read { db in
            try Template.fetchAll(db, sql: """
                SELECT * FROM template WHERE projectId = ? AND (scope != ? OR ownerId = ?)
                ORDER BY CASE scope WHEN ? THEN 0 WHEN ? THEN 1 ELSE 2 END, name
                """, arguments: [project.rawValue, TemplateScope.saved, user.rawValue, TemplateScope.saved, TemplateScope.team])
        }
    }

    public func template(id: TemplateID) throws -> Template? {
        try pool.read { db in try Template.fetchOne(db, key: id.rawValue) }
    }

    // MARK: Builds

    public func build(id: BuildID) throws -> Build? {
        try pool.read { db in try Build.fetchOne(db, key: id.rawValue) }
    }

    public func build(project: ProjectID, number: BuildNumber) throws -> Build? {
        try pool.read { db in
            try Build.filter(Build.Columns.projectId == project.rawValue && Build.Columns.number == number.rawValue).fetchOne(db)
        }
    }

    public func builds(project: ProjectID?, statuses: Set<BuildStatus>? = nil, limit: Int = 50) throws -> [Build] {
        try pool.read { db in
            var request = Build.all()
            if let project { request = request.filter(Build.Columns.projectId == project.rawValue) }
            if let statuses { request = request.filter(statuses.map(\.rawValue).contains(Build.Columns.status)) }
            return try request.order(Build.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    public func steps(of build: BuildID) throws -> [Step] {
        try pool.read { db in try Step.filter(Step.Columns.buildId == build.rawValue).order(Step.Columns.idx).fetchAll(db) }
    }

    public func toolSteps(of build: BuildID) throws -> [ToolStep] {
        try pool.read { db in try ToolStep.filter(ToolStep.Columns.buildId == build.rawValue).order(ToolStep.Columns.seq).fetchAll(db) }
    }

    public func metrics(of build: BuildID, sinceMs: Int64 = 0) throws -> [MetricRow] {
        try pool.read { db in
            try MetricRow.filter(MetricRow.Columns.buildId == build.rawValue && MetricRow.Columns.timeMs > sinceMs)
                .order(MetricRow.Columns.timeMs).fetchAll(db)
        }
    }

    public func artifacts(of build: BuildID) throws -> [Artifact] {
        try pool.read { db in try Artifact.filter(Artifact.Columns.buildId == build.rawValue).order(Artifact.Columns.name).fetchAll(db) }
    }

    public func activity(project: ProjectID?, limit: Int = 50) throws -> [ActivityEvent] {
        try pool.read { db in
            var request = ActivityEvent.all()
            if let project { request = request.filter(ActivityEvent.Columns.projectId == project.rawValue) }
            return try request.order(ActivityEvent.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// Durations of the latest successful builds of the same manifest, for an estimate.
    public func recentSuccessfulDurations(project: ProjectID, manifestSha256: String, limit: Int = 5) throws -> [TimeInterval] {
        try pool.read { db in
            try Build.filter(Build.Columns.projectId == project.rawValue && Build.Columns.manifestSha256 == manifestSha256
                             && Build.Columns.status == BuildStatus.succeeded.rawValue)
                .order(Build.Columns.id.desc).limit(limit).fetchAll(db).compactMap(\.duration)
        }
    }
}
