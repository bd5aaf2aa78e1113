import ArgumentParser
import Foundation
import ImageFactoryCore

struct TemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template", abstract: "List, show and save manifest templates.",
        subcommands: [List.self, Show.self, Save.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the templates you can use in a project: yours, the team's and the examples.")
        @OptionGroup var project: ProjectOption

        func run() async throws {
            try await withClient { client in
                let p = try client.project(project.project).project
                let rows = try client.templates(in: p.id!).map { [$0.name, $0.scope.rawValue, $0.method.rawValue, $0.description] }
                print(Format.table(rows, header: ["TEMPLATE", "SCOPE", "METHOD", "DESCRIPTION"], style: .stdout))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a template's manifest.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Template name.") var name: String

        func run() async throws {
            try await withClient { client in
                let t = try findTemplate(named: name, project: project.project, client: client)
                print(t.manifest, terminator: t.manifest.hasSuffix("\n") ? "" : "\n")
            }
        }
    }

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save a manifest file as a template (yours, or the team's with --team).")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Manifest file.") var file: String
        @Option(help: "Template name.") var name: String
        @Flag(help: "Share it with the whole project (requires Admin).") var team = false

        func run() async throws {
            try await withClient { client in
                let text = try readManifestFile(file)
                let t = try client.saveTemplate(name: name, manifestText: text, file: file, team: team,
                                                in: try client.project(project.project).project.id!)
                print("saved \(t.scope.rawValue) template \(t.name) (\(t.method.rawValue))")
            }
        }
    }
}

/// A template by name, the caller's own copy first (as the server lists them), with the names there are.
func findTemplate(named name: String, project: String?, client: any FactoryAPI) throws -> Template {
    let p = try client.project(project).project
    let all = try client.templates(in: p.id!)
    guard let t = all.first(where: { $0.name == name }) else {
        throw FactoryError.notFound("no template named `\(name)` in project `\(p.name)`"
                                    + (all.isEmpty ? "" : " (available: \(all.map(\.name).joined(separator: ", ")))"))
    }
    return t
}
