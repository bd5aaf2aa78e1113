import Foundation

/// A plain shell build: every command runs in `/bin/sh -e -c` in the build's workspace.
public struct ShellMethod: BuildMethodPlanner {
    public let method = BuildMethod.shell

    public init() {}

    public func plan(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic]) throws -> BuildPlan {
        var plan = BuildPlan.common(manifest, project: project, warnings: warnings, method: .shell)
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
}
