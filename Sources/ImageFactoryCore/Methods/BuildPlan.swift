import Foundation

/// What a build will do, step by step: the preview a dry-run prints and the script the runner follows.
public struct BuildPlan: Sendable, Codable {
    public enum StepKind: String, Sendable, Codable {
        case setup, dependencies, commands, artifacts
    }

    public struct PlannedCommand: Sendable, Hashable, Codable {
        /// What the user wrote.
        public var source: String
        /// The exact argv the runner executes.
        public var argv: [String]
        /// Variables set for this command only (DOCKER_BUILDKIT=1, NIX_CONFIG).
        public var environment: [String: String] = [:]
        /// A failure of this command does not fail the step (removing a leftover manifest list).
        public var mayFail: Bool = false
    }

    public struct GeneratedFile: Sendable, Hashable, Codable {
        public var path: String
        public var contents: String
    }

    public struct PlannedStep: Sendable, Codable {
        public var name: String
        public var kind: StepKind
        public var details: [String]
        public var commands: [PlannedCommand]
        public var files: [GeneratedFile]
        /// Reads the commands' output as this tool's progress stream: its steps, progress and errors.
        public var parser: ToolParserKind? = nil
    }

    public var manifest: Manifest
    public var method: BuildMethod
    public var steps: [PlannedStep]
    public var environment: [(String, String)]
    public var limits: LimitRequest
    public var timeout: Duration?
    /// The log limit in force: the project's (or the default), lowered by the manifest's.
    public var logLimit: LogLimit = .standard
    public var onLogLimit: LogLimitAction = .continue
    public var warnings: [ManifestDiagnostic]
    /// Why this plan cannot run on this machine (a tool that is not installed); empty when it can.
    public var blockers: [MethodUnavailable] = []
    /// Workspace-relative files the method itself produces and stores as artifacts (an image archive).
    public var producedArtifacts: [String] = []
    /// How the method runs here: the engine chosen and why, for dry-run and the build log.
    public var engineNote: String? = nil
}

extension BuildPlan {
    /// The steps every method shares, Setup and Artifacts, with the environment, limits and timeout.
    static func common(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic], method: BuildMethod) -> BuildPlan {
        var env = manifest.env.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        env.insert(("IMAGEFACTORY_BUILD_NAME", manifest.name), at: 0)
        let limits = LimitRequest(
            memoryBytes: manifest.resources.memory?.bytes ?? project.defaultMemoryBytes,
            cpus: manifest.resources.cpus ?? project.defaultCpus,
            pids: nil)
        let timeout = manifest.resources.timeout ?? project.defaultTimeoutSeconds.map { Duration.seconds($0) }
        let logLimit = (project.logLimit.flatMap(LogLimit.init(parsing:)) ?? .standard).tightened(by: manifest.resources.logLimit)

        var setupDetails = ["create the build's own workspace directory",
                            "write the manifest as submitted to manifest.yaml and record its SHA-256"]
        if let context = manifest.context { setupDetails.append("copy the context directory `\(context)` into the workspace") }
        setupDetails.append(env.isEmpty ? "no extra environment" : "environment: " + env.map { "\($0.0)=\($0.1)" }.joined(separator: " "))

        var artifactDetails: [String] = manifest.artifacts.map { "collect `\($0)`" }
        if artifactDetails.isEmpty { artifactDetails = ["no artifacts declared"] }
        artifactDetails.append("record size, type and SHA-256; copy into the artifact store")

        var plan = BuildPlan(
            manifest: manifest, method: method,
            steps: [
                .init(name: "Setup", kind: .setup, details: setupDetails, commands: [], files: []),
                .init(name: "Artifacts", kind: .artifacts, details: artifactDetails, commands: [], files: []),
            ],
            environment: env, limits: limits, timeout: timeout, warnings: warnings)
        plan.logLimit = logLimit
        plan.onLogLimit = manifest.resources.onLogLimit ?? .continue
        return plan
    }
}

/// Turns a validated manifest into a plan for one build method.
public protocol BuildMethodPlanner: Sendable {
    var method: BuildMethod { get }
    func plan(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic]) throws -> BuildPlan
}

/// The progress format a tool step's output is read as.
public enum ToolParserKind: String, Sendable, Codable {
    case podman, buildkitPlain, buildkitRawJSON, dockerLegacy, kaniko, packer, nix

    public func makeParser() -> any ToolProgressParser {
        switch self {
        case .podman: PodmanProgressParser()
        case .buildkitPlain: BuildKitPlainParser()
        case .buildkitRawJSON: BuildKitRawJSONParser()
        case .dockerLegacy: DockerLegacyParser()
        case .kaniko: KanikoProgressParser()
        case .packer: PackerMachineReadableParser()
        case .nix: NixInternalJSONParser()
        }
    }
}

// The environment keeps its order as pairs; JSON has no tuples, so it travels as [[name, value]].
extension BuildPlan {
    enum CodingKeys: String, CodingKey {
        case manifest, method, steps, environment, limits, timeout, logLimit, onLogLimit, warnings, blockers, producedArtifacts, engineNote
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        manifest = try c.decode(Manifest.self, forKey: .manifest)
        method = try c.decode(BuildMethod.self, forKey: .method)
        steps = try c.decode([PlannedStep].self, forKey: .steps)
        environment = try c.decode([[String]].self, forKey: .environment).compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
        limits = try c.decode(LimitRequest.self, forKey: .limits)
        timeout = try c.decodeIfPresent(Duration.self, forKey: .timeout)
        logLimit = try c.decodeIfPresent(LogLimit.self, forKey: .logLimit) ?? .standard
        onLogLimit = try c.decodeIfPresent(LogLimitAction.self, forKey: .onLogLimit) ?? .continue
        warnings = try c.decode([ManifestDiagnostic].self, forKey: .warnings)
        blockers = try c.decode([MethodUnavailable].self, forKey: .blockers)
        producedArtifacts = try c.decode([String].self, forKey: .producedArtifacts)
        engineNote = try c.decodeIfPresent(String.self, forKey: .engineNote)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(manifest, forKey: .manifest)
        try c.encode(method, forKey: .method)
        try c.encode(steps, forKey: .steps)
        try c.encode(environment.map { [$0.0, $0.1] }, forKey: .environment)
        try c.encode(limits, forKey: .limits)
        try c.encodeIfPresent(timeout, forKey: .timeout)
        try c.encode(logLimit, forKey: .logLimit)
        try c.encode(onLogLimit, forKey: .onLogLimit)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(blockers, forKey: .blockers)
        try c.encode(producedArtifacts, forKey: .producedArtifacts)
        try c.encodeIfPresent(engineNote, forKey: .engineNote)
    }
}
