/// How an image is built. `default` defers to the project's configured method.
public enum BuildMethod: String, Codable, CaseIterable, Sendable {
    case docker, buildx, kaniko, packer, nix, shell
    case `default`

    /// The methods a build can actually run with (`default` is resolved before a build starts).
    public static var concrete: [BuildMethod] { allCases.filter { $0 != .default } }
}
