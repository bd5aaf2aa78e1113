import ArgumentParser
import Foundation
import ImageFactoryCore
import ImageFactoryServer

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Create, list and show projects; change their settings and members (admins).",
        subcommands: [List.self, Show.self, Create.self, Set_.self, SetEngine.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project; you become its owner.")
        @Argument(help: "Project name: letters, digits, `.`, `_` and `-`.") var name: String
        @Option(help: "One line about the project.") var description: String = ""

        func run() async throws {
            try await withClient { client in
                let row = try client.createProject(name: name, description: description)
                print("created project \(row.project.name) (you are its owner)  /projects/\(row.project.id!)")
                print("next: imagefactory build new -p \(row.project.name) --method shell")
            }
        }
    }

    struct Set_: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Change a project setting (admins); the change is recorded in the project's activity.",
            discussion: "Settings: " + ProjectSetting.allCases.map { "\($0.rawValue) (\($0.format))" }.joined(separator: "; ") + ".")
        @Option(name: .shortAndLong, help: "Project (default: your only project, else `examples`).") var project: String?
        @Argument(help: "The setting: \(ProjectSetting.allCases.map(\.rawValue).joined(separator: ", ")).") var setting: String
        @Argument(help: "Its new value.") var value: String

        func run() async throws {
            guard let s = ProjectSetting(rawValue: setting) else {
                Style.stderr.printError("unknown setting `\(setting)`: use one of \(ProjectSetting.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(2)
            }
            try await withClient { client in
                let change = try s.change(value)
                let p = try client.project(project)
                let updated = try client.changeProject(p.project.id!, change)
                let shown = s.value(in: updated.project)
                print("project \(updated.project.name): \(s.title) \(shown.isEmpty ? "none" : shown)")
            }
        }
    }

    struct SetEngine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-engine",
            abstract: "Choose the engine of the project's docker and buildx builds (admins); same as `project set engine`.",
            discussion: "auto: a Docker engine that answers `docker info`, else podman. podman or docker: always that one.")
        @Argument(help: "auto, podman or docker.") var engine: String
        @Option(name: .shortAndLong, help: "Project (default: your only project, else `examples`).") var project: String?

        func run() async throws {
            guard let choice = ContainerEngineChoice(rawValue: engine) else {
                Style.stderr.printError("unknown engine `\(engine)`: use auto, podman or docker")
                throw ExitCode(2)
            }
            try await withClient { client in
                let p = try client.project(project)
                let updated = try client.changeProject(p.project.id!, ProjectSettingsChange(containerEngine: choice))
                print("project \(updated.project.name): container engine \(updated.project.containerEngine.rawValue)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the projects you are a member of, with your role.")

        func run() async throws {
            try await withClient { client in
                let style = Style.stdout
                let rows = try client.projects().map { s in
                    [s.project.name + (s.project.archivedAt == nil ? "" : " (archived)"), s.role.rawValue, s.project.defaultMethod.rawValue,
                     s.lastBuild.map { "\($0.number) \(style.status($0.status)) \(Format.age($0.createdAt))" } ?? "-"]
                }
                if rows.isEmpty { print("you are not a member of any project: imagefactory project create NAME"); return }
                print(Format.table(rows, header: ["PROJECT", "ROLE", "DEFAULT METHOD", "LAST BUILD"], style: style))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a project: settings, members, templates, recent builds.")
        @Argument(help: "Project name (default: your only project, else `examples`).") var name: String?

        func run() async throws {
            try await withClient { client in
                let style = Style.stdout
                let row = try client.project(name)
                let project = row.project
                let mayChange = Permission.changeSettings.denialReason(for: row.role)
                print(style.bold("\(project.name)") + style.dim("  /projects/\(project.id!)") + (project.archivedAt == nil ? "" : style.yellow("  archived")))
                if !project.description.isEmpty { print(project.description) }
                print("")
                print("your role:        \(row.role.rawValue)")
                print("default method:   \(project.defaultMethod.rawValue)")
                print("allowed methods:  \(project.allowedMethodSet.map(\.rawValue).sorted().joined(separator: ", "))")
                print("default limits:   cpus \(project.defaultCpus.map { String($0) } ?? "-"), memory \(project.defaultMemoryBytes.map { ByteCount(bytes: $0).description } ?? "-"), timeout \(project.defaultTimeoutSeconds.map { DurationParser.format(.seconds($0)) } ?? "-")")
                // The installer command may carry credentials: only those who may change settings see it.
                print("installer:        \(mayChange.map { "hidden (\($0))" } ?? project.installerCommand ?? "none (a missing dependency fails the build)")")
                print("container engine: \(project.containerEngine.rawValue)")
                print("log limit:        \(project.logLimit.flatMap(LogLimit.init(parsing:))?.description ?? "\(LogLimit.standard) (the default)")")
                print("")
                print(style.bold("Members"))
                for m in try client.members(of: project.id!) {
                    print("  \(m.user.login)  \(m.role.rawValue)  \(m.user.displayName)")
                }
                print("")
                print(style.bold("Templates"))
                for t in try client.templates(in: project.id!) {
                    print("  \(t.name)  \(style.dim(t.scope.rawValue))  \(t.method.rawValue)")
                }
                print("")
                print(style.bold("Recent builds"))
                let builds = try client.builds(project: project.id!, limit: 5)
                if builds.isEmpty { print("  none yet: imagefactory build start FILE") }
                for r in builds {
                    let b = r.build
                    print("  \(b.number)  \(style.status(b.status))  \(b.name)  \(Format.age(b.createdAt))  \(Format.duration(b.duration))")
                }
            }
        }
    }
}
