/// Everything a caller can do to a project. The service checks one of these before every action,
/// and front ends ask `Permission.denialReason` to show why an action is unavailable.
public enum Permission: String, Sendable, CaseIterable {
    case viewProject
    case viewBuild
    case downloadArtifact
    case startBuild
    case cancelBuild
    case saveTemplate
    case saveTeamTemplate
    case changeSettings
    case manageMembers

    /// The least powerful role that holds this permission.
    public var minimumRole: Role {
        switch self {
        case .viewProject, .viewBuild, .downloadArtifact: .viewer
        case .startBuild, .cancelBuild, .saveTemplate: .member
        case .saveTeamTemplate, .changeSettings: .admin
        case .manageMembers: .admin
        }
    }

    public var summary: String {
        switch self {
        case .viewProject: "view the project"
        case .viewBuild: "view builds"
        case .downloadArtifact: "download artifacts"
        case .startBuild: "start builds"
        case .cancelBuild: "cancel builds"
        case .saveTemplate: "save templates"
        case .saveTeamTemplate: "save team templates"
        case .changeSettings: "change project settings"
        case .manageMembers: "manage members"
        }
    }

    /// Nil when `role` may do this; otherwise the reason to show, like "requires Admin".
    public func denialReason(for role: Role?) -> String? {
        guard let role else { return "requires membership of the project" }
        if role >= minimumRole { return nil }
        return "requires \(minimumRole.title) (you are \(role.title))"
    }
}
