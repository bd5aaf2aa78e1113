/// One problem in a theme file, with its position and the role and field concerned.
public struct ThemeProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is the file as a whole (missing, unreadable).
    public var line: Int
    public var column: Int
    public var role: String?
    public var field: String?
    public var message: String

    public var description: String {
        var out = file
        if line > 0 { out += ":\(line):\(column)" }
        out += ": "
        if let role { out += "role `\(role)`" + (field.map { ", field `\($0)`" } ?? "") + ": " }
        else if let field { out += "`\(field)`: " }
        return out + message
    }
}

/// A theme that could not be loaded: every problem found, in file order.
public struct ThemeError: Error, Sendable, CustomStringConvertible {
    public var problems: [ThemeProblem]

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
