/// The keys a manifest may contain and which build methods read them.
public enum ManifestSchema {
    /// Keys every method understands, in the order `Manifest.yaml()` writes them.
    public static let commonKeys = [
        "name", "method", "base", "dependencies", "commands", "output",
        "artifacts", "tags", "resources", "env", "context",
    ]

    public static let resourceKeys = ["cpus", "memory", "timeout", "log_limit", "on_log_limit"]

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
        SpellingSuggestion.nearest(to: key, among: candidates)
    }
}
