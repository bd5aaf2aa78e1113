import ImageFactoryCore
import Foundation
import Terminal
import Yams

/// Loads keymaps: a built-in one (`default`, `vim`, `emacs`, embedded so an installed binary needs no
/// repository) or a file, then the user's override file on top.
///
/// An override (`$XDG_CONFIG_HOME/imagefactory/keymap.yaml`) lists only the actions it changes; each listed
/// action's keys replace the base keymap's. If a key it takes was bound to another action of the same
/// context, that action loses the key and `Keymap.warnings` says so.
public enum KeymapLoader {
    public static let builtInNames = ["default", "vim", "emacs"]

    /// `name` is a built-in name or a path; nil means the override's `extends:`, else `default`.
    /// A missing override file is simply no override.
    public static func load(name: String? = nil, userOverride: String? = defaultUserOverridePath(),
                            actions: [ActionDescriptor] = ActionDescriptor.all) throws -> Keymap {
        var override: KeymapFile?
        if let path = userOverride, FileManager.default.fileExists(atPath: path) {
            override = try KeymapFile.parse(try read(path), file: path, actions: actions)
        }
        let baseName = name ?? override?.extends?.name ?? "default"
        var keymap: Keymap
        do {
            keymap = try resolve(baseName, actions: actions, depth: 0)
        } catch let error as KeymapError {
            // Point at the override's `extends:` line when that is where the bad name came from.
            if name == nil, let extends = override?.extends, let file = override?.file {
                throw KeymapError(problems: error.problems.map {
                    $0.line == 0 ? KeymapProblem(file: file, line: extends.line, column: extends.column,
                                                 action: nil, message: $0.message) : $0
                })
            }
            throw error
        }
        if let override {
            try apply(override, onto: &keymap, actions: actions)
            keymap.name = "\(keymap.name) + \((override.file as NSString).lastPathComponent)"
        }
        for action in actions where keymap.keys(for: action.id) == [Keymap.tmuxPrefix] {
            keymap.warnings.append("`\(action.id)` is bound only to ctrl+b, tmux's prefix: inside tmux it never arrives")
        }
        return keymap
    }

    /// A built-in keymap; nil for an unknown name.
    public static func builtIn(named name: String, actions: [ActionDescriptor] = ActionDescriptor.all) -> Keymap? {
        guard BuiltInKeymaps.source(named: name) != nil else { return nil }
        return try? resolve(name, actions: actions, depth: 0)
    }

    /// `$XDG_CONFIG_HOME/imagefactory/keymap.yaml`, else `~/.config/imagefactory/keymap.yaml`.
    public static func defaultUserOverridePath(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        (ConfigDirectory.path(environment: environment) as NSString).appendingPathComponent("keymap.yaml")
    }

    /// Parses keymap text on its own (no base, no override), for checking a file.
    public static func parse(_ text: String, file: String,
                             actions: [ActionDescriptor] = ActionDescriptor.all) throws -> Keymap {
        let parsed = try KeymapFile.parse(text, file: file, actions: actions)
        var keymap = Keymap(name: parsed.name ?? file, bindings: [:])
        try apply(parsed, onto: &keymap, actions: actions)
        return keymap
    }

    private static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KeymapError(problems: [KeymapProblem(file: path, line: 0, column: 0, action: nil,
                                                       message: "cannot read the keymap file: \(error.localizedDescription)")])
        }
    }

    private static func resolve(_ name: String, actions: [ActionDescriptor], depth: Int) throws -> Keymap {
        let file: KeymapFile
        if let text = BuiltInKeymaps.source(named: name) {
            file = try KeymapFile.parse(text, file: "keymaps/\(name).yaml", actions: actions)
        } else if name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            file = try KeymapFile.parse(try read(name), file: name, actions: actions)
        } else {
            var message = "unknown keymap `\(name)`; built-in keymaps: \(builtInNames.joined(separator: ", "))"
            if let guess = SpellingSuggestion.nearest(to: name, among: builtInNames) {
                message = "unknown keymap `\(name)`, did you mean `\(guess)`?"
            }
            throw KeymapError(problems: [KeymapProblem(file: name, line: 0, column: 0, action: nil, message: message)])
        }
        // Built-in keymaps are complete; any other file starts from the one it extends.
        var keymap = Keymap(name: file.name ?? name, bindings: [:])
        let baseName = file.extends?.name ?? (BuiltInKeymaps.source(named: name) == nil ? "default" : nil)
        if let baseName {
            guard depth < 8, baseName != name else {
                let at = file.extends
                throw KeymapError(problems: [KeymapProblem(file: file.file, line: at?.line ?? 0, column: at?.column ?? 0,
                                                           action: nil, message: "`extends` loops back to `\(baseName)`")])
            }
            keymap = try resolve(baseName, actions: actions, depth: depth + 1)
            keymap.name = file.name ?? name
        }
        try apply(file, onto: &keymap, actions: actions)
        return keymap
    }

    /// Replaces the keys of every action `file` lists. A key taken from an action the file does not list is
    /// removed from that action (with a warning); two actions of the file sharing a key is an error.
    private static func apply(_ file: KeymapFile, onto keymap: inout Keymap, actions: [ActionDescriptor]) throws {
        let listed = Set(file.entries.map(\.action))
        for entry in file.entries { keymap.bind(entry.action, to: entry.keys.map(\.key)) }
        var problems: [KeymapProblem] = []
        let descriptors = Dictionary(actions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for conflict in keymap.conflicts(among: actions) {
            switch (listed.contains(conflict.first), listed.contains(conflict.second)) {
            case (true, true):
                // Report at the later of the two bindings in the file.
                let positions = [conflict.first, conflict.second].compactMap { id in
                    file.entries.first { $0.action == id }?.keys.first { $0.key == conflict.key }
                        .map { (id: id, line: $0.line, column: $0.column) }
                }
                let later = positions.max { ($0.line, $0.column) < ($1.line, $1.column) }
                let other = later?.id == conflict.first ? conflict.second : conflict.first
                problems.append(KeymapProblem(
                    file: file.file, line: later?.line ?? 0, column: later?.column ?? 0, action: later?.id.rawValue,
                    message: "`\(Keymap.label(for: conflict.key))` is already bound to `\(other)` in the \(conflict.context.rawValue) context"))
            case (true, false), (false, true):
                let winner = listed.contains(conflict.first) ? conflict.first : conflict.second
                let loser = winner == conflict.first ? conflict.second : conflict.first
                keymap.bind(loser, to: keymap.keys(for: loser).filter { $0 != conflict.key })
                let title = descriptors[loser]?.title ?? loser.rawValue
                keymap.warnings.append("\(file.file): `\(Keymap.label(for: conflict.key))` now runs `\(winner)`; "
                    + "\(title) (`\(loser)`) no longer has it"
                    + (keymap.keys(for: loser).isEmpty ? " and is left without a key (use the palette)" : ""))
            case (false, false):
                // Inherited from the base keymap, which was checked when it was loaded.
                break
            }
        }
        if !problems.isEmpty {
            throw KeymapError(problems: problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
    }
}

/// One keymap file as written, with the position of everything in it.
struct KeymapFile {
    struct PlacedKey {
        var key: Key
        var line: Int
        var column: Int
    }

    struct Entry {
        var action: ActionID
        var keys: [PlacedKey]
    }

    var file: String
    var name: String?
    var extends: (name: String, line: Int, column: Int)?
    var entries: [Entry] = []

    private static let topLevelKeys = ["name", "description", "extends", "bindings"]

    static func parse(_ text: String, file: String, actions: [ActionDescriptor]) throws -> KeymapFile {
        var result = KeymapFile(file: file)
        var problems: [KeymapProblem] = []
        func problem(_ node: Node?, action: String? = nil, _ message: String) {
            let (line, column) = node.map(ConfigYAML.position) ?? (1, 1)
            problems.append(KeymapProblem(file: file, line: line, column: column, action: action, message: message))
        }

        let root: Node?
        switch ConfigYAML.compose(text) {
        case .success(let node): root = node
        case .failure(let failure):
            throw KeymapError(problems: [KeymapProblem(file: file, line: failure.line, column: failure.column,
                                                       action: nil, message: failure.message)])
        }
        // An empty override file changes nothing.
        guard let root else { return result }
        guard let top = root.mapping else {
            problem(root, "expected a map with `bindings` (and optionally `name` and `extends`)")
            throw KeymapError(problems: problems)
        }

        let known = actions.map(\.id.rawValue)
        let knownSet = Set(known)
        for (keyNode, value) in top {
            let key = ConfigYAML.string(keyNode) ?? ""
            switch key {
            case "name", "description", "extends":
                guard let s = ConfigYAML.string(value), !ConfigYAML.isNull(value) else {
                    problem(value, "`\(key)` expects text, found \(ConfigYAML.kind(value))")
                    continue
                }
                if key == "name" { result.name = s }
                if key == "extends" {
                    let (line, column) = ConfigYAML.position(value)
                    result.extends = (s, line, column)
                }
            case "bindings":
                if ConfigYAML.isNull(value) { continue }
                guard let bindings = value.mapping else {
                    problem(value, "`bindings` expects a map of action: [keys]")
                    continue
                }
                for (actionNode, keysNode) in bindings {
                    let id = ConfigYAML.string(actionNode) ?? ""
                    guard knownSet.contains(id) else {
                        let hint = SpellingSuggestion.nearest(to: id, among: known).map { ", did you mean `\($0)`?" }
                            ?? "; `imagefactory` lists actions in its help overlay (press ?)"
                        problem(actionNode, action: id, "unknown action" + hint)
                        continue
                    }
                    if result.entries.contains(where: { $0.action.rawValue == id }) {
                        problem(actionNode, action: id, "bound twice in this file")
                        continue
                    }
                    // `quit: q` is short for `quit: [q]`; `[]` or nothing leaves the action without a key.
                    let keyNodes: [Node]
                    if let sequence = keysNode.sequence { keyNodes = Array(sequence) }
                    else if ConfigYAML.isNull(keysNode) { keyNodes = [] }
                    else if keysNode.scalar != nil { keyNodes = [keysNode] }
                    else {
                        problem(keysNode, action: id, "expected a list of keys like [ctrl+k, f2]")
                        continue
                    }
                    var placed: [KeymapFile.PlacedKey] = []
                    for node in keyNodes {
                        guard let name = ConfigYAML.string(node), !ConfigYAML.isNull(node) else {
                            problem(node, action: id, "expected a key name, found \(ConfigYAML.kind(node))")
                            continue
                        }
                        guard let parsed = Keymap.parseKey(name) else {
                            problem(node, action: id, "cannot read the key `\(name)`; write keys like q, ctrl+k, alt+enter, "
                                + "shift+tab, f5, esc, space, \"?\" (quote keys YAML treats specially: \"?\", \":\", \"#\")")
                            continue
                        }
                        if let reason = Keymap.unreachableReason(parsed) {
                            problem(node, action: id, reason)
                            continue
                        }
                        let (line, column) = ConfigYAML.position(node)
                        if !placed.contains(where: { $0.key == parsed }) {
                            placed.append(PlacedKey(key: parsed, line: line, column: column))
                        }
                    }
                    result.entries.append(Entry(action: ActionID(id), keys: placed))
                }
            default:
                let hint = SpellingSuggestion.nearest(to: key, among: topLevelKeys).map { ", did you mean `\($0)`?" }
                    ?? "; expected name, description, extends or bindings"
                problem(keyNode, "unknown key `\(key)`" + hint)
            }
        }
        if !problems.isEmpty { throw KeymapError(problems: problems) }
        return result
    }
}
