/// One problem in a keymap file, with its position and the action concerned.
public struct KeymapProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is the file as a whole.
    public var line: Int
    public var column: Int
    public var action: String?
    public var message: String

    public var description: String {
        var out = file
        if line > 0 { out += ":\(line):\(column)" }
        out += ": "
        if let action { out += "action `\(action)`: " }
        return out + message
    }
}

/// A keymap that could not be loaded: every problem found, in file order.
public struct KeymapError: Error, Sendable, CustomStringConvertible {
    public var problems: [KeymapProblem]

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
