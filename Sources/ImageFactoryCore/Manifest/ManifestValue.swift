/// A loosely typed YAML value kept for method-specific options (`build_args`, `variables`, ...).
public enum ManifestValue: Sendable, Hashable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([ManifestValue])
    case map([String: ManifestValue])

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var listValue: [ManifestValue]? {
        if case .list(let value) = self { return value }
        return nil
    }

    public var mapValue: [String: ManifestValue]? {
        if case .map(let value) = self { return value }
        return nil
    }

    /// The elements when this is a list made only of strings.
    public var stringListValue: [String]? {
        guard case .list(let items) = self else { return nil }
        let strings = items.compactMap(\.stringValue)
        return strings.count == items.count ? strings : nil
    }

    /// The entries when this is a map whose values are all strings.
    public var stringMapValue: [String: String]? {
        guard case .map(let entries) = self else { return nil }
        let strings = entries.compactMapValues(\.stringValue)
        return strings.count == entries.count ? strings : nil
    }

    // Encoded as plain JSON/YAML values rather than tagged enums so stored manifests stay readable.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ManifestValue].self) {
            self = .list(value)
        } else if let value = try? container.decode([String: ManifestValue].self) {
            self = .map(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a string, number, bool, list or map")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .list(let value): try container.encode(value)
        case .map(let value): try container.encode(value)
        }
    }
}
