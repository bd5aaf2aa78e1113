import ImageFactoryCore
import Foundation
import Terminal
import Yams

/// Loads themes: the built-in ones (embedded, so an installed binary needs no repository), files in
/// `$XDG_CONFIG_HOME/imagefactory/themes/NAME.yaml`, or any path.
public enum ThemeLoader {
    public static let builtInNames = ["default", "light", "high-contrast", "mono"]

    /// A built-in theme; an unknown name gives the default theme.
    public static func builtIn(named name: String) -> Theme {
        let known = BuiltInThemes.source(named: name) != nil ? name : "default"
        do {
            return try parse(BuiltInThemes.source(named: known) ?? "", file: "themes/\(known).yaml")
        } catch {
            // The embedded themes are checked by the tests; a broken one must not stop the app.
            return Theme(name: name)
        }
    }

    /// `nameOrPath` is a path when it contains `/` or ends in `.yaml`/`.yml`; otherwise a name looked up in the
    /// user's theme directory first, then among the built-in themes.
    public static func load(_ nameOrPath: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Theme {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            return try load(path: nameOrPath)
        }
        let userFile = (userThemeDirectory(environment: environment) as NSString)
            .appendingPathComponent("\(nameOrPath).yaml")
        if FileManager.default.fileExists(atPath: userFile) { return try load(path: userFile) }
        if let text = BuiltInThemes.source(named: nameOrPath) {
            return try parse(text, file: "themes/\(nameOrPath).yaml")
        }
        var message = "unknown theme `\(nameOrPath)`; built-in themes: \(builtInNames.joined(separator: ", "))"
        if let guess = SpellingSuggestion.nearest(to: nameOrPath, among: builtInNames) {
            message = "unknown theme `\(nameOrPath)`, did you mean `\(guess)`?"
        }
        throw ThemeError(problems: [ThemeProblem(file: userFile, line: 0, column: 0, message: message)])
    }

    public static func load(path: String) throws -> Theme {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ThemeError(problems: [ThemeProblem(file: path, line: 0, column: 0,
                                                     message: "cannot read the theme file: \(error.localizedDescription)")])
        }
        return try parse(text, file: path)
    }

    /// `$XDG_CONFIG_HOME/imagefactory/themes`, else `~/.config/imagefactory/themes`.
    public static func userThemeDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (ConfigDirectory.path(environment: environment) as NSString).appendingPathComponent("themes")
    }

    /// https://no-color.org: any non-empty `NO_COLOR` turns colours off.
    public static func noColorRequested(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }

    static let fields = ["fg", "bg", "fallback", "fallback_bg", "bold", "dim", "underline", "reverse"]
    private static let topLevelKeys = ["name", "description", "background", "roles"]

    /// Parses theme text; `file` names it in errors. Roles left out are drawn like `text`.
    public static func parse(_ text: String, file: String) throws -> Theme {
        var problems: [ThemeProblem] = []
        func problem(_ node: Node?, role: String? = nil, field: String? = nil, _ message: String) {
            let (line, column) = node.map(ConfigYAML.position) ?? (1, 1)
            problems.append(ThemeProblem(file: file, line: line, column: column, role: role, field: field, message: message))
        }

        let root: Node?
        switch ConfigYAML.compose(text) {
        case .success(let node): root = node
        case .failure(let failure):
            throw ThemeError(problems: [ThemeProblem(file: file, line: failure.line, column: failure.column,
                                                     message: failure.message)])
        }
        guard let root, let top = root.mapping else {
            problem(root, "expected a map with `name`, `description` and `roles`")
            throw ThemeError(problems: problems)
        }

        let fileStem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var theme = Theme(name: fileStem)
        var given: [ThemeRole: (style: TextStyle, fallback: Theme.Fallback)] = [:]
        var sawRoles = false

        for (keyNode, value) in top {
            let key = ConfigYAML.string(keyNode) ?? ""
            switch key {
            case "name", "description":
                guard let s = ConfigYAML.string(value), !ConfigYAML.isNull(value) else {
                    problem(value, field: key, "expected text, found \(ConfigYAML.kind(value))")
                    continue
                }
                if key == "name" { theme.name = s } else { theme.description = s }
            case "background":
                // The background the theme is made for: `dark` (the default) or `light`.
                guard let s = ConfigYAML.string(value), let background = Theme.Background(rawValue: s.lowercased()) else {
                    problem(value, field: key, "expected dark or light, found `\(ConfigYAML.string(value) ?? ConfigYAML.kind(value))`")
                    continue
                }
                theme.background = background
            case "roles":
                sawRoles = true
                guard let roles = value.mapping else {
                    problem(value, field: key, "expected a map of roles (like `error: { fg: red }`)")
                    continue
                }
                for (roleNode, spec) in roles {
                    let roleName = ConfigYAML.string(roleNode) ?? ""
                    guard let role = ThemeRole(rawValue: roleName) else {
                        let known = ThemeRole.allCases.map(\.rawValue)
                        let hint = SpellingSuggestion.nearest(to: roleName, among: known).map { ", did you mean `\($0)`?" }
                            ?? "; roles are \(known.joined(separator: ", "))"
                        problem(roleNode, role: roleName, "unknown role" + hint)
                        continue
                    }
                    if let parsed = parseRole(spec, role: roleName, report: problem) { given[role] = parsed }
                }
            default:
                let hint = SpellingSuggestion.nearest(to: key, among: topLevelKeys).map { ", did you mean `\($0)`?" }
                    ?? "; expected name, description, background or roles"
                problem(keyNode, field: key, "unknown key" + hint)
            }
        }
        if !sawRoles { problem(root, field: "roles", "missing: a theme needs a `roles` map") }
        if !problems.isEmpty { throw ThemeError(problems: problems) }

        let base = given[.text] ?? (TextStyle.plain, Theme.Fallback())
        for role in ThemeRole.allCases {
            let entry = given[role] ?? base
            theme[role] = entry.style
            if entry.fallback.foreground != nil || entry.fallback.background != nil {
                theme.fallbacks[role] = entry.fallback
            }
        }
        return theme
    }

    private static func parseRole(
        _ spec: Node, role: String,
        report: (Node?, String?, String?, String) -> Void
    ) -> (style: TextStyle, fallback: Theme.Fallback)? {
        var style = TextStyle.plain
        var fallback = Theme.Fallback()
        // `error: red` is short for `error: { fg: red }`.
        if let scalar = ConfigYAML.string(spec), !ConfigYAML.isNull(spec) {
            switch ThemeColor.parse(scalar) {
            case .success(let color): style.foreground = color
            case .failure(let failure): report(spec, role, "fg", failure.message); return nil
            }
            return (style, fallback)
        }
        guard let entries = spec.mapping else {
            report(spec, role, nil, "expected a map like `{ fg: red, bold: true }`, found \(ConfigYAML.kind(spec))")
            return nil
        }
        var ok = true
        for (fieldNode, value) in entries {
            let field = ConfigYAML.string(fieldNode) ?? ""
            func color(basic: Bool) -> TerminalColor? {
                if ConfigYAML.isNull(value) {
                    report(value, role, field, "missing colour (quote `#rrggbb` colours: YAML reads an unquoted # as a comment)")
                    return nil
                }
                guard let text = ConfigYAML.string(value) else {
                    report(value, role, field, "expected a colour, found \(ConfigYAML.kind(value))")
                    return nil
                }
                switch basic ? ThemeColor.parseBasic(text) : ThemeColor.parse(text) {
                case .success(let c): return c
                case .failure(let failure): report(value, role, field, failure.message); return nil
                }
            }
            func flag() -> Bool? {
                guard let b = ConfigYAML.bool(value) else {
                    report(value, role, field, "expected true or false, found `\(ConfigYAML.string(value) ?? ConfigYAML.kind(value))`")
                    return nil
                }
                return b
            }
            switch field {
            case "fg": if let c = color(basic: false) { style.foreground = c } else { ok = false }
            case "bg": if let c = color(basic: false) { style.background = c } else { ok = false }
            case "fallback": if let c = color(basic: true) { fallback.foreground = c } else { ok = false }
            case "fallback_bg": if let c = color(basic: true) { fallback.background = c } else { ok = false }
            case "bold": if let b = flag() { style.bold = b } else { ok = false }
            case "dim": if let b = flag() { style.dim = b } else { ok = false }
            case "underline": if let b = flag() { style.underline = b } else { ok = false }
            case "reverse": if let b = flag() { style.reverse = b } else { ok = false }
            default:
                let hint = SpellingSuggestion.nearest(to: field, among: fields).map { ", did you mean `\($0)`?" }
                    ?? "; fields are \(Self.fields.joined(separator: ", "))"
                report(fieldNode, role, field, "unknown field" + hint)
                ok = false
            }
        }
        return ok ? (style, fallback) : nil
    }
}
