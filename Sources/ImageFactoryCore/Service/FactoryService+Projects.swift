import Foundation
import GRDB

extension FactoryService {
    static let namePattern = #"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"#

    /// Creates a project in the caller's tenant; the caller becomes its owner. Any user may create one.
    public func createProject(name: String, description: String) throws -> Project {
        guard name.range(of: Self.namePattern, options: .regularExpression) != nil else {
            throw FactoryError.invalidInput("project name `\(name)`: use letters, digits, `.`, `_` and `-`, starting with a letter or digit (at most 64)")
        }
        let now = Date()
        let creator = user
        return try store.write { db in
            if try Project.filter(Project.Columns.name == name && Project.Columns.tenantId == creator.tenantId.rawValue).fetchCount(db) > 0 {
                throw FactoryError.conflict("a project named `\(name)` already exists: choose another name")
            }
            var project = Project(id: nil, tenantId: creator.tenantId, name: name, description: description, readme: "",
                                  defaultMethod: .shell, allowedMethods: BuildMethod.concrete.map(\.rawValue).joined(separator: ","),
                                  defaultCpus: nil, defaultMemoryBytes: nil, defaultTimeoutSeconds: 3600,
                                  installerCommand: nil, createdAt: now)
            try project.insert(db)
            try Membership(projectId: project.id!, userId: creator.id!, role: .owner, createdAt: now).insert(db)
            try ActivityEvent(id: nil, tenantId: creator.tenantId, projectId: project.id, userId: creator.id, buildId: nil,
                              kind: "project.created", message: "\(creator.login) created project \(name)", createdAt: now).insert(db)
            return project
        }
    }

    /// Renames, archives or changes the settings of a project (admins); every change is in the activity trail.
    public func changeProject(_ project: Project, _ change: ProjectSettingsChange) throws -> Project {
        try authorize(.changeSettings, in: project)
        guard !change.isEmpty else { throw FactoryError.invalidInput("nothing to change: name a setting") }
        var p = project
        var said: [String] = []
        if let name = change.name, name != p.name {
            guard name.range(of: Self.namePattern, options: .regularExpression) != nil else {
                throw FactoryError.invalidInput("project name `\(name)`: use letters, digits, `.`, `_` and `-` (at most 64)")
            }
            guard p.name != Bootstrap.examplesProject else {
                throw FactoryError.conflict("the `examples` project keeps its name: every new user's templates come from it")
            }
            said.append("renamed \(p.name) to \(name)")
            p.name = name
        }
        if let d = change.description { p.description = d; said.append("set the description") }
        if let allowed = change.allowedMethods {
            let concrete = allowed.filter { $0 != .default }
            guard !concrete.isEmpty else { throw FactoryError.invalidInput("allowed methods: name at least one of \(BuildMethod.concrete.map(\.rawValue).joined(separator: ", "))") }
            p.allowedMethods = BuildMethod.concrete.filter(concrete.contains).map(\.rawValue).joined(separator: ",")
            said.append("allowed methods \(p.allowedMethods)")
        }
        if let m = change.defaultMethod {
            guard m != .default else { throw FactoryError.invalidInput("default method: name a method, not `default`") }
            p.defaultMethod = m
            said.append("default method \(m.rawValue)")
        }
        guard p.allowedMethodSet.contains(p.defaultMethod) else {
            throw FactoryError.invalidInput("default method `\(p.defaultMethod.rawValue)` is not among the allowed methods (\(p.allowedMethods))")
        }
        if let e = change.containerEngine { p.containerEngine = e; said.append("container engine \(e.rawValue)") }
        if let i = change.installerCommand {
            if i.isEmpty {
                p.installerCommand = nil
            } else {
                guard i.contains("{packages}") else {
                    throw FactoryError.invalidInput("installer command `\(i)`: it must contain `{packages}`, where the packages' names go")
                }
                p.installerCommand = i
            }
            said.append(i.isEmpty ? "removed the installer command" : "installer command `\(i)`")
        }
        if let c = change.defaultCpus {
            guard c >= 0, c <= 1024 else { throw FactoryError.invalidInput("default cpus \(c): use 0 (none) to 1024") }
            p.defaultCpus = c == 0 ? nil : c
            said.append("default cpus \(c == 0 ? "none" : LimitPlan.formatCPUs(c))")
        }
        if let m = change.defaultMemoryBytes {
            guard m >= 0 else { throw FactoryError.invalidInput("default memory must not be negative") }
            p.defaultMemoryBytes = m == 0 ? nil : m
            said.append("default memory \(m == 0 ? "none" : ByteCount(bytes: m).description)")
        }
        if let t = change.defaultTimeoutSeconds {
            guard t >= 0 else { throw FactoryError.invalidInput("default timeout must not be negative") }
            p.defaultTimeoutSeconds = t == 0 ? nil : t
            said.append("default timeout \(t == 0 ? "none" : DurationParser.format(.seconds(t)))")
        }
        if let text = change.logLimit {
            if text.isEmpty {
                p.logLimit = nil
                said.append("log limit back to the default \(LogLimit.standard)")
            } else {
                guard let limit = LogLimit(parsing: text) else {
                    throw FactoryError.invalidInput("log limit `\(text)`: expected a size like 1GiB or a count like `2000000 lines`")
                }
                p.logLimit = limit.manifestText
                said.append("log limit \(limit)")
            }
        }
        if let archived = change.archived {
            p.archivedAt = archived ? (p.archivedAt ?? Date()) : nil
            said.append(archived ? "archived the project" : "restored the project")
        }
        let now = Date()
        let actor = user
        let updated = p
        try store.write { db in
            if updated.name != project.name,
               try Project.filter(Project.Columns.name == updated.name && Project.Columns.tenantId == updated.tenantId.rawValue).fetchCount(db) > 0 {
                throw FactoryError.conflict("a project named `\(updated.name)` already exists: choose another name")
            }
            try updated.update(db)
            try ActivityEvent(id: nil, tenantId: updated.tenantId, projectId: updated.id, userId: actor.id, buildId: nil,
                              kind: "project.settings", message: "\(actor.login) \(said.joined(separator: "; ")) in \(updated.name)",
                              createdAt: now).insert(db)
        }
        return updated
    }

    /// Removes a member from a project (admins; only an owner removes an owner, and the last owner stays).
    public func removeMember(login: String, from project: Project) throws {
        try setRole(nil, of: login, in: project)
    }

    /// Changes a member's role, or removes them with nil. Owners are made and unmade by owners only, and a
    /// project always keeps one owner.
    func setRole(_ role: Role?, of login: String, in project: Project) throws {
        let myRole = try authorize(.manageMembers, in: project)
        let actor = user
        let now = Date()
        try store.write { db in
            guard let member = try User.filter(User.Columns.login == login).fetchOne(db),
                  let current = try Membership.fetchOne(db, key: ["projectId": project.id!.rawValue, "userId": member.id!.rawValue]) else {
                throw FactoryError.notFound("`\(login)` is not a member of project `\(project.name)`")
            }
            if (current.role == .owner || role == .owner) && myRole != .owner {
                throw FactoryError.permissionDenied("only an owner can make or unmake an owner of `\(project.name)` (you are \(myRole.title))")
            }
            if current.role == .owner && role != .owner {
                let owners = try Membership.filter(Membership.Columns.projectId == project.id!.rawValue && Membership.Columns.role == Role.owner.rawValue).fetchCount(db)
                if owners <= 1 {
                    throw FactoryError.conflict("`\(login)` is the last owner of `\(project.name)`: make someone else owner first")
                }
            }
            if let role {
                try db.execute(sql: "UPDATE membership SET role = ? WHERE projectId = ? AND userId = ?",
                               arguments: [role.rawValue, project.id!.rawValue, member.id!.rawValue])
            } else {
                _ = try current.delete(db)
            }
            try ActivityEvent(id: nil, tenantId: project.tenantId, projectId: project.id, userId: actor.id, buildId: nil,
                              kind: role == nil ? "member.removed" : "member.role",
                              message: role.map { "\(actor.login) made \(login) \($0.rawValue) of \(project.name)" }
                                  ?? "\(actor.login) removed \(login) from \(project.name)",
                              createdAt: now).insert(db)
        }
    }

    /// Queues the manifest of an earlier build again, as the caller.
    public func rerunBuild(_ build: Build) throws -> Build {
        let project = try self.project(id: build.projectId)
        let template = try build.templateId.flatMap { try store.template(id: $0) }
        // The stored manifest already has an absolute context.
        return try startBuild(text: build.manifest, file: nil, in: project, template: template)
    }

    /// A slice of a stored artifact (viewers and up), read with the server's rights.
    public func readArtifact(_ name: String, of build: Build, offset: Int64, length: Int) throws -> (Artifact, Data, Bool) {
        let project = try self.project(id: build.projectId)
        try authorize(.downloadArtifact, in: project)
        let all = try store.artifacts(of: build.id!)
        guard let artifact = all.first(where: { $0.name == name }) else {
            throw FactoryError.notFound("build \(project.name)#\(build.number.rawValue) has no artifact `\(name)`"
                                        + (all.isEmpty ? " (it has none)" : " (it has: \(all.map(\.name).joined(separator: ", ")))"))
        }
        guard offset >= 0, offset <= artifact.size else {
            throw FactoryError.invalidInput("offset \(offset) is outside artifact `\(name)` (\(artifact.size) bytes)")
        }
        let path = store.directory.root.appendingPathComponent(artifact.storedPath).path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FactoryError.storage("artifact `\(name)` of build \(project.name)#\(build.number.rawValue) is missing from the store")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: max(0, min(length, ArtifactChunk.size))) ?? Data()
        return (artifact, data, offset + Int64(data.count) >= artifact.size)
    }
}
