import Yams

extension ManifestValidator {
    /// Validates the whole document; returns a manifest only when no error was reported.
    mutating func validate(root: Node) -> Manifest? {
        guard case .mapping = root else {
            report(.error, "expected a map of manifest fields (like `name: ...`), found \(root.manifestKindDescription)",
                   field: nil, location: SourceLocation(line: 1, column: 1))
            return nil
        }
        let rootLocation = root.manifestLocation ?? SourceLocation(line: 1, column: 1)
        let entries = self.entries(of: root, path: nil)
        var byKey: [String: Entry] = [:]
        for entry in entries { byKey[entry.key] = entry }

        let method = resolveMethod(byKey["method"], rootLocation: rootLocation)

        var manifest = Manifest(name: "", method: method ?? context.defaultMethod)
        var name: String?
        for entry in entries {
            let key = entry.key
            let value = entry.value
            switch key {
            case "name":
                name = validName(value)
            case "method":
                break
            case "base":
                manifest.base = string(value, path: key)
            case "dependencies":
                manifest.dependencies = stringList(value, path: key) ?? []
            case "commands":
                manifest.commands = stringList(value, path: key) ?? []
            case "artifacts":
                manifest.artifacts = artifacts(value) ?? []
            case "tags":
                manifest.tags = stringList(value, path: key) ?? []
            case "output":
                manifest.output = output(value)
            case "context":
                manifest.context = string(value, path: key)
            case "env":
                manifest.env = stringMap(value, path: key, validateKey: Self.environmentNameProblem) ?? [:]
            case "resources":
                manifest.resources = resources(value)
            default:
                let methods = ManifestSchema.methods(acceptingOption: key)
                if methods.isEmpty {
                    warnUnknownKey(entry, candidates: ManifestSchema.commonKeys + ManifestSchema.methodOptionKeys, path: nil)
                } else if let method, !methods.contains(method) {
                    let users = methods.map(\.rawValue).joined(separator: ", ")
                    report(.warning, "key `\(key)` is ignored by method `\(method.rawValue)` (it applies to \(users))",
                           field: key, at: entry.keyNode)
                } else if let option = methodOption(value, key: key) {
                    manifest.methodOptions[key] = option
                }
            }
        }

        if byKey["name"] == nil {
            report(.error, "missing required field `name` (required by all methods)", field: "name", location: rootLocation)
        }
        if let method {
            checkRequiredFields(of: method, manifest: manifest, present: byKey, at: rootLocation)
        }

        guard !diagnostics.contains(where: { $0.severity == .error }), let name else { return nil }
        manifest.name = name
        return manifest
    }

    // MARK: Method

    /// The concrete method the manifest builds with, or nil when `method` is invalid.
    private mutating func resolveMethod(_ entry: Entry?, rootLocation: SourceLocation) -> BuildMethod? {
        var written: BuildMethod = .default
        if let entry {
            guard let text = string(entry.value, path: "method") else { return nil }
            guard let parsed = BuildMethod(rawValue: text) else {
                let names = BuildMethod.allCases.map(\.rawValue)
                var message = "field `method`: unknown method `\(text)`"
                if let near = ManifestSchema.suggestion(for: text, among: names) { message += ", did you mean `\(near)`?" }
                message += " (expected one of \(names.joined(separator: ", ")))"
                report(.error, message, field: "method", at: entry.value)
                return nil
            }
            written = parsed
        }
        let resolved = written == .default ? context.defaultMethod : written
        if !context.allowedMethods.contains(resolved) {
            let allowed = BuildMethod.concrete.filter(context.allowedMethods.contains).map(\.rawValue)
            let allowedText = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            let subject: String
            if written != .default {
                subject = "method `\(resolved.rawValue)` is"
            } else if entry != nil {
                subject = "method `default` resolves to `\(resolved.rawValue)`, which is"
            } else {
                subject = "the default method `\(resolved.rawValue)` is"
            }
            report(.error, "\(subject) not allowed by this project (allowed: \(allowedText))",
                   field: "method", location: entry?.value.manifestLocation ?? rootLocation)
        }
        return resolved
    }

    private mutating func checkRequiredFields(
        of method: BuildMethod, manifest: Manifest, present: [String: Entry], at location: SourceLocation
    ) {
        let methodName = "`\(method.rawValue)`"
        func missing(_ fields: String, unless: String = "") -> String {
            "missing required field \(fields) (required by method \(methodName)\(unless))"
        }
        switch MethodDescriptor.for(method)?.requirement ?? .nameOnly {
        case .nameOnly:
            break
        case .commands:
            if let entry = present["commands"] {
                if case .sequence(let sequence) = entry.value, sequence.isEmpty {
                    report(.error, "field `commands`: must contain at least one command (required by method \(methodName))",
                           field: "commands", at: entry.value)
                }
            } else {
                report(.error, missing("`commands`"), field: "commands", location: location)
            }
        case .oneOf(let keys, let firstUnlessOthers):
            let given = keys.contains { key in
                key == "commands" ? !manifest.commands.isEmpty || hasNonEmptyList(present[key]) : present[key] != nil
            }
            guard !given, let first = keys.first else { break }
            let named = keys.map { "`\($0)`" }
            if firstUnlessOthers {
                report(.error, missing(named[0], unless: " unless " + Self.either(named.dropFirst()) + " is given"),
                       field: first, location: location)
            } else {
                report(.error, missing(Self.either(named[...])), field: first, location: location)
            }
        }
    }

    /// `a`, `b` or `c`.
    private static func either(_ items: ArraySlice<String>) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items.last!
    }

    private func hasNonEmptyList(_ entry: Entry?) -> Bool {
        guard let entry else { return false }
        if case .sequence(let sequence) = entry.value { return !sequence.isEmpty }
        return true
    }

    // MARK: Fields

    private mutating func validName(_ node: Node) -> String? {
        guard let text = string(node, path: "name") else { return nil }
        let scalars = Array(text.unicodeScalars)
        func allowed(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9": return true
            case ".", "_", "-": return !first
            default: return false
            }
        }
        guard scalars.count <= 63, allowed(scalars[0], first: true),
              scalars.dropFirst().allSatisfy({ allowed($0, first: false) })
        else {
            report(.error, "field `name`: invalid name `\(Self.shortened(text))` (use 1 to 63 letters, digits, `.`, `_` or `-`, starting with a letter or digit)",
                   field: "name", at: node)
            return nil
        }
        return text
    }

    private mutating func output(_ node: Node) -> String? {
        guard let text = string(node, path: "output") else { return nil }
        guard ManifestSchema.outputFormats.contains(text) else {
            var message = "field `output`: unknown output format `\(Self.shortened(text))`"
            if let near = ManifestSchema.suggestion(for: text, among: ManifestSchema.outputFormats) {
                message += ", did you mean `\(near)`?"
            }
            message += " (expected one of \(ManifestSchema.outputFormats.joined(separator: ", ")))"
            report(.error, message, field: "output", at: node)
            return nil
        }
        return text
    }

    private mutating func artifacts(_ node: Node) -> [String]? {
        guard let paths = stringList(node, path: "artifacts") else { return nil }
        var valid = true
        let elementNodes: [Node]
        if case .sequence(let sequence) = node { elementNodes = Array(sequence) } else { elementNodes = [node] }
        for (index, path) in paths.enumerated() {
            let fieldPath = node.isManifestSequence ? "artifacts[\(index)]" : "artifacts"
            let subject = node.isManifestSequence ? "`\(fieldPath)`" : "field `artifacts`"
            let at = index < elementNodes.count ? elementNodes[index] : node
            if path.hasPrefix("/") || path.hasPrefix("~") || path.hasPrefix("\\") {
                report(.error, "\(subject): artifact path `\(Self.shortened(path))` must be relative to the workspace",
                       field: fieldPath, at: at)
                valid = false
            } else if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
                report(.error, "\(subject): artifact path `\(Self.shortened(path))` must not leave the workspace (`..`)",
                       field: fieldPath, at: at)
                valid = false
            }
        }
        return valid ? paths : nil
    }

    private mutating func resources(_ node: Node) -> ResourceRequest {
        var request = ResourceRequest()
        guard case .mapping = node else {
            report(.error, "field `resources`: expected a map with `cpus`, `memory`, `timeout`, `log_limit` or `on_log_limit`, found \(node.manifestKindDescription)",
                   field: "resources", at: node)
            return request
        }
        for entry in entries(of: node, path: "resources") {
            let path = "resources.\(entry.key)"
            switch entry.key {
            case "cpus":
                guard let number = entry.value.manifestNumber else {
                    typeMismatch(path, expected: "a positive number", found: entry.value)
                    continue
                }
                guard number > 0, number <= ManifestSchema.maximumCPUs else {
                    report(.error, "field `\(path)`: must be greater than 0 and at most \(Int(ManifestSchema.maximumCPUs)), found \(ManifestYAMLWriter.number(number))",
                           field: path, at: entry.value)
                    continue
                }
                request.cpus = number
            case "memory":
                guard let text = entry.value.manifestScalarText else {
                    typeMismatch(path, expected: "a size like 512MiB or 2GiB", found: entry.value)
                    continue
                }
                guard let size = ByteCount(parsing: text) else {
                    report(.error, "field `\(path)`: invalid size `\(Self.shortened(text))` (expected a positive size like 512MiB, 2GiB, 1.5G or 100MB)",
                           field: path, at: entry.value)
                    continue
                }
                request.memory = size
            case "timeout":
                guard let text = entry.value.manifestScalarText else {
                    typeMismatch(path, expected: "a duration like 90s or 30m", found: entry.value)
                    continue
                }
                guard let duration = DurationParser.parse(text) else {
                    report(.error, "field `\(path)`: invalid duration `\(Self.shortened(text))` (expected a positive duration like 90s, 30m, 1h30m or 500ms)",
                           field: path, at: entry.value)
                    continue
                }
                request.timeout = duration
            case "log_limit":
                guard let text = entry.value.manifestScalarText else {
                    typeMismatch(path, expected: "a size like 512MiB or a count like `2000000 lines`", found: entry.value)
                    continue
                }
                guard let limit = LogLimit(parsing: text) else {
                    report(.error, "field `\(path)`: invalid log limit `\(Self.shortened(text))` (expected a size like 512MiB or 1GiB, or a count like `2000000 lines`)",
                           field: path, at: entry.value)
                    continue
                }
                request.logLimit = limit
            case "on_log_limit":
                guard let text = entry.value.manifestScalarText else {
                    typeMismatch(path, expected: "`continue` or `fail`", found: entry.value)
                    continue
                }
                guard let action = LogLimitAction(rawValue: text) else {
                    report(.error, "field `\(path)`: expected `continue` or `fail`, found `\(Self.shortened(text))`",
                           field: path, at: entry.value)
                    continue
                }
                request.onLogLimit = action
            default:
                warnUnknownKey(entry, candidates: ManifestSchema.resourceKeys, path: "resources")
            }
        }
        return request
    }

    private mutating func methodOption(_ node: Node, key: String) -> ManifestValue? {
        guard let type = ManifestSchema.optionType(of: key) else { return nil }
        switch type {
        case .string:
            return string(node, path: key).map(ManifestValue.string)
        case .stringList:
            return stringList(node, path: key).map { .list($0.map(ManifestValue.string)) }
        case .stringMap:
            return stringMap(node, path: key, validateKey: { $0.isEmpty ? "names must not be empty" : nil })
                .map { .map($0.mapValues(ManifestValue.string)) }
        case .anyMap:
            guard case .mapping = node else {
                typeMismatch(key, expected: "a map", found: node)
                return nil
            }
            return value(node, path: key)
        case .bool:
            guard let bool = node.manifestBool else {
                typeMismatch(key, expected: "a bool (true or false)", found: node)
                return nil
            }
            return .bool(bool)
        }
    }

    private mutating func warnUnknownKey(_ entry: Entry, candidates: [String], path: String?) {
        let fieldPath = path.map { "\($0).\(entry.key)" } ?? entry.key
        let shown = Self.shortened(entry.key)
        if let near = ManifestSchema.suggestion(for: entry.key, among: candidates) {
            report(.warning, "unknown key `\(shown)`, did you mean `\(near)`?", field: fieldPath, at: entry.keyNode)
        } else {
            report(.warning, "unknown key `\(shown)`", field: fieldPath, at: entry.keyNode)
        }
    }

    static func environmentNameProblem(_ name: String) -> String? {
        let scalars = Array(name.unicodeScalars)
        func allowed(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "_": return true
            case "0"..."9": return !first
            default: return false
            }
        }
        guard let head = scalars.first, allowed(head, first: true),
              scalars.dropFirst().allSatisfy({ allowed($0, first: false) })
        else {
            return "invalid environment variable name `\(shortened(name))` (must match [A-Za-z_][A-Za-z0-9_]*)"
        }
        return nil
    }

    /// Keeps messages readable when a value is enormous.
    static func shortened(_ text: String) -> String {
        text.unicodeScalars.count > 80 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(77))) + "..." : text
    }
}

extension Node {
    var isManifestSequence: Bool {
        if case .sequence = self { return true }
        return false
    }
}
