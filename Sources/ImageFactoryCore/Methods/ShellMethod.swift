import Foundation

/// A plain shell build: every command runs in `/bin/sh -e -c` in the build's workspace.
public struct ShellMethod: BuildMethodPlanner {
    public let method = BuildMethod.shell

    public init() {}

    public func plan(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic]) throws -> BuildPlan {
        var plan = Self.basePlan(manifest, project: project, warnings: warnings, method: .shell)
        var depDetails: [String] = []
        if manifest.dependencies.isEmpty {
            depDetails.append("no dependencies declared")
        } else {
            depDetails.append("look up on PATH: " + manifest.dependencies.joined(separator: ", "))
            if let installer = project.installerCommand {
                depDetails.append("install missing ones with the project's installer: \(installer)")
            } else {
                depDetails.append("project `\(project.name)` has no installer command: a missing dependency fails the step")
            }
        }
        let commands = manifest.commands.map { BuildPlan.PlannedCommand(source: $0, argv: ["/bin/sh", "-e", "-c", $0]) }
        let buildDetails = ["each command in its own process group, stdout and stderr captured line by line"]
        plan.steps.insert(contentsOf: [
            .init(name: "Install dependencies", kind: .dependencies, details: depDetails, commands: [], files: []),
            .init(name: "Build", kind: .commands, details: buildDetails, commands: commands, files: []),
        ], at: 1)
        return plan
    }

    /// The steps every method shares, Setup and Artifacts, with the environment, limits and timeout.
    static func basePlan(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic], method: BuildMethod) -> BuildPlan {
        var env = manifest.env.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        env.insert(("IMAGEFACTORY_BUILD_NAME", manifest.name), at: 0)
        let limits = LimitRequest(
            memoryBytes: manifest.resources.memory?.bytes ?? project.defaultMemoryBytes,
            cpus: manifest.resources.cpus ?? project.defaultCpus,
            pids: nil)
        let timeout = manifest.resources.timeout ?? project.defaultTimeoutSeconds.map { Duration.seconds($0) }

        var setupDetails = ["create the build's own workspace directory",
                            "write the manifest as submitted to manifest.yaml and record its SHA-256"]
        if let context = manifest.context { setupDetails.append("copy the context directory `\(context)` into the workspace") }
        setupDetails.append(env.isEmpty ? "no extra environment" : "environment: " + env.map { "\($0.0)=\($0.1)" }.joined(separator: " "))

        var artifactDetails: [String] = manifest.artifacts.map { "collect `\($0)`" }
        if artifactDetails.isEmpty { artifactDetails = ["no artifacts declared"] }
        artifactDetails.append("record size, type and SHA-256; copy into the artifact store")

        return BuildPlan(
            manifest: manifest, method: method,
            steps: [
                .init(name: "Setup", kind: .setup, details: setupDetails, commands: [], files: []),
                .init(name: "Artifacts", kind: .artifacts, details: artifactDetails, commands: [], files: []),
            ],
            environment: env, limits: limits, timeout: timeout, warnings: warnings)
    }
}
