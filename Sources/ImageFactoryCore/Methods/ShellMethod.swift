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

extension MethodDescriptor {
    static let shell = MethodDescriptor(
        method: .shell,
        summary: "commands: each runs in /bin/sh -e -c in the build's workspace, in its own process group",
        options: [],
        requirement: .commands,
        tools: [ToolProbe(name: "sh", purpose: "shell method", versionArguments: ["-c", "echo POSIX sh"],
                          foundStatus: "usable: runs shell builds", install: nil)],
        readiness: { probe in
            MethodReadiness(method: .shell, tool: "/bin/sh", usable: true, usableNote: "yes", limits: probe.cgroupLimits, install: "")
        },
        example: MethodExample(name: "shell-hello", description: "Plain shell build that packs a tarball", manifest: """
            name: shell-hello
            method: shell
            dependencies: [tar, gzip]
            commands:
              - mkdir -p out
              - echo "hello from $(uname -sr)" > out/hello.txt
              - tar -czf hello.tar.gz -C out .
            output: tar
            artifacts:
              - hello.tar.gz
            tags: [example]
            resources:
              memory: 512MiB
              timeout: 10m

            """),
        planner: { _ in ShellMethod() })
}
