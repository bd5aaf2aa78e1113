/// The keys a manifest may contain and which build methods read them.
public enum ManifestSchema {
    /// Keys every method understands, in the order `Manifest.yaml()` writes them.
    public static let commonKeys = [
        "name", "method", "base", "dependencies", "commands", "output",
        "artifacts", "tags", "resources", "env", "context",
    ]

    public static let resourceKeys = ["cpus", "memory", "timeout"]

    public static let outputFormats = ["tar", "oci", "docker", "qcow2", "raw", "dir", "nix-closure", "file"]

    /// Method-specific keys, in the order `Manifest.yaml()` writes them.
    public static let methodOptionKeys = [
        "containerfile", "dockerfile", "platforms", "build_args", "target", "load", "push",
        "template", "variables", "builders", "on_error",
        "expression", "flake", "attribute",
    ]

    public static let maximumCPUs: Double = 1024

    /// The methods that read `key`; empty for keys that are not method-specific.
    public static func methods(acceptingOption key: String) -> [BuildMethod] {
        switch key {
        case "containerfile", "dockerfile", "platforms", "build_args", "target", "load", "push":
            return [.docker, .buildx, .kaniko]
        case "template", "variables", "builders", "on_error":
            return [.packer]
        case "expression", "flake", "attribute":
            return [.nix]
        default:
            return []
        }
    }

    enum OptionType {
        case string, stringList, stringMap, anyMap, bool
    }

    static func optionType(of key: String) -> OptionType? {
        switch key {
        case "containerfile", "dockerfile", "target", "load", "template", "on_error",
             "expression", "flake", "attribute":
            return .string
        case "platforms", "builders": return .stringList
        case "build_args": return .stringMap
        case "variables": return .anyMap
        case "push": return .bool
        default: return nil
        }
    }

    /// The closest known key within the typo budget (distance 2, or 3 for keys longer than 8).
    static func suggestion(for key: String, among candidates: [String]) -> String? {
        let keyScalars = Array(key.lowercased().unicodeScalars)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let candidateScalars = Array(candidate.unicodeScalars)
            let budget = max(keyScalars.count, candidateScalars.count) > 8 ? 3 : 2
            guard abs(keyScalars.count - candidateScalars.count) <= budget else { continue }
            let distance = editDistance(keyScalars, candidateScalars)
            // Very short keys are within two edits of almost anything; require some overlap.
            guard distance <= budget, distance < candidateScalars.count else { continue }
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// Optimal string alignment distance: Levenshtein plus adjacent transpositions.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
