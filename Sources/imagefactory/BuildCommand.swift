import ArgumentParser
import CSystemShims
import Foundation
import ImageFactoryCore
import ImageFactoryServer

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Write, check, start, watch and cancel builds.",
        subcommands: [New.self, Validate.self, DryRun.self, Start.self, List.self, Show.self, Logs.self, Cancel.self, Rerun.self, RunWorker.self])

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new manifest to edit, from a template (or the example of a method).")
        @OptionGroup var project: ProjectOption
        @Option(help: "Template to start from (see `imagefactory template list`).") var template: String?
        @Option(help: "Build method, when no template is given: its example template is used.") var method: String?
        @Flag(help: "Overwrite FILE if it exists.") var force = false
        @Argument(help: "Where to write the manifest (default: TEMPLATE.yaml; `-` for standard output).") var file: String?

        func run() async throws {
            try await withClient { client in
                let p = try client.project(project.project).project
                let templates = try client.templates(in: p.id!)
                let chosen: Template
                if let template {
                    chosen = try findTemplate(named: template, project: project.project, client: client)
                } else {
                    let wanted = try method.map { name -> BuildMethod in
                        guard let m = BuildMethod(rawValue: name) else {
                            throw FactoryError.invalidInput("unknown method `\(name)`: use one of \(BuildMethod.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        return m
                    } ?? p.defaultMethod
                    guard let example = templates.first(where: { $0.method == wanted && $0.scope == .example })
                            ?? templates.first(where: { $0.method == wanted })
                            ?? (try? findTemplate(named: "\(wanted.rawValue)-hello", project: Bootstrap.examplesProject, client: client)) else {
                        throw FactoryError.notFound("project `\(p.name)` has no template for method `\(wanted.rawValue)`; pass --template NAME")
                    }
                    chosen = example
                }
                let target = file ?? "\(chosen.name).yaml"
                if target == "-" {
                    print(chosen.manifest, terminator: "")
                    return
                }
                if FileManager.default.fileExists(atPath: target), !force {
                    throw FactoryError.conflict("\(target) already exists: pass --force to overwrite it")
                }
                do {
                    try chosen.manifest.write(toFile: target, atomically: true, encoding: .utf8)
                } catch {
                    throw FactoryError.invalidInput("cannot write \(target): \(error.localizedDescription)")
                }
                print("wrote \(target) from template \(chosen.name) (\(chosen.method.rawValue)); edit it, then:")
                print("  imagefactory build validate \(target)")
                print("  imagefactory build start \(target) --wait")
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a manifest: errors and warnings with file:line:column.",
            discussion: "Exit status: 0 valid; 1 only warnings and --strict; 2 invalid.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Manifest file (`-` for standard input).") var file: String
        @Flag(help: "Treat warnings as failure (exit status 1).") var strict = false

        func run() async throws {
            try await withClient { client in
                let text = try readManifestFile(file)
                let check = try client.dryRun(text: text, file: manifestPath(file), in: try client.project(project.project).project.id!,
                                              workingDirectory: FileManager.default.currentDirectoryPath).check
                DiagnosticPrinter.print(check.diagnostics, file: file)
                if !check.isValid { throw ExitCode(2) }
                if strict && !check.warnings.isEmpty { throw ExitCode(1) }
                print("\(file): valid" + (check.warnings.isEmpty ? "" : " with \(check.warnings.count) warning(s)")
                      + (check.manifest.map { " (\($0.method.rawValue) build `\($0.name)`)" } ?? ""))
            }
        }
    }

    struct DryRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dry-run",
            abstract: "Show the plan: each step's exact commands and files, the limits and how they are enforced, the warnings.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Manifest file.") var file: String

        func run() async throws {
            try await withClient { client in
                let text = try readManifestFile(file)
                let dry = try client.dryRun(text: text, file: manifestPath(file), in: try client.project(project.project).project.id!,
                                            workingDirectory: FileManager.default.currentDirectoryPath)
                DiagnosticPrinter.print(dry.check.diagnostics, file: file)
                guard dry.check.isValid else { throw ExitCode(2) }
                if let plan = dry.plan, let limits = dry.limits { PlanPrinter.print(plan, limits: limits, style: .stdout) }
                if let blocker = dry.blocker {
                    Style.stderr.printError(blocker)
                    throw ExitCode(2)
                }
            }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a build from a manifest. It runs in the background and outlives this command.",
            discussion: "With --wait, follows the build and exits 0 when it succeeds, 1 when it fails, is cancelled or interrupted. Ctrl-C stops waiting; the build goes on.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Manifest file (`-` for standard input).") var file: String
        @Flag(help: "Follow the build until it ends, streaming its log.") var wait = false
        @Flag(help: "With --wait: print only step changes, not the log.") var quiet = false
        @Option(help: "Queue priority from -100 to 100: higher starts first, FIFO within a priority.") var priority: Int = 0

        func run() async throws {
            var text = ""
            try await reportingErrors { text = try readManifestFile(file) }
            try await withClient { client in
                let path = manifestPath(file)
                // Warnings print here; errors come back from the start just the same.
                let check = try client.dryRun(text: text, file: path, in: try client.project(project.project).project.id!,
                                              workingDirectory: FileManager.default.currentDirectoryPath).check
                if check.isValid { DiagnosticPrinter.print(check.warnings, file: file) }
                let detail = try client.startBuild(StartBuildRequest(
                    text: text, file: path, project: project.project, template: nil, priority: priority,
                    workingDirectory: FileManager.default.currentDirectoryPath))
                let build = detail.row.build
                print("build \(detail.row.project)\(build.number) \(build.name) queued  /projects/\(build.projectId)/builds/\(build.number.rawValue)")
                guard wait else {
                    print("follow it: imagefactory build logs \(detail.row.project)\(build.number) --follow")
                    return
                }
                let printer = quiet ? nil : LogPrinter(style: .stdout, timestamps: false, filter: LogFilter(ignoreCase: false))
                let final = try await RemoteFollower(client: client, style: .stdout, printer: printer).follow(build.id!, from: 0)
                try printOutcome(final, client: client)
                if final.build.status != .succeeded { throw ExitCode(1) }
            }
        }

        private func printOutcome(_ row: BuildRow, client: ServerClient) throws {
            let b = row.build
            let style = Style.stdout
            print("")
            print("build \(b.number) \(style.status(b.status)) in \(Format.duration(b.duration))")
            if let reason = b.failureReason, b.status != .succeeded { print(style.red(reason)) }
            for a in try client.showBuild(row.reference, defaultProject: nil).artifacts {
                print("■ \(a.name)  \(ByteCount(bytes: a.size))  sha256 \(a.sha256.prefix(12))")
            }
        }
    }

    struct RunWorker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Run a queued build in this process (used by `build start`).", shouldDisplay: false)
        @Option(name: .customLong("build-id"), help: "Internal build id.") var buildID: Int64

        func run() async throws {
            // A runner must survive its terminal going away.
            signal(SIGHUP, SIG_IGN)
            signal(SIGPIPE, SIG_IGN)
            // Under a server, the runner dies with it (the restarted server marks the build interrupted and
            // ends what it left running) rather than writing to a store nobody is scheduling any more.
            if let serverPid = ProcessInfo.processInfo.environment["IMAGEFACTORY_SERVER_PID"].flatMap(Int32.init) {
                _ = if_set_parent_death_signal(SIGKILL)
                guard getppid() == serverPid else { throw ExitCode(70) }
            }
            do {
                // The server authorized the build when it was queued; the runner only runs it.
                let store = try FactoryStore(directory: .resolve())
                let build = try await BuildRunner(store: store, build: BuildID(rawValue: buildID),
                                                  options: .fromEnvironment()).run()
                if build.status != .succeeded { throw ExitCode(1) }
            } catch let error as ExitCode {
                throw error
            } catch where StorageFault.isNoSpace(error) {
                // The end could not be written: the server records it (with the filesystem named) when it can.
                Style.stderr.printError("cannot record the build's end: \(error)")
                throw ExitCode(StorageFault.runnerExitStatus)
            } catch let error as FactoryError {
                Style.stderr.printError(error.description)
                throw ExitCode(error.exitCode)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recent builds (all your projects unless -p is given).")
        @OptionGroup var project: ProjectOption
        @Option(help: "How many builds to list.") var limit: Int = 20

        func run() async throws {
            try await withClient { client in
                printTable(try client.builds(projectNamed: project.project, limit: limit).map { ($0.build, $0.project) })
            }
        }

        private func printTable(_ builds: [(Build, String)]) {
            let style = Style.stdout
            let rows = builds.map { b, project in
                // A queued build's duration cell says what it waits for.
                ["\(project)\(b.number)", style.status(b.status), b.name, b.method.rawValue, Format.age(b.createdAt),
                 b.status == .queued ? (b.queueReason ?? "waiting") : Format.duration(b.duration)]
            }
            if rows.isEmpty { print("no builds yet: imagefactory build start FILE"); return }
            print(Format.table(rows, header: ["BUILD", "STATUS", "NAME", "METHOD", "CREATED", "DURATION"], style: style))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a build: status, steps, failure reason with the failing step's last lines, metrics, limits, artifacts.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Build: 7, #7, PROJECT#7 or a /projects/ID/builds/7 link.") var build: String

        func run() async throws {
            try await withClient { client in
                let detail = try client.build(try parseReference(build), defaultProject: project.project)
                try BuildPrinter(api: client, style: .stdout).show(detail)
            }
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a build's log, coloured by level on a terminal.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Build reference.") var build: String
        @Flag(name: [.short, .long], help: "Keep printing new lines until the build ends.") var follow = false
        @Option(help: "Only lines of this level or above: info, warn, error.") var level: String?
        @Option(help: "Only lines containing this text.") var grep: String?
        @Flag(name: [.short, .customLong("ignore-case")], help: "Case-insensitive --grep (ASCII letters).") var ignoreCase = false
        @Option(help: "Only lines of step N (1-based, as `build show` numbers them).") var step: Int?
        @Flag(help: "Prefix each line with its time since the build started.") var timestamps = false
        @Option(help: "Print only the last N matching lines.") var tail: Int?

        func validate() throws {
            if let level, LogLevel(name: level) == nil {
                throw ValidationError("--level must be info, warn or error, not `\(level)`")
            }
            if let step, step < 1 { throw ValidationError("--step counts from 1") }
        }

        /// Committed lines page by page (filters and search run on the server), then the live subscription.
        func run() async throws {
            try await withClient { client in
                let detail = try client.build(try parseReference(build), defaultProject: project.project)
                let b = detail.row.build
                if let step, step > detail.steps.count {
                    throw FactoryError.invalidInput("build \(b.number) has \(detail.steps.count) steps; --step \(step) does not exist")
                }
                let filter = LogFilter(minimum: level.flatMap(LogLevel.init(name:)), grep: grep, ignoreCase: ignoreCase,
                                       step: step.map { UInt16($0 - 1) })
                let printer = LogPrinter(style: .stdout, timestamps: timestamps, filter: filter)
                let printed = try printer.printCommitted(api: client, build: b, from: 0, tail: tail)
                fflush(nil)
                guard follow else { return }
                _ = try await RemoteFollower(client: client, style: .stdout, printer: printer).follow(b.id!, from: printed)
            }
        }
    }

    struct Rerun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a build's manifest again, as you.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Build reference.") var build: String
        @Flag(help: "Follow the new build until it ends, streaming its log.") var wait = false

        func run() async throws {
            try await withClient { client in
                let old = try client.build(try parseReference(build), defaultProject: project.project)
                let detail = try client.rerunBuild(old.row.build.id!)
                let b = detail.row.build
                print("build \(detail.row.reference) \(b.name) queued (a re-run of \(old.row.reference))  /projects/\(b.projectId)/builds/\(b.number.rawValue)")
                guard wait else { return }
                let printer = LogPrinter(style: .stdout, timestamps: false, filter: LogFilter(ignoreCase: false))
                let final = try await RemoteFollower(client: client, style: .stdout, printer: printer).follow(b.id!, from: 0)
                if final.build.status != .succeeded { throw ExitCode(1) }
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a build: SIGTERM to all its processes, SIGKILL after a grace period.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "Build reference.") var build: String
        @Flag(help: "Wait until the build has stopped.") var wait = false

        func run() async throws {
            try await withClient { client in
                let detail = try client.cancelBuild(build, defaultProject: project.project)
                let b = detail.row.build
                print(b.status == .cancelled ? "build \(b.number) cancelled" : "cancel requested for build \(b.number)")
                guard wait, !b.status.isFinished else { return }
                let final = try await RemoteFollower(client: client, style: .stdout, printer: nil)
                    .follow(b.id!, from: Int(b.logLines))
                print("build \(final.build.number) \(final.build.status.rawValue)")
            }
        }
    }
}

func currentExecutable() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

/// The manifest's absolute path (a relative `context` is relative to it), or nil for standard input.
func manifestPath(_ file: String) -> String? {
    file == "-" ? nil : URL(fileURLWithPath: file).standardizedFileURL.path
}
