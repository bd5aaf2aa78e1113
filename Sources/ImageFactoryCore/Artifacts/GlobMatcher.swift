import Foundation

/// Expands an artifact pattern relative to a workspace: `*`, `?` and `[...]` within a path component
/// (fnmatch), and `**` for any number of directories. Matches never leave the workspace.
public enum GlobMatcher {
    public static func expand(_ pattern: String, in root: URL) throws -> [String] {
        let trimmed = pattern.hasPrefix("./") ? String(pattern.dropFirst(2)) : pattern
        guard !trimmed.hasPrefix("/"), !trimmed.split(separator: "/").contains("..") else {
            throw FactoryError.invalidInput("artifact pattern `\(pattern)` must stay inside the workspace")
        }
        let hasMagic = trimmed.contains(where: { "*?[".contains($0) })
        if !hasMagic {
            return FileManager.default.fileExists(atPath: root.appendingPathComponent(trimmed).path) ? [trimmed] : []
        }
        var results: [String] = []
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: root.path) else { return [] }
        while let relative = walker.nextObject() as? String {
            if matches(pattern: trimmed, path: relative) {
                results.append(relative)
                // A matched directory is one artifact; don't also match what is inside it.
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDir), isDir.boolValue {
                    walker.skipDescendants()
                }
            }
        }
        return results.sorted()
    }

    public static func matches(pattern: String, path: String) -> Bool {
        matchComponents(pattern.split(separator: "/").map(String.init)[...], path.split(separator: "/").map(String.init)[...])
    }

    private static func matchComponents(_ p: ArraySlice<String>, _ s: ArraySlice<String>) -> Bool {
        guard let head = p.first else { return s.isEmpty }
        if head == "**" {
            let rest = p.dropFirst()
            var tail = s
            while true {
                if matchComponents(rest, tail) { return true }
                if tail.isEmpty { return false }
                tail = tail.dropFirst()
            }
        }
        guard let first = s.first else { return false }
        // FNM_PERIOD: `*` does not match hidden files unless the pattern says so.
        guard fnmatch(head, first, FNM_PERIOD) == 0 else { return false }
        return matchComponents(p.dropFirst(), s.dropFirst())
    }
}
