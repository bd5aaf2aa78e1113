import GRDB

/// A user's role in one project, from most to least powerful.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable, DatabaseValueConvertible {
    case owner, admin, member, viewer

    var rank: Int {
        switch self {
        case .owner: 3
        case .admin: 2
        case .member: 1
        case .viewer: 0
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }

    public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}
