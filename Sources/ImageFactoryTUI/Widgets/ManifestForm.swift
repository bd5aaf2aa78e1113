import Foundation
import ImageFactoryCore
import Yams

/// The manifest's common fields as editable text. The YAML stays the source of truth: the form reads its
/// fields from it and writes them back into it, so keys the form does not show (env, context, method options)
/// are kept, and what the user typed is validated as typed.
struct ManifestForm {
    struct Field {
        enum Kind { case text, list, lines, number }
        var key: String
        var label: String
        var kind: Kind
        var value: String
    }

    static let layout: [(String, String, Field.Kind)] = [
        ("name", "Name", .text),
        ("method", "Method", .text),
        ("base", "Base image", .text),
        ("dependencies", "Dependencies", .list),
        ("commands", "Build commands", .lines),
        ("output", "Output format", .text),
        ("artifacts", "Artifacts", .list),
        ("tags", "Tags", .list),
        ("resources.cpus", "CPUs", .number),
        ("resources.memory", "Memory", .text),
        ("resources.timeout", "Timeout", .text),
        ("resources.log_limit", "Log limit", .text),
        ("context", "Context dir", .text),
    ]

    var fields: [Field]

    /// Reads the fields from YAML; nil when the text is not a YAML mapping (then only $EDITOR can fix it).
    init?(yaml: String) {
        guard let root = try? Yams.compose(yaml: yaml), case .mapping = root else { return nil }
        fields = Self.layout.map { key, label, kind in
            Field(key: key, label: label, kind: kind, value: Self.text(of: Self.node(root, key), kind: kind))
        }
    }

    static func node(_ root: Node?, _ dotted: String) -> Node? {
        var node = root
        for part in dotted.split(separator: ".") { node = node?[String(part)] }
        return node
    }

    static func text(of node: Node?, kind: Field.Kind) -> String {
        guard let node else { return "" }
        if let s = node.scalar?.string { return s }
        if let items = node.sequence {
            let strings = items.compactMap { $0.scalar?.string }
            return strings.joined(separator: kind == .lines ? "\n" : ", ")
        }
        return ""
    }

    /// Writes the fields into `yaml` and returns the new text.
    func apply(to yaml: String) throws -> String {
        var root = (try Yams.compose(yaml: yaml)) ?? Node.mapping(.init([]))
        guard case .mapping(var mapping) = root else {
            throw FactoryError.invalidInput("the manifest is not a YAML mapping: edit it in $EDITOR")
        }
        var resources: Node.Mapping
        if case .mapping(let r)? = mapping["resources"] { resources = r } else { resources = Node.Mapping([]) }
        for field in fields {
            let value = Self.node(for: field)
            if field.key.hasPrefix("resources.") {
                resources[String(field.key.dropFirst("resources.".count))] = value
            } else {
                mapping[field.key] = value
            }
        }
        mapping["resources"] = resources.isEmpty ? nil : .mapping(resources)
        root = .mapping(mapping)
        return try Yams.serialize(node: root)
    }

    static func node(for field: Field) -> Node? {
        let trimmed = field.value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        func quoted(_ s: String) -> Node { .scalar(.init(s, .implicit, .doubleQuoted)) }
        switch field.kind {
        case .text: return quoted(trimmed)
        case .number: return .scalar(.init(trimmed))
        case .list, .lines:
            let separator: Character = field.kind == .lines ? "\n" : ","
            let items = field.value.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return .sequence(.init(items.map(quoted)))
        }
    }

    /// The first diagnostic about each field (`commands[2]` belongs to `commands`).
    static func diagnosticsByField(_ diagnostics: [ManifestDiagnostic]) -> [String: ManifestDiagnostic] {
        var result: [String: ManifestDiagnostic] = [:]
        for d in diagnostics {
            guard let field = d.field else { continue }
            let key = String(field.prefix { $0 != "[" })
            if result[key] == nil || (result[key]!.severity == .warning && d.severity == .error) { result[key] = d }
        }
        return result
    }
}
