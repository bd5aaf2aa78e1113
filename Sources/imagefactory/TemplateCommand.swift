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
            try await withService { service in
                let p = try service.project(project.project)
                let rows = try service.templates(in: p).map { [$0.name, $0.scope.rawValue, $0.method.rawValue, $0.description] }
                print(Format.table(rows, header: ["TEMPLATE", "SCOPE", "METHOD", "DESCRIPTION"], style: .stdout))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a template's manifest.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Template name.") var name: String

        func run() async throws {
            try await withService { service in
                let t = try service.template(named: name, in: try service.project(project.project))
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
            try await withService { service in
                let text = try readManifestFile(file)
                let t = try service.saveTemplate(name: name, manifestText: text, file: file, team: team,
                                                 in: try service.project(project.project))
                print("saved \(t.scope.rawValue) template \(t.name) (\(t.method.rawValue))")
            }
        }
    }
}
