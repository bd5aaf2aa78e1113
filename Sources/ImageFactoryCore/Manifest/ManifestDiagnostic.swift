public enum DiagnosticSeverity: String, Sendable, Codable {
    case error, warning
}

/// One problem found in a manifest, rendered compiler-style by `description`.
public struct ManifestDiagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public var severity: DiagnosticSeverity
    public var message: String
    /// Dotted path such as `resources.memory` or `commands[2]`.
    public var field: String?
    public var location: SourceLocation?
    /// The offending source line, without its line break.
    public var snippet: String?
    public var file: String?

    public init(
        severity: DiagnosticSeverity,
        message: String,
        field: String? = nil,
        location: SourceLocation? = nil,
        snippet: String? = nil,
        file: String? = nil
    ) {
        self.severity = severity
        self.message = message
        self.field = field
        self.location = location
        self.snippet = snippet
        self.file = file
    }

    /// `FILE:LINE:COLUMN: error: MESSAGE`, then the source line and a caret under the column.
    public var description: String {
        var prefix: [String] = []
        if let file { prefix.append(file) }
        if let location { prefix.append("\(location.line)"); prefix.append("\(location.column)") }
        var text = prefix.isEmpty ? "" : prefix.joined(separator: ":") + ": "
        text += "\(severity.rawValue): \(message)"
        if let snippet {
            text += "\n" + snippet
            if let location, let caret = Self.caretLine(under: location.column, in: snippet) {
                text += "\n" + caret
            }
        }
        return text
    }

    // Tabs are copied so the caret lines up however the terminal expands them.
    static func caretLine(under column: Int, in line: String) -> String? {
        // No caret past the end of a (possibly shortened) snippet.
        guard column >= 1, column - 1 <= line.unicodeScalars.count else { return nil }
        var caret = ""
        var scalars = line.unicodeScalars.makeIterator()
        for _ in 1..<column {
            let scalar = scalars.next()
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        return caret + "^"
    }
}
