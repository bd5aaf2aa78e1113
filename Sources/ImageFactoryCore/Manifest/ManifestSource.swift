/// Manifest text split into lines the way libyaml counts them, for snippets and positions.
struct ManifestSource {
    /// Line contents without their line breaks.
    var lines: [[Unicode.Scalar]]
    /// The break that ended each line ("" for the last one).
    var breaks: [String]

    init(_ text: String) {
        var lines: [[Unicode.Scalar]] = []
        var breaks: [String] = []
        var current: [Unicode.Scalar] = []
        var pendingCarriageReturn = false
        for scalar in text.unicodeScalars {
            if pendingCarriageReturn {
                pendingCarriageReturn = false
                if scalar == "\n" {
                    lines.append(current); breaks.append("\r\n"); current = []
                    continue
                }
                lines.append(current); breaks.append("\r"); current = []
            }
            switch scalar {
            case "\r":
                pendingCarriageReturn = true
            case "\n", "\u{85}", "\u{2028}", "\u{2029}":
                lines.append(current); breaks.append(String(scalar)); current = []
            default:
                current.append(scalar)
            }
        }
        if pendingCarriageReturn {
            lines.append(current); breaks.append("\r"); current = []
        }
        lines.append(current)
        breaks.append("")
        self.lines = lines
        self.breaks = breaks
    }

    var text: String {
        var result = String.UnicodeScalarView()
        for (line, lineBreak) in zip(lines, breaks) {
            result.append(contentsOf: line)
            result.append(contentsOf: lineBreak.unicodeScalars)
        }
        return String(result)
    }

    static let maximumSnippetLength = 400

    /// The text of a 1-based line, shortened when it is very long; nil for an empty line.
    func snippet(line: Int) -> String? {
        guard line >= 1, line <= lines.count, !lines[line - 1].isEmpty else { return nil }
        let content = lines[line - 1]
        if content.count > Self.maximumSnippetLength {
            return String(String.UnicodeScalarView(content.prefix(Self.maximumSnippetLength))) + "…"
        }
        return String(String.UnicodeScalarView(content))
    }

    /// True past the end of the text or on a line holding only spaces and tabs.
    func isBlank(line: Int) -> Bool {
        guard line >= 1, line <= lines.count else { return true }
        return lines[line - 1].allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// Converts a `Character` offset (what Yams reports for reader errors) into a position.
    static func location(ofCharacterOffset offset: Int, in text: String) -> SourceLocation? {
        guard offset >= 0,
              let index = text.index(text.startIndex, offsetBy: offset, limitedBy: text.endIndex)
        else { return nil }
        var line = 1
        var column = 1
        var previousWasCarriageReturn = false
        for scalar in text.unicodeScalars[..<index] {
            switch scalar {
            case "\n" where previousWasCarriageReturn:
                break
            case "\r", "\n", "\u{85}", "\u{2028}", "\u{2029}":
                line += 1
                column = 1
            default:
                column += 1
            }
            previousWasCarriageReturn = scalar == "\r"
        }
        return SourceLocation(line: line, column: column)
    }

    // MARK: Duplicate keys

    /// A key token found in the source: its decoded text and the scalar range to overwrite.
    struct KeyToken {
        var text: String
        var contentRange: Range<Int>
        /// Index of the `:` that ends the key.
        var colon: Int
    }

    /// Reads a single-line mapping key starting at `start`; nil unless a `:` follows it.
    static func keyToken(in line: [Unicode.Scalar], at start: Int) -> KeyToken? {
        guard start < line.count else { return nil }
        var end: Int
        var text = String.UnicodeScalarView()
        let contentRange: Range<Int>
        switch line[start] {
        case "\"":
            end = start + 1
            while end < line.count, line[end] != "\"" {
                if line[end] == "\\", end + 1 < line.count {
                    let escaped = line[end + 1]
                    switch escaped {
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    default: text.append(escaped)
                    }
                    end += 2
                } else {
                    text.append(line[end])
                    end += 1
                }
            }
            guard end < line.count else { return nil }
            contentRange = (start + 1)..<end
            end += 1
        case "'":
            end = start + 1
            while end < line.count {
                if line[end] == "'" {
                    if end + 1 < line.count, line[end + 1] == "'" {
                        text.append("'")
                        end += 2
                        continue
                    }
                    break
                }
                text.append(line[end])
                end += 1
            }
            guard end < line.count else { return nil }
            contentRange = (start + 1)..<end
            end += 1
        default:
            end = start
            var lastContent = start
            while end < line.count {
                let scalar = line[end]
                if scalar == ":", end + 1 == line.count || line[end + 1] == " " || line[end + 1] == "\t" { break }
                if scalar == "#", end > start, line[end - 1] == " " || line[end - 1] == "\t" { return nil }
                if scalar != " " && scalar != "\t" { lastContent = end + 1 }
                end += 1
            }
            contentRange = start..<lastContent
            text.append(contentsOf: line[contentRange])
        }
        while end < line.count, line[end] == " " || line[end] == "\t" { end += 1 }
        guard end < line.count, line[end] == ":", !contentRange.isEmpty else { return nil }
        return KeyToken(text: String(text), contentRange: contentRange, colon: end)
    }

    /// Renames every later occurrence of `key` in the block mapping whose first key sits at
    /// `first` (1-based), so Yams can compose the rest of the document. Returns the renamed
    /// positions with their standIns, or nil when the layout is not a simple block mapping.
    mutating func renameDuplicates(
        of key: String, firstAt first: SourceLocation, standInSeed: inout Int
    ) -> [(location: SourceLocation, standIn: String)]? {
        let lineIndex = first.line - 1
        let indent = first.column - 1
        guard lineIndex >= 0, lineIndex < lines.count, indent >= 0, indent < lines[lineIndex].count else { return nil }
        guard let firstToken = Self.keyToken(in: lines[lineIndex], at: indent), firstToken.text == key else { return nil }
        let isBlock = lines[lineIndex][..<indent].allSatisfy { $0 == " " || $0 == "-" || $0 == "\t" }
        let occurrences = isBlock
            ? blockOccurrences(of: key, line: lineIndex, indent: indent)
            : flowOccurrences(of: key, line: lineIndex, from: firstToken.colon)
        var renamed: [(location: SourceLocation, standIn: String)] = []
        for (index, column, token) in occurrences {
            // Private-use scalars keep every column unchanged and cannot clash with real keys.
            guard standInSeed < 0x18FF, !token.contentRange.isEmpty else { return nil }
            let head = Unicode.Scalar(0xE000 + UInt32(standInSeed))!
            standInSeed += 1
            let replacement = [head] + Array(repeating: Unicode.Scalar(0xE000)!, count: token.contentRange.count - 1)
            lines[index].replaceSubrange(token.contentRange, with: replacement)
            renamed.append((SourceLocation(line: index + 1, column: column + 1),
                            String(String.UnicodeScalarView(replacement))))
        }
        return renamed.isEmpty ? nil : renamed
    }

    /// Sibling keys of a block mapping sit at exactly the first key's indentation, until a
    /// less indented line ends the mapping.
    private func blockOccurrences(of key: String, line lineIndex: Int, indent: Int) -> [(Int, Int, KeyToken)] {
        var found: [(Int, Int, KeyToken)] = []
        for index in (lineIndex + 1)..<max(lineIndex + 1, lines.count) {
            let line = lines[index]
            guard let firstContent = line.firstIndex(where: { $0 != " " }) else { continue }
            if line[firstContent] == "#" || line[firstContent] == "\t" { continue }
            if firstContent < indent { break }
            if firstContent == indent, let token = Self.keyToken(in: line, at: indent), token.text == key {
                found.append((index, indent, token))
            }
        }
        return found
    }

    /// Keys of a flow mapping follow a `,` at the mapping's own nesting level; the mapping ends
    /// at its closing bracket.
    private func flowOccurrences(of key: String, line startLine: Int, from startColumn: Int) -> [(Int, Int, KeyToken)] {
        var found: [(Int, Int, KeyToken)] = []
        var depth = 0
        var expectKey = false
        var lineIndex = startLine
        var index = startColumn
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            guard index < line.count else {
                lineIndex += 1
                index = 0
                continue
            }
            let scalar = line[index]
            if expectKey, scalar != " ", scalar != "\t" {
                expectKey = false
                if depth == 0, let token = Self.keyToken(in: line, at: index), token.text == key {
                    found.append((lineIndex, index, token))
                }
            }
            switch scalar {
            case "\"", "'":
                index += 1
                while index < line.count, line[index] != scalar {
                    index += scalar == "\"" && line[index] == "\\" ? 2 : 1
                }
            case "[", "{":
                depth += 1
            case "]", "}":
                if depth == 0 { return found }
                depth -= 1
            case ",":
                if depth == 0 { expectKey = true }
            case "#" where index > 0 && (line[index - 1] == " " || line[index - 1] == "\t"):
                index = line.count
                continue
            default:
                break
            }
            index += 1
        }
        return found
    }

    // MARK: Alias keys

    /// Yams hashes every mapping key while composing, so an alias used as (part of) a key can
    /// expand exponentially ("billion laughs") and hang. Manifest keys are plain strings, so
    /// when the document uses aliases at all, reject key forms that could contain one.
    func aliasKeyHazard() -> SourceLocation? {
        // Cheap pre-check: most manifests have no `*` at all, or only inside globs.
        guard lines.contains(where: { $0.contains("*") }) else { return nil }
        var usesAliases = false
        var hazard: SourceLocation?
        for (lineIndex, line) in lines.enumerated() {
            scan(line) { index, kind in
                switch kind {
                case .alias(let end):
                    usesAliases = true
                    if hazard == nil, Self.colonIndicatorFollows(line, from: end) {
                        hazard = SourceLocation(line: lineIndex + 1, column: index + 1)
                    }
                case .explicitKey:
                    if hazard == nil { hazard = SourceLocation(line: lineIndex + 1, column: index + 1) }
                case .collectionEnd:
                    if hazard == nil, Self.colonIndicatorFollows(line, from: index + 1) {
                        hazard = SourceLocation(line: lineIndex + 1, column: index + 1)
                    }
                }
            }
            if usesAliases, hazard != nil { return hazard }
        }
        return nil
    }

    private enum TokenKind {
        case alias(end: Int)
        case explicitKey
        case collectionEnd
    }

    /// Finds aliases, `?` key indicators and closing brackets on one line, skipping quoted text
    /// and comments. Approximate by design: it only has to be conservative about keys.
    private func scan(_ line: [Unicode.Scalar], _ found: (Int, TokenKind) -> Void) {
        var index = 0
        var previousSignificant: Unicode.Scalar?
        while index < line.count {
            let scalar = line[index]
            let atValueStart: Bool
            switch previousSignificant {
            case nil, "-", ":", "?", "[", "{", ",": atValueStart = true
            default: atValueStart = false
            }
            switch scalar {
            case "#" where index == 0 || line[index - 1] == " " || line[index - 1] == "\t":
                return
            case "\"" where atValueStart, "'" where atValueStart:
                index += 1
                while index < line.count, line[index] != scalar {
                    index += scalar == "\"" && line[index] == "\\" ? 2 : 1
                }
                index += 1
                previousSignificant = scalar
                continue
            case "*" where atValueStart:
                var end = index + 1
                while end < line.count, Self.isAnchorScalar(line[end]) { end += 1 }
                if end > index + 1 {
                    found(index, .alias(end: end))
                    previousSignificant = "a"
                    index = end
                    continue
                }
            case "?" where atValueStart && (index + 1 == line.count || line[index + 1] == " " || line[index + 1] == "\t"):
                found(index, .explicitKey)
            case "]", "}":
                found(index, .collectionEnd)
            default:
                break
            }
            if scalar != " " && scalar != "\t" { previousSignificant = scalar }
            index += 1
        }
    }

    private static func isAnchorScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 48...57, 65...90, 97...122, 45, 95: return true
        default: return false
        }
    }

    private static func colonIndicatorFollows(_ line: [Unicode.Scalar], from start: Int) -> Bool {
        var index = start
        while index < line.count, line[index] == " " || line[index] == "\t" { index += 1 }
        guard index < line.count, line[index] == ":" else { return false }
        return index + 1 == line.count || [" ", "\t", ",", "]", "}"].contains(line[index + 1])
    }
}
