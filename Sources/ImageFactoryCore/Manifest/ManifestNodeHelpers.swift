import Yams

extension Node {
    /// The resolved tag (`!!str`, `!!int`, ...); quoted scalars are always strings.
    var manifestTagName: Tag.Name { Resolver.default.resolveTag(of: self) }

    /// "a map", "a string", "null", ... as used in "expected X, found Y" messages.
    var manifestKindDescription: String {
        switch self {
        case .mapping: return "a map"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            switch manifestTagName {
            case .null: return "null"
            case .int, .float: return "a number"
            case .bool: return "a bool"
            default: return "a string"
            }
        }
    }

    var manifestLocation: SourceLocation? {
        mark.map { SourceLocation(line: $0.line, column: $0.column) }
    }

    var isManifestNull: Bool {
        if case .scalar = self { return manifestTagName == .null }
        return false
    }

    /// Source text of a non-null scalar. Plain numbers and bools count as strings here so that
    /// `tags: [1.0]` means the tag "1.0", which is what the author wrote.
    var manifestScalarText: String? {
        guard case .scalar(let scalar) = self, manifestTagName != .null else { return nil }
        return scalar.string
    }

    /// The numeric value of an int or float scalar.
    var manifestNumber: Double? {
        guard case .scalar = self else { return nil }
        switch manifestTagName {
        case .int: return int.map(Double.init) ?? float
        case .float: return float
        default: return nil
        }
    }

    var manifestBool: Bool? {
        guard case .scalar = self, manifestTagName == .bool else { return nil }
        return bool
    }
}
