import ArgumentParser
import Foundation
import ImageFactoryCore

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "List and show your projects; change their settings.",
        subcommands: [List.self, Show.self, SetEngine.self])

    struct SetEngine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-engine",
            abstract: "Choose the engine of the project's docker and buildx builds (admins).",
            discussion: "auto: a Docker engine that answers `docker info`, else podman. podman or docker: always that one.")
        @Argument(help: "auto, podman or docker.") var engine: String
        @Option(name: .shortAndLong, help: "Project (default: your only project, else `examples`).") var project: String?

        func run() async throws {
            guard let choice = ContainerEngineChoice(rawValue: engine) else {
                Style.stderr.printError("unknown engine `\(engine)`: use auto, podman or docker")
                throw ExitCode(2)
            }
            try await withService { service in
                let updated = try service.setContainerEngine(choice, in: try service.project(project))
                print("project \(updated.name): container engine \(updated.containerEngine.rawValue)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the projects you are a member of, with your role.")

        func run() async throws {
            try await withService { service in
                let style = Style.stdout
                let rows = try service.projects().map { s in
                    [s.project.name, s.role.rawValue, s.project.defaultMethod.rawValue,
                     s.lastBuild.map { "\($0.number) \(style.status($0.status)) \(Format.age($0.createdAt))" } ?? "-"]
                }
                print(Format.table(rows, header: ["PROJECT", "ROLE", "DEFAULT METHOD", "LAST BUILD"], style: style))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a project: settings, members, templates, recent builds.")
        @Argument(help: "Project name (default: your only project, else `examples`).") var name: String?

        func run() async throws {
            try await withService { service in
                let style = Style.stdout
                let project = try service.project(name)
                let role = try service.role(in: project)
                print(style.bold("\(project.name)") + style.dim("  /projects/\(project.id!)"))
                if !project.description.isEmpty { print(project.description) }
                print("")
                print("your role:        \(role?.rawValue ?? "none")")
                print("default method:   \(project.defaultMethod.rawValue)")
                print("allowed methods:  \(project.allowedMethodSet.map(\.rawValue).sorted().joined(separator: ", "))")
                print("default limits:   cpus \(project.defaultCpus.map { String($0) } ?? "-"), memory \(project.defaultMemoryBytes.map { ByteCount(bytes: $0).description } ?? "-"), timeout \(project.defaultTimeoutSeconds.map { DurationParser.format(.seconds($0)) } ?? "-")")
                print("installer:        \(project.installerCommand ?? "none (a missing dependency fails the build)")")
                print("container engine: \(project.containerEngine.rawValue)")
                print("")
                print(style.bold("Members"))
                for (user, role) in try service.members(of: project) {
                    print("  \(user.login)  \(role.rawValue)  \(user.displayName)")
                }
                print("")
                print(style.bold("Templates"))
                for t in try service.templates(in: project) {
                    print("  \(t.name)  \(style.dim(t.scope.rawValue))  \(t.method.rawValue)")
                }
                print("")
                print(style.bold("Recent builds"))
                let builds = try service.builds(in: project, limit: 5)
                if builds.isEmpty { print("  none yet: imagefactory build start FILE") }
                for b in builds {
                    print("  \(b.number)  \(style.status(b.status))  \(b.name)  \(Format.age(b.createdAt))  \(Format.duration(b.duration))")
                }
            }
        }
    }
}
