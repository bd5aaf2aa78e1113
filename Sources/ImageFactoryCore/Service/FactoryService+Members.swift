import Foundation
import GRDB

extension FactoryService {
    /// Gives an OS account a role in a project, creating its Image Factory account on first use.
    /// The uid ties the account to the socket's peer credentials; it comes from the host's password
    /// database unless given (an account the host does not list by name).
    public func addMember(login: String, uid: Int64?, role: Role, in project: Project) throws -> User {
        try authorize(.manageMembers, in: project)
        guard !login.isEmpty, login.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw FactoryError.invalidInput("login `\(login)` is not a valid account name (letters, digits, `.`, `_`, `-`)")
        }
        let resolvedUID: Int64
        if let uid {
            resolvedUID = uid
        } else if let known = try store.user(login: login)?.uid {
            // An account the server already knows (it used the server, or another project has it).
            resolvedUID = known
        } else if let pw = getpwnam(login) {
            resolvedUID = Int64(pw.pointee.pw_uid)
        } else {
            throw FactoryError.notFound("no OS account `\(login)` on this host; give its uid with --uid")
        }
        let actingUser = user
        let now = Date()
        return try store.write { db in
            if let other = try User.filter(User.Columns.uid == resolvedUID && User.Columns.login != login).fetchOne(db) {
                throw FactoryError.conflict("uid \(resolvedUID) already belongs to account `\(other.login)`")
            }
            var member: User
            if let existing = try User.filter(User.Columns.login == login).fetchOne(db) {
                member = existing
                if member.uid != resolvedUID {
                    member.uid = resolvedUID
                    try member.update(db)
                }
            } else {
                member = User(id: nil, tenantId: project.tenantId, login: login, uid: resolvedUID, displayName: login,
                              email: nil, createdAt: now, lastActiveAt: now)
                try member.insert(db)
            }
            try Membership(projectId: project.id!, userId: member.id!, role: role, createdAt: now).save(db)
            try ActivityEvent(id: nil, tenantId: project.tenantId, projectId: project.id, userId: actingUser.id, buildId: nil,
                              kind: "member.added", message: "\(actingUser.login) made \(login) \(role.rawValue) of \(project.name)",
                              createdAt: now).insert(db)
            return member
        }
    }
}
