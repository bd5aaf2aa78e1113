import ArgumentParser
import Foundation
import ImageFactoryCore
import ImageFactoryServer
import ImageFactoryTUI

@main
struct ImageFactoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "imagefactory",
        abstract: "Write build manifests, run container and VM image builds, watch them, and get their artifacts.",
        discussion: """
            With no subcommand, opens the full-screen interface on a terminal (the start-of-day summary otherwise;
            `imagefactory status` prints it anywhere).
            Data lives in $IMAGEFACTORY_HOME, else $XDG_DATA_HOME/imagefactory, else ~/.local/share/imagefactory.

            Exit status: 0 success; 1 the build failed, was cancelled or interrupted (or warnings with --strict);
            2 invalid input or manifest; 3 not found; 4 permission denied; 5 conflict (e.g. already finished);
            64 bad command line; 70 internal or storage error; 130 interrupted (Ctrl-C) while waiting.
            """,
        version: "0.1.0",
        subcommands: [ProjectCommand.self, TemplateCommand.self, BuildCommand.self, ArtifactCommand.self, OpenCommand.self,
                      WatchCommand.self, StatusCommand.self, DoctorCommand.self, ServerCommand.self, MemberCommand.self]
    )

    @OptionGroup var interface: InterfaceOptions

    func run() async throws {
        try await withClient { client in
            // A pipe or a script gets the text summary; a terminal gets the application.
            guard isatty(0) == 1, isatty(1) == 1 else {
                try SummaryPrinter(api: client, style: Style.stdout).print()
                return
            }
            try await runInterface(api: client, start: .dashboard, settings: interface.settings)
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print the start-of-day summary: last build, recent builds, queued and running, ready artifacts.")

    func run() async throws {
        try await withClient { client in try SummaryPrinter(api: client, style: Style.stdout).print() }
    }
}

/// Connects to the build server as the OS user, whom the server identifies from the socket: the shared
/// server of IMAGEFACTORY_SOCKET, else the user's personal one (started when none runs). Every command
/// goes this one way; none opens the data directory itself.
func withClient(startIfNeeded: Bool = true, _ body: (ServerClient) async throws -> Void) async throws {
    try await reportingErrors {
        let client = try ServerClient.connect(directory: .resolve(), startIfNeeded: startIfNeeded, executable: currentExecutable())
        defer { client.close() }
        try await body(client)
    }
}

/// Turns errors into messages on stderr and the documented exit codes.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as FactoryError {
        Style.stderr.printError(error.description)
        throw ExitCode(error.exitCode)
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        Style.stderr.printError("\(error)")
        throw ExitCode(70)
    }
}

/// Reads a manifest file, with a clear message when it is missing or unreadable.
func readManifestFile(_ path: String) throws -> String {
    if path == "-" {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        throw FactoryError.notFound("manifest file \(path) does not exist")
    }
    guard !isDir.boolValue else { throw FactoryError.invalidInput("\(path) is a directory, not a manifest file") }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FactoryError.invalidInput("cannot read manifest file \(path)")
    }
    return String(decoding: data, as: UTF8.self)
}

struct ProjectOption: ParsableArguments {
    @Option(name: [.short, .customLong("project")], help: "Project name (default: your only project, else `examples`).")
    var project: String?
}
