import Foundation
import GRDB

/// First start: the user from the OS login, a default tenant, and the `examples` project with one template per method.
public enum Bootstrap {
    public struct OSIdentity: Sendable, Hashable {
        public var login: String
        public var uid: Int64
        public var displayName: String

        /// Who is running this process, from the password database (not from $USER, which a caller can set).
        public static func current() -> OSIdentity {
            let uid = geteuid()
            if let pw = getpwuid(uid) {
                let login = String(cString: pw.pointee.pw_name)
                let gecos = pw.pointee.pw_gecos.map { String(cString: $0) } ?? ""
                let name = gecos.split(separator: ",").first.map(String.init) ?? ""
                return OSIdentity(login: login, uid: Int64(uid), displayName: name.isEmpty ? login : name)
            }
            return OSIdentity(login: "uid\(uid)", uid: Int64(uid), displayName: "uid \(uid)")
        }
    }

    public static let defaultTenant = "default"
    public static let examplesProject = "examples"

    /// Makes sure the OS user exists (creating the tenant and the examples project on the very first start)
    /// and returns them. Idempotent, one transaction.
    @discardableResult
    public static func ensureUser(_ identity: OSIdentity, in store: FactoryStore, now: Date = Date()) throws -> User {
        try store.pool.write { db in
            var tenant = try Tenant.filter(Tenant.Columns.name == defaultTenant).fetchOne(db)
            if tenant == nil {
                var t = Tenant(id: nil, name: defaultTenant, createdAt: now)
                try t.insert(db)
                tenant = t
            }
            let tenantId = tenant!.id!
            if var user = try User.filter(User.Columns.login == identity.login).fetchOne(db) {
                user.lastActiveAt = now
                if user.uid == nil { user.uid = identity.uid }
                try user.update(db)
                return user
            }
            var user = User(id: nil, tenantId: tenantId, login: identity.login, uid: identity.uid,
                            displayName: identity.displayName, email: nil, createdAt: now, lastActiveAt: now)
            try user.insert(db)
            if try Project.filter(Project.Columns.name == examplesProject).fetchCount(db) == 0 {
                try createExamples(db, tenant: tenantId, owner: user.id!, now: now)
            }
            try ActivityEvent(id: nil, tenantId: tenantId, projectId: nil, userId: user.id, buildId: nil,
                              kind: "user.created", message: "\(user.login) joined", createdAt: now).insert(db)
            return user
        }
    }

    static func createExamples(_ db: Database, tenant: TenantID, owner: UserID, now: Date) throws {
        var project = Project(
            id: nil, tenantId: tenant, name: examplesProject,
            description: "Example builds, one per build method. Copy one with `imagefactory build new --template NAME`.",
            readme: ExampleTemplates.readme,
            defaultMethod: .shell,
            allowedMethods: BuildMethod.concrete.map(\.rawValue).joined(separator: ","),
            defaultCpus: nil, defaultMemoryBytes: nil, defaultTimeoutSeconds: 3600,
            installerCommand: nil, createdAt: now)
        try project.insert(db)
        try Membership(projectId: project.id!, userId: owner, role: .owner, createdAt: now).insert(db)
        for example in ExampleTemplates.all {
            var template = Template(id: nil, projectId: project.id!, scope: .example, ownerId: owner,
                                    name: example.name, description: example.description, method: example.method,
                                    manifest: example.manifest, createdAt: now, updatedAt: now)
            try template.insert(db)
        }
        try ActivityEvent(id: nil, tenantId: tenant, projectId: project.id, userId: owner, buildId: nil,
                          kind: "project.created", message: "project \(examplesProject) created", createdAt: now).insert(db)
    }
}

extension BuildMethod: DatabaseValueConvertible {}
