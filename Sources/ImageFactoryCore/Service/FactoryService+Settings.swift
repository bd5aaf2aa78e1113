import Foundation
import GRDB

extension FactoryService {
    /// Picks the engine of the project's docker and buildx builds; admins only.
    @discardableResult
    public func setContainerEngine(_ choice: ContainerEngineChoice, in project: Project) throws -> Project {
        try authorize(.changeSettings, in: project)
        let now = Date()
        try store.pool.write { db in
            try db.execute(sql: "UPDATE project SET containerEngine = ? WHERE id = ?", arguments: [choice.rawValue, project.id!.rawValue])
            try ActivityEvent(id: nil, tenantId: project.tenantId, projectId: project.id, userId: userID, buildId: nil,
                              kind: "project.settings", message: "\(user.login) set the container engine to \(choice.rawValue)",
                              createdAt: now).insert(db)
        }
        return try store.project(id: project.id!) ?? project
    }
}
