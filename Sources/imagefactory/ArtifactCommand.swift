import ArgumentParser
import Foundation
import ImageFactoryCore

struct ArtifactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifact", abstract: "List and download a build's artifacts.",
        subcommands: [List.self, Get.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a build's artifacts with size, type and SHA-256.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Build: 7, #7, PROJECT#7 or a /projects/ID/builds/7 link.") var build: String

        func run() async throws {
            try await withService { service in
                let (b, _) = try service.resolve(try parseReference(build), defaultProject: project.project)
                let rows = try service.artifacts(of: b).map {
                    [$0.name, ByteCount(bytes: $0.size).description, $0.type, $0.status.rawValue, String($0.sha256.prefix(12))]
                }
                if rows.isEmpty { print("build \(b.number) has no artifacts"); return }
                print(Format.table(rows, header: ["NAME", "SIZE", "TYPE", "STATUS", "SHA-256"], style: .stdout))
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy artifacts to a directory; each copy's SHA-256 is verified.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Build reference.") var build: String
        @Argument(help: "Artifact names (default: all).") var names: [String] = []
        @Option(name: [.short, .customLong("to")], help: "Destination directory.") var directory: String = "."

        func run() async throws {
            try await withService { service in
                let (b, _) = try service.resolve(try parseReference(build), defaultProject: project.project)
                let wanted = names.isEmpty ? try service.artifacts(of: b).map(\.name) : names
                if wanted.isEmpty { throw FactoryError.notFound("build \(b.number) has no artifacts") }
                for name in wanted {
                    let url = try service.downloadArtifact(name, of: b, to: URL(fileURLWithPath: directory))
                    print("\(url.path)  (sha256 verified)")
                }
            }
        }
    }
}

func parseReference(_ text: String) throws -> BuildReference {
    guard let ref = BuildReference(parsing: text) else {
        throw FactoryError.invalidInput("`\(text)` is not a build reference: use 7, #7, PROJECT#7 or /projects/ID/builds/7")
    }
    return ref
}
