import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryServer

/// The data directory on a small tmpfs that a real build fills: reads still answer, through the server.
@Suite(.enabled(if: geteuid() == 0 && TmuxSession.available, "needs root (to mount a small tmpfs for the data directory) and tmux"))
struct FullDiskTests {
    @Test func listShowLogsAndTheInterfaceAnswerOnAFullDataFilesystem() async throws {
        let home = try TemporaryHome()
        let data = home.directory.root
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        #expect(try SimpleCommand.run(["/bin/mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", data.path]) == 0)
        defer { _ = try? SimpleCommand.run(["/bin/umount", "-l", data.path]) }
        // The socket lives outside the full filesystem, as a shared host's /run does.
        let socket = home.url.appendingPathComponent("s.sock").path
        let server = try await ServerProcess.start(home: home, socket: socket)
        defer { server.signal(SIGKILL) }
        let env = ["IMAGEFACTORY_SOCKET": socket]
        func cli(_ args: [String]) async throws -> CLIResult { try await runCLI(args, home: home, extraEnv: env) }

        let ok = try shellManifest(home, "ok", commands: ["echo fine-before-the-disk-filled"])
        #expect(try await cli(["build", "start", ok, "--wait"]).status == 0)
        let filler = try shellManifest(home, "filler", commands: ["yes the-disk-is-filling-up | head -c 80000000"])
        #expect(try await cli(["build", "start", filler]).status == 0)
        func freeBytes() -> UInt64 {
            var s = statvfs()
            return statvfs(data.path, &s) == 0 ? UInt64(s.f_bavail) * UInt64(s.f_frsize) : .max
        }
        #expect(await eventually(timeout: .seconds(60)) { freeBytes() < 64 << 10 }, "the build did not fill the filesystem")

        let list = try await cli(["build", "list"])
        #expect(list.status == 0 && list.stdout.contains("examples#1") && list.stdout.contains("filler"), "\(list.stdout)\(list.stderr)")
        let show = try await cli(["build", "show", "1"])
        #expect(show.status == 0 && show.stdout.contains("succeeded"), "\(show.stdout)\(show.stderr)")
        let logs = try await cli(["build", "logs", "1"])
        #expect(logs.status == 0 && logs.stdout.contains("fine-before-the-disk-filled"), "\(logs.stdout)\(logs.stderr)")
        // Reads say what is wrong with the filesystem, in words.
        let status = try await cli(["status"])
        #expect(status.status == 0 && status.stdout.contains("no space left on \(data.path)"), "\(status.stdout)\(status.stderr)")
        let tail = try await cli(["build", "logs", "2", "--tail", "1"])
        #expect(tail.status == 0 && tail.stdout.contains("the-disk-is-filling-up"), "\(tail.stdout)\(tail.stderr)")

        let tmux = try TmuxSession(command: shellQuote(imagefactoryBinary), environment: env.merging(["IMAGEFACTORY_HOME": data.path]) { a, _ in a },
                                   directory: home.url)
        let (found, screen) = await tmux.waitFor("filler")
        #expect(found && screen.contains("Welcome back"), "\(screen)")
        #expect(screen.contains("! no space left on"), "the dashboard says the disk is full: \(screen)")
    }
}
