/// The stable name of an action, as written in keymap files (`build.start`, `logs.search`).
public struct ActionID: Hashable, Sendable, RawRepresentable, ExpressibleByStringLiteral, Comparable,
    CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public var description: String { rawValue }
    public static func < (a: ActionID, b: ActionID) -> Bool { a.rawValue < b.rawValue }
}

/// Where an action applies. Keys bound in a screen's context shadow the same keys bound globally.
public enum ScreenContext: String, Sendable, CaseIterable, Hashable {
    case global, dashboard, project, newBuild, build, logs, artifacts, help, palette
    /// The compact `watch` view: only the global keys apply.
    case watch
}
