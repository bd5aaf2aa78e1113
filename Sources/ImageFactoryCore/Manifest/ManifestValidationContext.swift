/// Project-level policy a manifest is checked against.
public struct ManifestValidationContext: Sendable {
    /// Methods the project permits; `default` is never a member.
    public var allowedMethods: Set<BuildMethod>
    /// What `method: default` (or no `method`) resolves to; never `default` itself.
    public var defaultMethod: BuildMethod

    public init(
        allowedMethods: Set<BuildMethod> = Set(BuildMethod.concrete),
        defaultMethod: BuildMethod = .shell
    ) {
        self.allowedMethods = allowedMethods.subtracting([.default])
        // `default` cannot resolve to itself; fall back to the method that needs no image tooling.
        self.defaultMethod = defaultMethod == .default ? .shell : defaultMethod
    }

    /// Every concrete method allowed, `shell` as the default.
    public static let unrestricted = ManifestValidationContext()
}
