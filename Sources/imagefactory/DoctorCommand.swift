import ArgumentParser
import Foundation
import ImageFactoryCore

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check the build server's data directory, database, build tools and which resource limits work there.")

    func run() async throws {
        try await withClient { client in
            let style = Style.stdout
            // The server's host is where builds run: it answers for its own tools and limits.
            let r = try client.doctor()
            print(style.bold("Image Factory doctor"))
            print("user:            \(r.user)")
            print("data directory:  \(r.dataDirectory)")
            print("database:        \(r.databasePath)")
            print("schema version:  \(r.schemaVersion)")
            print("integrity:       \(r.integrity)")
            print("host:            \(r.host)")
            print("")
            print(style.bold("Build tools"))
            let rows = r.tools.map { t in
                [t.name, t.path == nil ? style.yellow("missing") : style.green("found"), t.version ?? "-", t.purpose, t.status]
            }
            print(Format.table(rows, header: ["TOOL", "", "VERSION", "FOR", "STATUS"], style: style))
            print("")
            print(style.bold("Build methods"))
            let matrix = r.methods.map { m in
                [m.method.rawValue, m.usable ? style.green("yes") : style.red("no"), m.tool ?? style.yellow("missing"), m.limits]
            }
            print(Format.table(matrix, header: ["METHOD", "USABLE", "TOOL", "LIMITS"], style: style))
            for m in r.methods {
                print("  \(m.method.rawValue): \(m.usableNote)\(m.install.isEmpty ? "" : "; to install: \(m.install)")")
            }
            print("")
            print(style.bold("Resource limits"))
            for line in r.limits { print("  \(line)") }
        }
    }
}
