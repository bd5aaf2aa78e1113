/// A validated build manifest. Obtain one from `ManifestLoader.check(text:file:context:)`.
public struct Manifest: Sendable, Hashable, Codable {
    public var name: String
    public var method: BuildMethod
    public var base: String?
    public var dependencies: [String]
    public var commands: [String]
    public var output: String?
    public var artifacts: [String]
    public var tags: [String]
    public var resources: ResourceRequest
    public var env: [String: String]
    public var context: String?
    /// Keys that only some methods read (`containerfile`, `template`, `flake`, ...).
    public var methodOptions: [String: ManifestValue]

    public init(
        name: String,
        method: BuildMethod = .default,
        base: String? = nil,
        dependencies: [String] = [],
        commands: [String] = [],
        output: String? = nil,
        artifacts: [String] = [],
        tags: [String] = [],
        resources: ResourceRequest = ResourceRequest(),
        env: [String: String] = [:],
        context: String? = nil,
        methodOptions: [String: ManifestValue] = [:]
    ) {
        self.name = name
        self.method = method
        self.base = base
        self.dependencies = dependencies
        self.commands = commands
        self.output = output
        self.artifacts = artifacts
        self.tags = tags
        self.resources = resources
        self.env = env
        self.context = context
        self.methodOptions = methodOptions
    }

    /// Environment sorted by variable name, for stable display and rendering.
    public var envPairs: [(name: String, value: String)] {
        env.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }
}
