import Yams

/// Reading theme and keymap files with Yams while keeping every node's line and column for errors.
enum ConfigYAML {
    struct Failure: Error {
        var line: Int
        var column: Int
        var message: String
    }

    /// The document's root node (nil for an empty document), or the syntax error with its position.
    static func compose(_ text: String) -> Result<Node?, Failure> {
        // libyaml only skips a BOM when it detects the encoding itself; Yams forces UTF-8.
        let body = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        do {
            return .success(try Yams.compose(yaml: body))
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _),
                 .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                let detail = context.map { "\($0.text), " } ?? ""
                return .failure(Failure(line: mark.line, column: mark.column, message: "YAML syntax: \(detail)\(problem)"))
            case .duplicatedKeysInMapping(let duplicates, let context):
                let names = duplicates.sorted().map { "`\($0)`" }.joined(separator: ", ")
                return .failure(Failure(line: context.mark.line, column: context.mark.column,
                                        message: "duplicate key \(names) in this map"))
            default:
                return .failure(Failure(line: 1, column: 1, message: "YAML: \(error)"))
            }
        } catch {
            return .failure(Failure(line: 1, column: 1, message: "YAML: \(error)"))
        }
    }

    static func position(_ node: Node) -> (line: Int, column: Int) {
        guard let mark = node.mark else { return (1, 1) }
        return (mark.line, mark.column)
    }

    /// A scalar's text; nil for maps and sequences.
    static func string(_ node: Node) -> String? { node.scalar?.string }

    /// Whether an unquoted scalar is empty or `~`/`null`: a value left out, often a `#` colour read as a comment.
    static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func bool(_ node: Node) -> Bool? {
        guard let scalar = node.scalar else { return nil }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "a value"
        case .mapping: "a map"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
