import GRDB

/// Typed row ids, so a build id can never be passed where a project id is expected.
public protocol RowID: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible,
    DatabaseValueConvertible where RawValue == Int64 {
    init(rawValue: Int64)
}

extension RowID {
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

public struct TenantID: RowID { public var rawValue: Int64; public init(rawValue: Int64) { self.rawValue = rawValue } }
public struct UserID: RowID { public var rawValue: Int64; public init(rawValue: Int64) { self.rawValue = rawValue } }
public struct ProjectID: RowID { public var rawValue: Int64; public init(rawValue: Int64) { self.rawValue = rawValue } }
public struct TemplateID: RowID { public var rawValue: Int64; public init(rawValue: Int64) { self.rawValue = rawValue } }
public struct BuildID: RowID { public var rawValue: Int64; public init(rawValue: Int64) { self.rawValue = rawValue } }
public struct ArtifactID: RowID { public var rawValue: Int64; public init(rawValue: Int64) { self.rawValue = rawValue } }

/// The number a user sees: `#3` within one project.
public struct BuildNumber: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible,
    DatabaseValueConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ n: Int64) { rawValue = n }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "#\(rawValue)" }
}
