import ArgumentParser
import Foundation
import ImageFactoryCore
import ImageFactoryServer

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "The build server: runs builds for every client. Clients start a personal one on demand.",
        discussion: """
            `imagefactory server` runs in the foreground (for a service manager), logging to stderr.
            A shared build host runs it as a dedicated user: `imagefactory server --socket /run/imagefactory/sock --group builders`;
            its clients set IMAGEFACTORY_SOCKET to that path. The server identifies every client from the socket (SO_PEERCRED).
            """,
        subcommands: [Run.self, Status.self, Stop.self],
        defaultSubcommand: Run.self
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the server in the foreground (the default).")
        @Option(help: "Listen on this socket path (a shared server); default: your personal server's socket.") var socket: String?
        @Option(help: "Let members of this group (name or gid) connect; the socket becomes 0660.") var group: String?
        @Option(name: .customLong("max-builds"), help: "Builds that may run at once (default: the number of cores, at least 2).") var maxBuilds: Int?
        @Option(help: "CPUs the running builds may ask for in all (default: every core).") var cpus: Double?
        @Option(help: "Memory the running builds may ask for in all, e.g. 16GiB (default: 80% of RAM).") var memory: String?
        @Option(name: .customLong("idle-timeout"), help: "Exit after this many seconds with no client and no build.") var idleTimeout: Int?
        @Option(help: "Append the server's log to this file instead of stderr.") var log: String?
        @Option(name: .customLong("min-free"), help: "Keep this much free on the data filesystem, e.g. 2GiB or 5% (default: 5%, at most 1 GiB; 0: off): under it the queue waits and running builds stop.") var minFree: String?
        @Flag(help: .hidden) var background = false

        func validate() throws {
            if let maxBuilds, maxBuilds < 1 { throw ValidationError("--max-builds must be at least 1") }
            if let cpus, !(cpus > 0) { throw ValidationError("--cpus must be more than 0") }
            if let memory, ByteCount(parsing: memory) == nil { throw ValidationError("--memory `\(memory)` is not a size (e.g. 8GiB, 512MiB)") }
            if let idleTimeout, idleTimeout < 1 { throw ValidationError("--idle-timeout must be at least 1 second") }
        }

        func run() async throws {
            try await reportingErrors {
                let env = ProcessInfo.processInfo.environment
                let directory = DataDirectory.resolve()
                let endpoint = ServerEndpoint.resolve(directory: directory, socket: socket)
                var budget = ResourceBudget.machineDefault()
                if let n = maxBuilds ?? env["IMAGEFACTORY_MAX_BUILDS"].flatMap(Int.init) { budget.maxBuilds = max(1, n) }
                if let c = cpus ?? env["IMAGEFACTORY_CPUS"].flatMap(Double.init) { budget.cpus = c }
                if let m = (memory ?? env["IMAGEFACTORY_MEMORY"]).flatMap(ByteCount.init(parsing:)) { budget.memoryBytes = m.bytes }
                let gid = try group.map(resolveGroup)
                let idle = idleTimeout.map(TimeInterval.init)
                    ?? (background ? env["IMAGEFACTORY_SERVER_IDLE_SECONDS"].flatMap(TimeInterval.init) ?? 900 : nil)
                let handle: FileHandle
                if let path = log {
                    guard FileManager.default.fileExists(atPath: path) || FileManager.default.createFile(atPath: path, contents: nil),
                          let h = FileHandle(forWritingAtPath: path) else {
                        throw FactoryError.invalidInput("cannot write the server log \(path)")
                    }
                    h.seekToEndOfFile()
                    handle = h
                } else {
                    handle = .standardError // a background server's stderr is already its log file
                }
                var minFreeBytes: Int64?
                if let text = minFree ?? env["IMAGEFACTORY_SERVER_MIN_FREE"] {
                    try FileManager.default.createDirectory(at: directory.root, withIntermediateDirectories: true)
                    guard let bytes = DataFilesystem.read(directory)?.minimumFree(parsing: text) else {
                        throw FactoryError.invalidInput("--min-free `\(text)` is not a size (2GiB, 512MiB), a share (5%) or 0")
                    }
                    minFreeBytes = bytes
                }
                let server = try BuildServer(directory: directory, endpoint: endpoint,
                                             settings: .init(budget: budget, group: gid, idleTimeout: idle, minFreeBytes: minFreeBytes),
                                             log: ServerLog(handle: handle))
                try server.run()
            }
        }

        private func resolveGroup(_ name: String) throws -> gid_t {
            if let n = gid_t(name) { return n }
            guard let g = getgrnam(name) else { throw FactoryError.notFound("no group `\(name)` on this host (--group)") }
            return g.pointee.gr_gid
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the server: its budget, running builds and the queue with what each waits for.")

        func run() async throws {
            try await withClient(startIfNeeded: false) { client in
                ServerStatusPrinter(style: .stdout).print(try client.status())
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the server after its running builds (queued ones stay queued for the next server).",
            discussion: "With --now, running builds are ended at once and marked interrupted; their logs and metrics are kept.")
        @Flag(help: "End running builds now instead of waiting for them.") var now = false

        func run() async throws {
            try await withClient(startIfNeeded: false) { client in
                let status = try client.status()
                try client.stopServer(now: now)
                if !now && !status.running.isEmpty {
                    print("waiting for \(status.running.count) running build\(status.running.count == 1 ? "" : "s"): \(status.running.map(\.reference).joined(separator: ", ")) (Ctrl-C stops waiting; --now ends them)")
                }
                // Wait for the server to exit: its pid disappears.
                while ProcessLiveness.isAlive(pid: status.pid, startTicks: nil) { try await Task.sleep(for: .milliseconds(50)) }
                print("server \(status.pid) stopped")
            }
        }
    }
}

struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Project membership (admins; through the build server, which checks your role).",
        subcommands: [Add.self, Remove.self, SetRole.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an OS account a role in a project; the account may then use the server.")
        @OptionGroup var project: ProjectOption
        @Argument(help: "The OS login.") var login: String
        @Option(help: "The account's uid (default: looked up on the server's host).") var uid: Int64?
        @Option(help: "viewer, member, admin or owner.") var role: String = "member"

        func run() async throws {
            let r = try parseRole(role)
            try await withClient { client in
                let p = try client.project(self.project.project).project
                guard let m = try client.setMember(login: login, uid: uid, role: r, in: p.id!) else { return }
                print("\(m.user.login) (uid \(m.user.uid.map(String.init) ?? "?")) is now \(m.role.rawValue) of \(p.name)")
            }
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-role", abstract: "Change a member's role (only an owner makes or unmakes an owner).")
        @OptionGroup var project: ProjectOption
        @Argument(help: "The member's login.") var login: String
        @Argument(help: "viewer, member, admin or owner.") var role: String

        func run() async throws {
            let r = try parseRole(role)
            try await withClient { client in
                let p = try client.project(self.project.project).project
                guard try client.members(of: p.id!).contains(where: { $0.user.login == login }) else {
                    throw FactoryError.notFound("`\(login)` is not a member of project `\(p.name)`: add them with `imagefactory member add \(login) -p \(p.name)`")
                }
                _ = try client.setMember(login: login, uid: nil, role: r, in: p.id!)
                print("\(login) is now \(r.rawValue) of \(p.name)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a member from a project (a project always keeps an owner).")
        @OptionGroup var project: ProjectOption
        @Argument(help: "The member's login.") var login: String

        func run() async throws {
            try await withClient { client in
                let p = try client.project(self.project.project).project
                _ = try client.setMember(login: login, uid: nil, role: nil, in: p.id!)
                print("\(login) is no longer a member of \(p.name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a project's members with their roles.")
        @OptionGroup var project: ProjectOption

        func run() async throws {
            try await withClient { client in
                let p = try client.project(self.project.project).project
                let rows = try client.members(of: p.id!).map { [$0.user.login, $0.role.rawValue, $0.user.displayName, Format.age($0.user.lastActiveAt)] }
                print(Format.table(rows, header: ["LOGIN", "ROLE", "NAME", "LAST ACTIVE"], style: .stdout))
            }
        }
    }
}

func parseRole(_ text: String) throws -> Role {
    guard let r = Role(rawValue: text) else {
        throw ValidationError("role must be viewer, member, admin or owner, not `\(text)`")
    }
    return r
}

struct ServerStatusPrinter {
    let style: Style

    func print(_ s: ServerStatus) {
        Swift.print("server pid \(s.pid), version \(s.version), up \(DisplayFormat.duration(Date().timeIntervalSince(s.startedAt)))\(s.shared ? ", shared" : "")")
        Swift.print("socket:  \(s.socket)")
        Swift.print("data:    \(s.dataDirectory)")
        Swift.print("you:     \(s.you)   clients: \(s.clients)")
        if let free = s.freeBytes {
            Swift.print("storage: \(ByteCount(bytes: free)) free on the data filesystem; keeps \(ByteCount(bytes: s.minFreeBytes ?? 0)) free (--min-free)")
        }
        if let warning = s.storageWarning { Swift.print(style.red("storage: \(warning)")) }
        Swift.print("budget:  \(s.inUse.builds)/\(s.budget.maxBuilds) builds, \(cpu(s.inUse.cpus))/\(cpu(s.budget.cpus)) CPUs, \(ByteCount(bytes: s.inUse.memoryBytes))/\(ByteCount(bytes: s.budget.memoryBytes)) memory asked for")
        Swift.print("")
        Swift.print(style.bold("running (\(s.running.count))"))
        for r in s.running {
            Swift.print("  \(r.reference)  \(style.status(r.build.status))  \(r.build.name)  by \(r.startedBy ?? "?")  \(DisplayFormat.duration(r.build.duration))")
        }
        Swift.print(style.bold("queued (\(s.queued.count))"))
        for r in s.queued {
            Swift.print("  \(r.reference)  \(r.build.name)  by \(r.startedBy ?? "?")  priority \(r.build.priority)  \(r.build.queueReason ?? "waiting")")
        }
    }

    private func cpu(_ c: Double) -> String { c == c.rounded() ? String(Int(c)) : String(format: "%.1f", c) }
}
