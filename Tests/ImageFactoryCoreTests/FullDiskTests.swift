import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryServer

/// The data directory on a small tmpfs that a real build fills: reads still answer, through the server.
@Suite(.enabled(if: geteuid() == 0 && TmuxSession.available, "needs root (to mount a small tmpfs for the data directory) and tmux"))
struct FullDiskTests {
    /// The data directory on a tmpfs of `size` (the caller unmounts it).
    func mountSmallDataFilesystem(_ home: TemporaryHome, size: String) throws -> URL {
        let data = home.directory.root
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        #expect(try SimpleCommand.run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(size)", "tmpfs", data.path]) == 0)
        return data
    }

    @Test func listShowLogsAndTheInterfaceAnswerOnAFullDataFilesystem() async throws {
        let home = try TemporaryHome()
        let data = try mountSmallDataFilesystem(home, size: "24m")
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
        // The build fills the filesystem and fails for it.
        #expect(await eventually(timeout: .seconds(60)) {
            (try? FactoryStore(directory: home.directory).build(id: BuildID(rawValue: 2))?.status.isFinished) == true
                || DataFilesystem.read(home.directory)?.freeBytes == 0
        }, "the build did not fill the filesystem")
        #expect(DataFilesystem.read(home.directory)?.isFull == true)

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

    /// A build fills the data filesystem: its waiter hears the end at once with the filesystem named, a build
    /// queued behind it waits with that reason, and once there is room the end is written (with every line the
    /// log holds), the database is intact, and the queue moves on.
    @Test func aBuildThatFillsTheDiskEndsForItsWaiterAndTheQueueWaitsForSpace() async throws {
        let home = try TemporaryHome()
        let data = try mountSmallDataFilesystem(home, size: "24m")
        defer { _ = try? SimpleCommand.run(["/bin/umount", "-l", data.path]) }
        let socket = home.url.appendingPathComponent("s.sock").path
        let server = try await ServerProcess.start(home: home, arguments: ["--max-builds", "1"], socket: socket)
        defer { server.signal(SIGKILL) }
        let env = ["IMAGEFACTORY_SOCKET": socket]
        func cli(_ args: [String]) async throws -> CLIResult { try await runCLI(args, home: home, extraEnv: env) }

        // The filler waits for a gate, so the test sees it running however loaded the machine is.
        let gate = home.url.appendingPathComponent("fill-now").path
        defer { _ = FileManager.default.createFile(atPath: gate, contents: Data()) }
        let filler = try shellManifest(home, "filler", commands: [
            "i=0; while [ ! -f \(gate) ] && [ $i -lt 1200 ]; do i=$((i+1)); sleep 0.1; done; yes the-disk-is-filling-up | head -c 80000000"])
        let after = try shellManifest(home, "after", commands: ["echo ran-after-space-returned"])
        let waiter = Task { () -> (CLIResult, Double) in
            let t0 = Date()
            let r = try await cli(["build", "start", filler, "--wait", "--quiet"])
            return (r, Date().timeIntervalSince(t0))
        }
        // Queued behind the filler (one build at a time) before the disk fills.
        let client = try server.client()
        #expect(await eventually(timeout: .seconds(90)) { (try? client.builds(project: nil, limit: 1).first?.build.status) == .running })
        let queued = try await cli(["build", "start", after])
        #expect(queued.status == 0, "\(queued.stderr)")
        _ = FileManager.default.createFile(atPath: gate, contents: Data())

        let (result, seconds) = try await waiter.value
        #expect(result.status == 1, "--wait exits 1: \(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("no space left on \(data.path)"), "\(result.stdout)")
        #expect(seconds < 45, "the waiter heard the end after \(seconds) s")

        // The queued build waits, saying why; the first build's end is shown although it is not written yet.
        let list = try await cli(["build", "list"])
        #expect(list.stdout.contains("waiting for space: no space left on \(data.path)"), "\(list.stdout)")
        let show = try await cli(["build", "show", "1"])
        #expect(show.stdout.contains("failed") && show.stdout.contains("no space left on"), "\(show.stdout)")

        // Every complete line the build's text file holds now, while its end waits for room.
        let textFile = home.directory.logDirectory(for: BuildID(rawValue: 1)).appendingPathComponent(LogFiles.text)
        let linesInTextFile = try Data(contentsOf: textFile).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }

        // Room again: the end is written, the database is intact, the queue moves on.
        #expect(try SimpleCommand.run(["/bin/mount", "-o", "remount,size=128m", data.path]) == 0)
        let store = try FactoryStore(directory: home.directory)
        #expect(await eventually(timeout: .seconds(90)) { (try? store.build(id: BuildID(rawValue: 1))?.status) == .failed },
                "the end was written once there was room: \(server.log)")
        let first = try #require(try store.build(id: BuildID(rawValue: 1)))
        #expect(first.failureReason?.hasPrefix("no space left on \(data.path)") == true, "\(first.failureReason ?? "")")
        // Every line the log holds is kept and readable, and nothing past them.
        let reader = try LogReader(directory: home.directory.logDirectory(for: BuildID(rawValue: 1)), committedLines: nil)
        #expect(first.logLines == Int64(reader.lineCount) && reader.lineCount > 100_000, "\(first.logLines) of \(reader.lineCount)")
        #expect(try reader.lines((reader.lineCount - 1)..<reader.lineCount).first?.text.hasPrefix("the-disk-is-filling-up") == true)
        // Including the lines whose text reached text.log when their index records could not: none is lost.
        #expect(first.logLines == Int64(linesInTextFile), "\(first.logLines) of the \(linesInTextFile) lines text.log held")
        #expect(try store.integrityCheck() == "ok")
        #expect(await eventually(timeout: .seconds(90)) { (try? store.build(id: BuildID(rawValue: 2))?.status) == .succeeded },
                "the queued build ran once there was room")
    }

    /// With a reserve kept free for the host, a build that would eat into it is stopped before the disk fills;
    /// the database and the log stay writable, and the queue waits until the room is back.
    @Test func theLowSpaceGuardStopsABuildBeforeTheDiskFills() async throws {
        let home = try TemporaryHome()
        let data = try mountSmallDataFilesystem(home, size: "32m")
        defer { _ = try? SimpleCommand.run(["/bin/umount", "-l", data.path]) }
        let socket = home.url.appendingPathComponent("s.sock").path
        let server = try await ServerProcess.start(home: home, arguments: ["--min-free", "16MiB"], socket: socket)
        defer { server.signal(SIGKILL) }
        let env = ["IMAGEFACTORY_SOCKET": socket]
        func cli(_ args: [String]) async throws -> CLIResult { try await runCLI(args, home: home, extraEnv: env) }

        let status = try await cli(["server", "status"])
        #expect(status.stdout.contains("keeps 16 MiB free (--min-free)"), "\(status.stdout)")
        let filler = try shellManifest(home, "filler", commands: ["yes the-disk-is-filling-up | head -c 80000000"])
        let r = try await cli(["build", "start", filler, "--wait", "--quiet"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("stopped before the disk filled: \(data.path) has"), "\(r.stdout)")
        #expect(r.stdout.contains("under the 16 MiB kept free for the host (imagefactory server --min-free)"), "\(r.stdout)")
        let fs = try #require(DataFilesystem.read(home.directory))
        #expect(fs.freeBytes > 4 << 20, "the disk did not fill: \(fs.freeBytes) bytes free")
        // The runner wrote its own end: the database took it at once.
        let store = try FactoryStore(directory: home.directory)
        let first = try #require(try store.build(id: BuildID(rawValue: 1)))
        #expect(first.status == .failed && first.failureReason?.hasPrefix("stopped before the disk filled") == true)
        #expect(try store.integrityCheck() == "ok")
        // Under the reserve, the queue waits and says why.
        let after = try shellManifest(home, "after", commands: ["echo after"])
        #expect(try await cli(["build", "start", after]).status == 0)
        var list = ""
        for _ in 0..<100 where !list.contains("waiting for space: \(data.path) has") {
            list = try await cli(["build", "list"]).stdout
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(list.contains("waiting for space: \(data.path) has"), "\(list)")
        // The log is removed (an operator frees room): the queue moves on.
        try FileManager.default.removeItem(at: home.directory.logDirectory(for: BuildID(rawValue: 1)))
        #expect(await eventually(timeout: .seconds(90)) { (try? store.build(id: BuildID(rawValue: 2))?.status) == .succeeded })
    }
}
