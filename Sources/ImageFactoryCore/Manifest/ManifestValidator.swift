import Yams

/// Walks a composed YAML tree, collecting every diagnostic and building a `Manifest`.
struct ManifestValidator {
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }

    let source: ManifestSource
    let context: ManifestValidationContext
    /// StandIn key → original key, for duplicates renamed before composing.
    let duplicateStandIns: [String: (key: String, firstLine: Int)]
    private(set) var diagnostics: [ManifestDiagnostic] = []
    /// Bounds work on alias-heavy documents (merge chains, huge `variables` values).
    private var nodeBudget = 20_000 {
        didSet {
            if nodeBudget == 0 {
                report(.error, "the manifest is too large or expands too many aliases", field: nil,
                       location: SourceLocation(line: 1, column: 1))
            }
        }
    }

    init(source: ManifestSource, context: ManifestValidationContext,
         duplicateStandIns: [String: (key: String, firstLine: Int)]) {
        self.source = source
        self.context = context
        self.duplicateStandIns = duplicateStandIns
    }

    // MARK: Reporting

    mutating func report(_ severity: DiagnosticSeverity, _ message: String, field: String?, at node: Node?) {
        report(severity, message, field: field, location: node?.manifestLocation)
    }

    mutating func report(_ severity: DiagnosticSeverity, _ message: String, field: String?, location: SourceLocation?) {
        diagnostics.append(ManifestDiagnostic(
            severity: severity, message: message, field: field, location: location,
            snippet: location.flatMap { source.snippet(line: $0.line) }))
    }

    /// "field `x`" for named fields, "`x[2]`"/"`env.FOO`" for elements of lists and user maps.
    static func subject(_ path: String, element: Bool) -> String {
        element ? "`\(path)`" : "field `\(path)`"
    }

    mutating func typeMismatch(_ path: String, element: Bool = false, expected: String, found node: Node) {
        report(.error, "\(Self.subject(path, element: element)): expected \(expected), found \(node.manifestKindDescription)",
               field: path, at: node)
    }

    // MARK: Mapping entries

    /// The entries of a mapping with `<<` merges applied and duplicate keys reported.
    mutating func entries(of node: Node, path: String?) -> [Entry] {
        guard case .mapping(let mapping) = node else { return [] }
        var explicit: [Entry] = []
        var merged: [Entry] = []
        var firstLineOfKey: [String: Int] = [:]
        for (keyNode, value) in mapping {
            nodeBudget -= 1
            guard nodeBudget > 0 else { break }
            guard let key = keyNode.manifestKeyText else {
                report(.error, "map keys must be strings, found \(keyNode.manifestKindDescription)",
                       field: path, at: keyNode)
                continue
            }
            let keyPath = path.map { "\($0).\(key)" } ?? key
            if let duplicate = duplicateStandIns[key] {
                report(.error, "duplicate key `\(duplicate.key)` (first defined at line \(duplicate.firstLine))",
                       field: path.map { "\($0).\(duplicate.key)" } ?? duplicate.key, at: keyNode)
                continue
            }
            if case .scalar(let scalar) = keyNode, scalar.style == .plain, key == "<<" {
                merged.append(contentsOf: mergeSources(value, path: path))
                continue
            }
            if let firstLine = firstLineOfKey[key] {
                report(.error, "duplicate key `\(key)` (first defined at line \(firstLine))", field: keyPath, at: keyNode)
                continue
            }
            firstLineOfKey[key] = keyNode.mark?.line ?? 0
            explicit.append(Entry(key: key, keyNode: keyNode, value: value))
        }
        // Explicit keys override merged ones; among merged sources the first one wins.
        var seen = Set(explicit.map(\.key))
        for entry in merged where !seen.contains(entry.key) {
            seen.insert(entry.key)
            explicit.append(entry)
        }
        return explicit
    }

    private mutating func mergeSources(_ value: Node, path: String?) -> [Entry] {
        switch value {
        case .mapping:
            return entries(of: value, path: path)
        case .sequence(let sequence):
            var result: [Entry] = []
            for item in sequence {
                if case .mapping = item {
                    result.append(contentsOf: entries(of: item, path: path))
                } else {
                    report(.error, "`<<` merges maps, found \(item.manifestKindDescription)", field: path, at: item)
                }
            }
            return result
        default:
            report(.error, "`<<` merges a map or a list of maps, found \(value.manifestKindDescription)",
                   field: path, at: value)
            return []
        }
    }

    // MARK: Typed readers

    mutating func string(_ node: Node, path: String, element: Bool = false) -> String? {
        guard let text = node.manifestScalarText else {
            typeMismatch(path, element: element, expected: "a string", found: node)
            return nil
        }
        if text.isEmpty {
            report(.error, "\(Self.subject(path, element: element)): must not be empty", field: path, at: node)
            return nil
        }
        return text
    }

    /// A list of strings; a single string is accepted as a one-element list.
    mutating func stringList(_ node: Node, path: String) -> [String]? {
        switch node {
        case .scalar where !node.isManifestNull:
            return string(node, path: path).map { [$0] }
        case .sequence(let sequence):
            var result: [String] = []
            var valid = true
            for (index, item) in sequence.enumerated() {
                nodeBudget -= 1
                if let text = string(item, path: "\(path)[\(index)]", element: true) {
                    result.append(text)
                } else {
                    valid = false
                }
            }
            return valid ? result : nil
        default:
            typeMismatch(path, expected: "a list of strings", found: node)
            return nil
        }
    }

    /// A map whose values are scalars, converted to their string form.
    mutating func stringMap(_ node: Node, path: String, validateKey: (String) -> String?) -> [String: String]? {
        guard case .mapping = node else {
            typeMismatch(path, expected: "a map of strings", found: node)
            return nil
        }
        var result: [String: String] = [:]
        var valid = true
        for entry in entries(of: node, path: path) {
            let entryPath = "\(path).\(entry.key)"
            if let problem = validateKey(entry.key) {
                report(.error, "`\(entryPath)`: \(problem)", field: entryPath, at: entry.keyNode)
                valid = false
                continue
            }
            guard let text = entry.value.manifestScalarText else {
                typeMismatch(entryPath, element: true, expected: "a string, number or bool", found: entry.value)
                valid = false
                continue
            }
            result[entry.key] = text
        }
        return valid ? result : nil
    }

    /// Any non-null value, for free-form options such as packer `variables`.
    mutating func value(_ node: Node, path: String, element: Bool = false, depth: Int = 0) -> ManifestValue? {
        nodeBudget -= 1
        guard nodeBudget > 0 else { return nil }
        guard depth < 64 else {
            report(.error, "\(Self.subject(path, element: element)): value is nested too deeply", field: path, at: node)
            return nil
        }
        switch node {
        case .scalar(let scalar):
            // Resolve the tag once: each resolution runs the resolver's regular expressions.
            switch node.manifestTagName {
            case .null:
                typeMismatch(path, element: element, expected: "a value", found: node)
                return nil
            case .bool:
                return node.bool.map(ManifestValue.bool) ?? .string(scalar.string)
            case .int, .float:
                guard let number = node.manifestNumber, number.isFinite else {
                    report(.error, "\(Self.subject(path, element: element)): expected a finite number",
                           field: path, at: node)
                    return nil
                }
                return .number(number)
            default:
                return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [ManifestValue] = []
            var valid = true
            for (index, item) in sequence.enumerated() {
                guard nodeBudget > 0 else { return nil }
                if let converted = value(item, path: "\(path)[\(index)]", element: true, depth: depth + 1) {
                    items.append(converted)
                } else {
                    valid = false
                }
            }
            return valid ? .list(items) : nil
        case .mapping:
            var map: [String: ManifestValue] = [:]
            var valid = true
            for entry in entries(of: node, path: path) {
                guard nodeBudget > 0 else { return nil }
                if let converted = value(entry.value, path: "\(path).\(entry.key)", element: true, depth: depth + 1) {
                    map[entry.key] = converted
                } else {
                    valid = false
                }
            }
            return valid ? .map(map) : nil
        case .alias:
            typeMismatch(path, element: element, expected: "a value", found: node)
            return nil
        }
    }
}

extension Node {
    /// Keys are compared by their source text, whatever type the scalar would resolve to.
    var manifestKeyText: String? {
        guard case .scalar(let scalar) = self else { return nil }
        return scalar.string
    }
}
