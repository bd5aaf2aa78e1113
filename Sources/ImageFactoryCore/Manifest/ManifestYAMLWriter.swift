import Yams

public extension Manifest {
    /// Renders the manifest as comment-free YAML in canonical field order; empty fields are
    /// omitted. `ManifestLoader.check(text: m.yaml(), ...)` yields `m` again.
    func yaml() -> String {
        var writer = ManifestYAMLWriter()
        writer.field("name", .string(name))
        writer.field("method", .string(method.rawValue))
        if let base { writer.field("base", .string(base)) }
        writer.list("dependencies", dependencies)
        writer.list("commands", commands)
        if let output { writer.field("output", .string(output)) }
        writer.list("artifacts", artifacts)
        writer.list("tags", tags)
        if !resources.isEmpty {
            var map: [(String, ManifestValue)] = []
            if let cpus = resources.cpus { map.append(("cpus", .number(cpus))) }
            if let memory = resources.memory { map.append(("memory", .string(memory.exactDescription))) }
            if let timeout = resources.timeout { map.append(("timeout", .string(DurationParser.format(timeout)))) }
            if let limit = resources.logLimit { map.append(("log_limit", .string(limit.manifestText))) }
            if let action = resources.onLogLimit { map.append(("on_log_limit", .string(action.rawValue))) }
            writer.orderedMap("resources", map)
        }
        if !env.isEmpty {
            writer.orderedMap("env", envPairs.map { ($0.name, ManifestValue.string($0.value)) })
        }
        if let context { writer.field("context", .string(context)) }
        let known = ManifestSchema.methodOptionKeys
        let extra = methodOptions.keys.filter { !known.contains($0) }.sorted()
        for key in known + extra {
            if let value = methodOptions[key] { writer.field(key, value) }
        }
        return writer.output
    }
}

/// Block-style YAML emitter with conservative quoting, so every string reads back unchanged.
struct ManifestYAMLWriter {
    var output = ""

    mutating func field(_ key: String, _ value: ManifestValue) {
        write(key: key, value: value, indent: 0)
    }

    mutating func list(_ key: String, _ items: [String]) {
        guard !items.isEmpty else { return }
        field(key, .list(items.map(ManifestValue.string)))
    }

    mutating func orderedMap(_ key: String, _ entries: [(String, ManifestValue)]) {
        output += Self.scalar(key) + ":\n"
        for (entryKey, value) in entries { write(key: entryKey, value: value, indent: 2) }
    }

    private mutating func write(key: String, value: ManifestValue, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .list(let items) where !items.isEmpty:
            output += pad + Self.scalar(key) + ":\n"
            for item in items { write(item: item, indent: indent + 2) }
        case .map(let entries) where !entries.isEmpty:
            output += pad + Self.scalar(key) + ":\n"
            for entryKey in entries.keys.sorted() { write(key: entryKey, value: entries[entryKey]!, indent: indent + 2) }
        case .string(let text) where Self.fitsLiteralBlock(text):
            output += pad + Self.scalar(key) + ": " + Self.literalBlock(text, indent: indent + 2)
        default:
            output += pad + Self.scalar(key) + ": " + Self.inline(value) + "\n"
        }
    }

    private mutating func write(item: ManifestValue, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        switch item {
        case .list(let items) where !items.isEmpty:
            output += pad + "-\n"
            for nested in items { write(item: nested, indent: indent + 2) }
        case .map(let entries) where !entries.isEmpty:
            output += pad + "-\n"
            for entryKey in entries.keys.sorted() { write(key: entryKey, value: entries[entryKey]!, indent: indent + 2) }
        case .string(let text) where Self.fitsLiteralBlock(text):
            output += pad + "- " + Self.literalBlock(text, indent: indent + 2)
        default:
            output += pad + "- " + Self.inline(item) + "\n"
        }
    }

    /// Multi-line text (scripts, Containerfiles) reads best as a `|` block; only text that a
    /// block reproduces exactly qualifies.
    static func fitsLiteralBlock(_ text: String) -> Bool {
        guard text.contains("\n"), let first = text.unicodeScalars.first, first != " ", first != "\t", first != "\n" else {
            return false
        }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar == "\n" || scalar == "\t" || (scalar.value >= 0x20 && scalar.value < 0x7F) || isPrintableNonASCII(scalar)
        }
    }

    /// The `|` header (with chomping indicator) and the indented lines.
    private static func literalBlock(_ text: String, indent: Int) -> String {
        let trailingNewlines = text.unicodeScalars.reversed().prefix { $0 == "\n" }.count
        let header = trailingNewlines == 0 ? "|-" : trailingNewlines == 1 ? "|" : "|+"
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if trailingNewlines > 0 { lines.removeLast() }
        let pad = String(repeating: " ", count: indent)
        return header + "\n" + lines.map { $0.isEmpty ? "\n" : pad + $0 + "\n" }.joined()
    }

    /// Scalars and empty collections, which fit on the key's line.
    private static func inline(_ value: ManifestValue) -> String {
        switch value {
        case .string(let text): return scalar(text)
        case .number(let number): return Self.number(number)
        case .bool(let bool): return bool ? "true" : "false"
        case .list: return "[]"
        case .map: return "{}"
        }
    }

    /// Integral values without a trailing `.0`, others in Swift's shortest round-tripping form.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// A plain scalar when that is unambiguous, otherwise a double-quoted one.
    static func scalar(_ text: String) -> String {
        isPlainSafe(text) ? text : doubleQuoted(text)
    }

    private static func isPlainSafe(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last, scalars.count <= 200 else { return false }
        if first == " " || last == " " || last == ":" { return false }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return false }
        for (index, scalar) in scalars.enumerated() {
            guard scalar.value >= 0x20, scalar.value != 0x7F,
                  scalar.value < 0x80 || (isPrintableNonASCII(scalar) && !scalar.properties.isWhitespace) else {
                return false
            }
            if scalar == ":", index + 1 < scalars.count, scalars[index + 1] == " " { return false }
            if scalar == "#", index > 0, scalars[index - 1] == " " { return false }
        }
        // Words such as `yes`, `null`, `1.0` or `<<` would read back as something else.
        return Resolver.default.resolveTag(of: Node(text)) == .str
    }

    private static func isPrintableNonASCII(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0xA0...0x2027, 0x202A...0xD7FF, 0xE000...0xFEFE, 0xFF00...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    private static func doubleQuoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case "\0": result += "\\0"
            default:
                if (scalar.value >= 0x20 && scalar.value < 0x7F) || isPrintableNonASCII(scalar) {
                    result.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFF {
                    result += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value <= 0xFFFF {
                    result += "\\u" + hex(scalar.value, width: 4)
                } else {
                    result += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        return result + "\""
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
