import Foundation

/// What a build will do, step by step: the preview a dry-run prints and the script the runner follows.
public struct BuildPlan: Sendable {
    public enum StepKind: String, Sendable, Codable {
        case setup, dependencies, commands, artifacts
    }

    public struct PlannedCommand: Sendable, Hashable, Codable {
        /// What the user wrote.
        public var source: String
        /// The exact argv the runner executes.
        public var argv: [String]
    }

    public struct GeneratedFile: Sendable, Hashable, Codable {
        public var path: String
        public var contents: String
    }

    public struct PlannedStep: Sendable {
        public var name: String
        public var kind: StepKind
        public var details: [String]
        public var commands: [PlannedCommand]
        public var files: [GeneratedFile]
    }

    public var manifest: Manifest
    public var method: BuildMethod
    public var steps: [PlannedStep]
    public var environment: [(String, String)]
    public var limits: LimitRequest
    public var timeout: Duration?
    public var warnings: [ManifestDiagnostic]
}

/// Turns a validated manifest into a plan for one build method.
public protocol BuildMethodPlanner: Sendable {
    var method: BuildMethod { get }
    func plan(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic]) throws -> BuildPlan
}

public enum BuildMethodCatalog {
    public static func planner(for method: BuildMethod) -> (any BuildMethodPlanner)? {
        switch method {
        case .shell: ShellMethod()
        default: nil
        }
    }

    public static func unsupportedReason(_ method: BuildMethod) -> String {
        "build method `\(method.rawValue)` cannot run yet: this version runs `shell` builds only (the container, packer and nix methods are a separate issue)"
    }
}
