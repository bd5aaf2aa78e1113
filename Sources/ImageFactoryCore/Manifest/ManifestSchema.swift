/// The keys a manifest may contain and which build methods read them.
public enum ManifestSchema {
    /// Keys every method understands, in the order `Manifest.yaml()` writes them.
    public static let commonKeys = [
        "name", "method", "base", "dependencies", "commands", "output",
        "artifacts", "tags", "resources", "env", "context",
    ]

    public static let resourceKeys = ["cpus", "memory", "timeout", "log_limit", "on_log_limit"]

    public static let outputFormats = ["tar", "oci", "docker", "qcow2", "raw", "dir", "nix-closure", "file"]

    /// Method-specific keys, in the order `Manifest.yaml()` writes them: the methods' descriptors' options.
    public static let methodOptionKeys: [String] = MethodDescriptor.all.flatMap(\.options).map(\.key)
        .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }

    public static let maximumCPUs: Double = 1024

    /// The methods that read `key`; empty for keys that are not method-specific.
    public static func methods(acceptingOption key: String) -> [BuildMethod] {
        BuildMethod.concrete.filter { MethodDescriptor.for($0)?.declares(key) == true }
    }

    typealias OptionType = MethodOptionType

    static func optionType(of key: String) -> OptionType? {
        MethodDescriptor.all.lazy.flatMap(\.options).first { $0.key == key }?.type
    }

    /// The closest known key within the typo budget (distance 2, or 3 for keys longer than 8).
    static func suggestion(for key: String, among candidates: [String]) -> String? {
        SpellingSuggestion.nearest(to: key, among: candidates)
    }
}
