import Yams

/// Entry point: parses manifest text and validates it in one pass.
public enum ManifestLoader {
    /// Checks `text`, collecting every syntax, type, value and policy problem found.
    /// Never traps, whatever the input; `file` only labels the diagnostics.
    public static func check(text: String, file: String? = nil, context: ManifestValidationContext) -> ManifestCheck {
        var diagnostics: [ManifestDiagnostic] = []
        var manifest: Manifest?

        // libyaml only skips a BOM when it detects the encoding itself; Yams forces UTF-8.
        let body = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        let source = ManifestSource(body)

        if let hazard = source.aliasKeyHazard() {
            diagnostics.append(ManifestDiagnostic(
                severity: .error,
                message: "map keys must be plain strings; aliases, `?` keys and collections cannot be used as keys",
                location: hazard, snippet: source.snippet(line: hazard.line)))
        } else {
            let composed = compose(source, text: body)
            diagnostics = composed.diagnostics
            if let root = composed.root {
                var validator = ManifestValidator(source: source, context: context,
                                                  duplicateStandIns: composed.standIns)
                manifest = validator.validate(root: root)
                // The validator reports reachable duplicates with their field path; keep the rest.
                let covered = Set(validator.diagnostics.compactMap(\.location))
                diagnostics.removeAll { $0.location.map(covered.contains) ?? false }
                diagnostics += validator.diagnostics
            }
        }

        if diagnostics.contains(where: { $0.severity == .error }) { manifest = nil }
        return ManifestCheck(manifest: manifest, diagnostics: finish(diagnostics, file: file))
    }

    private struct Composition {
        var root: Node?
        var diagnostics: [ManifestDiagnostic] = []
        var standIns: [String: (key: String, firstLine: Int)] = [:]
    }

    /// Composes the YAML tree. Yams refuses mappings with duplicate keys, so each duplicate is
    /// reported and renamed to a standIn, then composing is retried to find later problems.
    private static func compose(_ original: ManifestSource, text originalText: String) -> Composition {
        var result = Composition()
        var working = original
        var standInSeed = 0
        for attempt in 0..<256 {
            let text = attempt == 0 ? originalText : working.text
            do {
                let parser = try Parser(yaml: text, resolver: .default, constructor: .default, encoding: .utf8)
                guard let root = try parser.singleRoot() else {
                    result.diagnostics.append(error(
                        "expected a map of manifest fields (like `name: ...`), found an empty document",
                        at: SourceLocation(line: 1, column: 1), original))
                    return result
                }
                result.root = root
                return result
            } catch let yamlError as YamlError {
                if case .duplicatedKeysInMapping(let keys, let context) = yamlError {
                    let first = SourceLocation(line: context.mark.line, column: context.mark.column)
                    guard let key = keys.sorted().first,
                          let renamed = working.renameDuplicates(of: key, firstAt: first, standInSeed: &standInSeed)
                    else {
                        let names = keys.sorted().map { "`\(ManifestValidator.shortened($0))`" }.joined(separator: ", ")
                        result.diagnostics.append(error("duplicate key \(names) in this map", at: first, original))
                        return result
                    }
                    for (location, standIn) in renamed {
                        result.standIns[standIn] = (key, first.line)
                        result.diagnostics.append(error(
                            "duplicate key `\(ManifestValidator.shortened(key))` (first defined at line \(first.line))",
                            at: location, original))
                    }
                    continue
                }
                result.diagnostics.append(syntaxDiagnostic(yamlError, text: text, original))
                return result
            } catch {
                result.diagnostics.append(ManifestDiagnostic(severity: .error, message: "cannot read manifest: \(error)"))
                return result
            }
        }
        result.diagnostics.append(error("too many duplicate keys", at: SourceLocation(line: 1, column: 1), original))
        return result
    }

    private static func syntaxDiagnostic(_ yamlError: YamlError, text: String, _ source: ManifestSource) -> ManifestDiagnostic {
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            if problem.hasPrefix("but found another document") {
                return error("syntax error: a manifest must be a single YAML document, but found another document",
                             at: SourceLocation(line: mark.line, column: mark.column), source)
            }
            var location = SourceLocation(line: mark.line, column: mark.column)
            var message = "syntax error: \(problem)"
            if let context {
                message += " (\(context.text) started at line \(context.mark.line), column \(context.mark.column))"
                // At end of input (e.g. an unclosed `[`) the construct's start is the useful spot.
                if source.isBlank(line: mark.line), context.mark.line >= 1 {
                    location = SourceLocation(line: context.mark.line, column: context.mark.column)
                }
            }
            return error(message, at: location, source)
        case .reader(let problem, let offset, let value, _):
            let location = offset.flatMap { ManifestSource.location(ofCharacterOffset: $0, in: text) }
            var message = "invalid character: \(problem)"
            if value >= 0 { message += " (U+\(ManifestYAMLWriter.hex(UInt32(value), width: 4)))" }
            return error(message, at: location ?? SourceLocation(line: 1, column: 1), source)
        default:
            return ManifestDiagnostic(severity: .error, message: "cannot read manifest: \(yamlError)",
                                      location: SourceLocation(line: 1, column: 1), snippet: source.snippet(line: 1))
        }
    }

    private static func error(_ message: String, at location: SourceLocation, _ source: ManifestSource) -> ManifestDiagnostic {
        ManifestDiagnostic(severity: .error, message: message, location: location, snippet: source.snippet(line: location.line))
    }

    /// Stamps the file name, removes repeats (merged maps can be visited twice) and sorts by position.
    private static func finish(_ diagnostics: [ManifestDiagnostic], file: String?) -> [ManifestDiagnostic] {
        var seen = Set<ManifestDiagnostic>()
        var unique: [ManifestDiagnostic] = []
        for var diagnostic in diagnostics {
            diagnostic.file = file
            if seen.insert(diagnostic).inserted { unique.append(diagnostic) }
        }
        let ordered = unique.enumerated().sorted { lhs, rhs in
            switch (lhs.element.location, rhs.element.location) {
            case let (l?, r?): return l != r ? l < r : lhs.offset < rhs.offset
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return lhs.offset < rhs.offset
            }
        }
        return ordered.map(\.element)
    }
}
