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
            try await withClient { client in
                let detail = try client.build(try parseReference(build), defaultProject: project.project)
                let rows = detail.artifacts.map {
                    [$0.name, ByteCount(bytes: $0.size).description, $0.type, $0.status.rawValue, String($0.sha256.prefix(12))]
                }
                if rows.isEmpty { print("build \(detail.row.reference) has no artifacts"); return }
                print(Format.table(rows, header: ["NAME", "SIZE", "TYPE", "STATUS", "SHA-256"], style: .stdout))
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy artifacts to a directory through the build server; each copy's SHA-256 is verified.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Build reference.") var build: String
        @Argument(help: "Artifact names (default: all).") var names: [String] = []
        @Option(name: [.short, .customLong("to")], help: "Destination directory.") var directory: String = "."
        @Flag(help: "Replace a file of the same name in the destination.") var force = false

        func run() async throws {
            try await withClient { client in
                let detail = try client.build(try parseReference(build), defaultProject: project.project)
                let wanted = names.isEmpty ? detail.artifacts.map(\.name) : names
                if wanted.isEmpty { throw FactoryError.notFound("build \(detail.row.reference) has no artifacts") }
                let destination = URL(fileURLWithPath: directory)
                for name in wanted {
                    let target = destination.appendingPathComponent(name)
                    if !force, FileManager.default.fileExists(atPath: target.path) {
                        throw FactoryError.conflict("\(target.path) already exists: pass --force to replace it, or --to another directory")
                    }
                    // A progress line on a terminal for large files; nothing in a pipe.
                    let meter = isatty(2) == 1 ? ProgressMeter(name: name) : nil
                    let url = try client.downloadArtifact(name, of: detail.row.build.id!, to: destination) { done, total in
                        meter?.update(done, of: total)
                    }
                    meter?.finish()
                    print("\(url.path)  (sha256 verified)")
                }
            }
        }
    }
}

/// `name  42% 12.0 MiB of 28.6 MiB  9.1 MiB/s` on stderr, redrawn at most ten times a second.
final class ProgressMeter {
    let name: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(name: String) { self.name = name }

    func update(_ done: Int64, of total: Int64) {
        guard total >= 4 << 20, Date().timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        lastDraw = Date()
        let seconds = max(0.001, Date().timeIntervalSince(start))
        let percent = total > 0 ? done * 100 / total : 100
        let line = "\r\(name)  \(percent)% \(ByteCount(bytes: done)) of \(ByteCount(bytes: total))  \(ByteCount(bytes: Int64(Double(done) / seconds)))/s\u{1B}[K"
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
        drawn = true
    }

    func finish() { if drawn { try? FileHandle.standardError.write(contentsOf: Data("\r\u{1B}[K".utf8)) } }
}

func parseReference(_ text: String) throws -> BuildReference {
    guard let ref = BuildReference(parsing: text) else {
        throw FactoryError.invalidInput("`\(text)` is not a build reference: use 7, #7, PROJECT#7 or /projects/ID/builds/7")
    }
    return ref
}
