import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryServer

/// The build server as a real process on a real Unix socket, with real runners and clients.
@Suite struct ServerTests {
    private func start(_ client: ServerClient, _ path: String, home: TemporaryHome, priority: Int = 0) throws -> BuildDetail {
        try client.startBuild(StartBuildRequest(text: try String(contentsOfFile: path, encoding: .utf8), file: path, project: nil,
                                                template: nil, priority: priority, workingDirectory: home.url.path))
    }

    private func build(_ client: ServerClient, _ row: BuildRow) throws -> Build {
        try client.showBuild(row.reference, defaultProject: nil).row.build
    }

    @Test func twoClientsWatchingOneBuildReceiveTheSameLinesInOrder() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let a = try server.client()
        let b = try server.client()
        let path = try shellManifest(home, "stream", commands: [
            "for i in $(seq 1 3000); do echo line-$i; if [ $((i % 500)) = 0 ]; then sleep 0.1; fi; done",
        ])
        let detail = try start(a, path, home: home)
        let id = detail.row.build.id!
        try a.subscribe(build: id, fromSeq: 0)
        try b.subscribe(build: id, fromSeq: 0)
        async let first = collectLines(a, build: id)
        async let second = collectLines(b, build: id)
        let (la, lb) = try await (first, second)
        #expect(la.final?.build.status == .succeeded)
        #expect(la.lines.map(\.seq) == Array(0..<la.lines.count), "every line once, in order")
        #expect(la.lines.count == Int(la.final?.build.logLines ?? -1))
        #expect(la.lines == lb.lines, "both clients saw the same lines")
        #expect(la.lines.filter { $0.text.hasPrefix("line-") }.map(\.text) == (1...3000).map { "line-\($0)" })
    }

    /// The subscribe reply's row can predate the build's end (read before the subscription counts, while the hub
    /// pushes the end to the build's other followers), so a follower trusting it waited forever: the load benchmark
    /// hung on it. A new subscriber is pushed the row as the hub reads it after the subscription, whoever else follows.
    @Test func aNewFollowerOfABuildOthersFollowIsPushedItsRowEvenWhenItHasEnded() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let first = try server.client()
        let path = try shellManifest(home, "short", commands: ["seq 1 500"])
        let id = try start(first, path, home: home).row.build.id!
        try first.subscribe(build: id, fromSeq: 0)
        let seen = try await collectLines(first, build: id)
        #expect(seen.final?.build.status == .succeeded)

        // The first client still follows it: the hub has nothing new to say of this build.
        let late = try server.client()
        try late.subscribe(build: id, fromSeq: 0)
        let heard = try await collectLines(late, build: id, timeout: .seconds(10))
        #expect(heard.final?.build.status == .succeeded, "the late follower was pushed the ended build's row")
        #expect(heard.lines.map(\.seq) == Array(0..<Int(seen.final?.build.logLines ?? -1)))
    }

    @Test func aClientKilledOrHungUpMidBuildDoesNotAffectTheBuild() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let path = try shellManifest(home, "steady", commands: ["echo started-now", "sleep 2", "echo the-end"])
        #expect(try await runCLI(["build", "start", path], home: home).status == 0)
        var env = ProcessInfo.processInfo.environment
        env["IMAGEFACTORY_HOME"] = home.directory.root.path
        env["NO_COLOR"] = "1"
        var followers: [pid_t] = []
        for (i, sig) in [SIGKILL, SIGHUP].enumerated() {
            let out = home.url.appendingPathComponent("follower-\(i).out").path
            let pid = try SimpleCommand.spawn([imagefactoryBinary, "build", "logs", "1", "--follow"], newSession: true,
                                              outputPath: out, environment: env)
            followers.append(pid)
            #expect(await eventually(timeout: .seconds(15)) {
                ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("started-now")
            })
            kill(pid, sig)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        let client = try server.client()
        let row = try client.builds(project: nil, limit: 1)[0]
        #expect(await eventually(timeout: .seconds(20)) { (try? self.build(client, row).status) == .succeeded })
        let page = try client.readLog(row.build.id!, from: 0, count: 1000)
        #expect(page.lines.contains { $0.text == "the-end" })
    }

    @Test func afterSIGKILLTheServerMarksItsBuildsInterruptedEndsTheirProcessesAndStartsTheQueue() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home, arguments: ["--max-builds", "1"])
        let marker = "37\(Int.random(in: 100...999))"
        let long = try shellManifest(home, "long", commands: ["echo before-the-kill", "sleep \(marker)"])
        let next = try shellManifest(home, "next", commands: ["echo the-queued-one-ran"])
        let client = try server.client()
        let first = try start(client, long, home: home).row
        #expect(await eventually(timeout: .seconds(20)) {
            !processes(matching: "sleep \(marker)").isEmpty && ((try? self.build(client, first).logLines) ?? 0) >= 1
        })
        let second = try start(client, next, home: home).row
        #expect(await eventually { (try? self.build(client, second).queueReason)??.contains("waiting for a build slot (1 of 1 running), position 1") == true })
        client.close()

        server.signal(SIGKILL)
        #expect(await server.waitForExit() != nil)
        let restarted = try await server.restart(arguments: ["--max-builds", "1"])
        let again = try restarted.client()
        let interrupted = try build(again, first)
        #expect(interrupted.status == .interrupted)
        #expect(interrupted.failureReason?.contains("interrupted") == true)
        #expect(interrupted.logLines >= 1)
        #expect(try again.readLog(first.build.id!, from: 0, count: 100).lines.contains { $0.text == "before-the-kill" })
        #expect(await eventually(timeout: .seconds(10)) { processes(matching: "sleep \(marker)").isEmpty }, "leftovers ended")
        #expect(await eventually(timeout: .seconds(30)) { (try? self.build(again, second).status) == .succeeded })
        #expect(try FactoryStore(directory: home.directory).integrityCheck() == "ok")
        let notes = try again.notifications()
        #expect(notes.contains { $0.kind == "build.interrupted" && $0.buildId == first.build.id })
    }

    @Test func buildsQueueAgainstTheBudgetSayWhyRespectPriorityAndCanBeCancelled() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home, arguments: ["--max-builds", "4", "--cpus", "2", "--memory", "1GiB"])
        let marker = "38\(Int.random(in: 100...999))"
        let big = try shellManifest(home, "big", commands: ["sleep \(marker)"], extra: "resources:\n  cpus: 2\n")
        let small = try shellManifest(home, "small", commands: ["echo small"], extra: "resources:\n  cpus: 1\n")
        let huge = try shellManifest(home, "huge", commands: ["echo never"], extra: "resources:\n  memory: 2GiB\n")
        let client = try server.client()

        let hog = try start(client, big, home: home).row
        #expect(await eventually { (try? self.build(client, hog).status) == .running })
        let s1 = try start(client, small, home: home).row
        let s2 = try start(client, small, home: home).row
        let urgent = try start(client, small, home: home, priority: 10).row
        let tooBig = try start(client, huge, home: home).row
        #expect(await eventually {
            (try? self.build(client, s2).queueReason)??.hasSuffix("position 3") == true
                && (try? self.build(client, s1).queueReason)??.hasSuffix("position 2") == true
                && (try? self.build(client, urgent).queueReason) == "waiting for 1 CPU (0 of 2 free), position 1"
        })
        let failed = try build(client, tooBig)
        #expect(failed.status == .failed)
        #expect(failed.failureReason?.contains("asks for 2.0 GiB of memory but this server's budget is 1.0 GiB") == true)

        // The CLI shows the same queue.
        let status = try await runCLI(["server", "status"], home: home)
        #expect(status.status == 0)
        #expect(status.stdout.contains("queued (3)"))
        #expect(status.stdout.contains("waiting for 1 CPU (0 of 2 free), position 1"), "\(status.stdout)")
        #expect(status.stdout.contains("running (1)"))

        // A queued build can be cancelled; then the hog goes, and the urgent build starts first.
        #expect(try client.cancelBuild(s2.reference, defaultProject: nil).row.build.status == .cancelled)
        _ = try client.cancelBuild(hog.reference, defaultProject: nil)
        #expect(await eventually(timeout: .seconds(30)) {
            (try? self.build(client, s1).status) == .succeeded && (try? self.build(client, urgent).status) == .succeeded
        })
        // The scheduler launched the urgent build before the older one of normal priority.
        let log = server.log
        let launchedUrgent = try #require(log.range(of: "started build id \(urgent.build.id!) "))
        let launchedFirst = try #require(log.range(of: "started build id \(s1.build.id!) "))
        #expect(launchedUrgent.lowerBound < launchedFirst.lowerBound, "priority first")
        #expect(processes(matching: "sleep \(marker)").isEmpty)
    }

    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root and /usr/bin/setpriv (util-linux) to run a client as another uid"))
    func aClientOfAnotherUidIsIdentifiedFromTheSocketAndAnUnknownUidIsRefused() async throws {
        let home = try TemporaryHome()
        chmod(home.url.path, 0o755)
        let socket = home.url.appendingPathComponent("shared.sock").path
        let gid = UInt32(47_000 + Int.random(in: 0...900) * 3)
        let (bob, stranger) = (gid + 1, gid + 2)
        let server = try await ServerProcess.start(home: home, arguments: ["--group", String(gid)], socket: socket)
        var st = stat()
        #expect(stat(socket, &st) == 0 && st.st_mode & 0o777 == 0o660 && st.st_gid == gid)
        #expect(stat(home.directory.databaseURL.path, &st) == 0 && st.st_mode & 0o777 == 0o600, "only the service user reads the data")
        let env = ["IMAGEFACTORY_SOCKET": socket]

        let add = try await runCLI(["member", "add", "bob", "--uid", String(bob), "--role", "member"], home: home, extraEnv: env)
        #expect(add.status == 0, "\(add.stderr)")
        let who = try await runCLI(["server", "status"], home: home, extraEnv: env, asUser: (bob, gid))
        #expect(who.status == 0, "\(who.stderr)")
        #expect(who.stdout.contains("you:     bob (uid \(bob))"))

        let path = try shellManifest(home, "bobs", commands: ["echo built by bob"])
        chmod(path, 0o644)
        let started = try await runCLI(["build", "start", path, "--wait"], home: home, extraEnv: env, asUser: (bob, gid))
        #expect(started.status == 0, "\(started.stdout)\(started.stderr)")
        #expect(started.stdout.contains("built by bob"))
        let store = try FactoryStore(directory: home.directory)
        let latest = try store.builds(project: nil, limit: 1)[0]
        #expect(try store.user(id: latest.startedBy)?.login == "bob")

        let refused = try await runCLI(["status"], home: home, extraEnv: env, asUser: (stranger, gid))
        #expect(refused.status == 4)
        #expect(refused.stderr.contains("uid \(stranger) has no Image Factory account on this server"))
        // Without the group, the socket itself is closed to them.
        let outsider = try await runCLI(["status"], home: home, extraEnv: env, asUser: (bob, gid + 900_000))
        #expect(outsider.status == 4 && outsider.stderr.contains("not allowed to use its socket"), "\(outsider.stderr)")
        // A member cannot stop the server.
        let stop = try await runCLI(["server", "stop"], home: home, extraEnv: env, asUser: (bob, gid))
        #expect(stop.status == 4 && stop.stderr.contains("only the server's own user"))
        _ = server
    }

    @Test func malformedFramesGetAnErrorAndCloseOnlyThatConnection() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        func exchange(_ bytes: [UInt8]) throws -> String {
            let s = try #require(try FrameSocket.connect(path: server.endpoint.socketPath))
            defer { s.close() }
            _ = try s.readFrame(limit: 1 << 20) // welcome
            _ = s.write(bytes)
            var messages: [String] = []
            while let frame = try? s.readFrame(limit: 1 << 20) {
                if frame.kind == .error { messages.append(try WireJSON.decode(RemoteError.self, frame.payload).message) }
            }
            return messages.joined(separator: "\n") // ends when the server closes the connection
        }
        func header(version: UInt8 = 1, kind: UInt8 = 1, length: UInt32) -> [UInt8] {
            [0x49, 0x46, version, kind, UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
        }
        // A client stalled in the middle of a frame must not hold anyone else up.
        let staller = try #require(try FrameSocket.connect(path: server.endpoint.socketPath))
        _ = staller.write(header(length: 100) + [0x7b])

        #expect(try exchange(Array("GET / HTTP/1.1\r\n\r\n".utf8)).contains("not an Image Factory frame"))
        #expect(try exchange(header(version: 9, length: 2) + Array("{}".utf8)).contains("protocol version 9 is not supported"))
        #expect(try exchange(header(length: 0x7fff_ffff)).contains("exceeds the limit of 1048576 bytes"))
        #expect(try exchange(header(kind: 3, length: 2) + Array("{}".utf8)).contains("is not allowed here"))
        let junk = Array("{\"id\":1,\"request\":{\"launchMissiles\":{}}}".utf8)
        #expect(try exchange(header(length: UInt32(junk.count)) + junk).contains("malformed message"))
        let ok = WireJSON.frame(.request, RequestFrame(id: 5, request: .status)).encoded()
        let stale = WireJSON.frame(.request, RequestFrame(id: 3, request: .status)).encoded()
        #expect(try exchange(ok + stale).contains("out-of-order request id 3 after 5"))

        // The server is fine and answers others at once.
        let client = try server.client()
        let status = try client.status()
        #expect(status.pid == server.pid)
        staller.close()
    }

    @Test func aClientThatDoesNotReadNeverHoldsUpTheBuildAndCatchesUpFromTheStore() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let path = try shellManifest(home, "flood", commands: ["seq 1 300000"])
        let slow = try server.client()
        let watcher = try server.client()
        let row = try start(watcher, path, home: home).row
        try slow.subscribe(build: row.build.id!, fromSeq: 0)
        // `slow` reads nothing while the build runs; the build ends at its own pace.
        #expect(await eventually(timeout: .seconds(60)) { (try? self.build(watcher, row).status) == .succeeded })
        let rss = try String(contentsOfFile: "/proc/\(server.pid)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        #expect(rss < 200_000, "server RSS \(rss) kB stays bounded while a client lags")
        let got = try await collectLines(slow, build: row.build.id!)
        #expect(got.lines.count == Int(got.final?.build.logLines ?? -1))
        #expect(got.lines.map(\.seq) == Array(0..<got.lines.count))
        #expect(got.lines.filter { $0.text.first?.isNumber == true }.count == 300_000)
    }

    @Test func theStarterIsNotifiedWhenTheirBuildStartsAndEnds() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let client = try server.client()
        try client.subscribeNotifications()
        let stream = client.events
        func start(_ text: String) throws -> Build {
            try client.startBuild(StartBuildRequest(text: text, file: nil, project: "examples", template: nil, priority: 0,
                                                    workingDirectory: nil)).row.build
        }
        let ok = try start("name: fine\ncommands: [\"echo fine\"]\n")
        let bad = try start("name: broken\ncommands: [\"exit 3\"]\n")
        let collector = Task { () -> [String] in
            var seen: [String] = []
            for await event in stream {
                guard case .notification(let n) = event else { continue }
                seen.append("\(n.buildId!.rawValue) \(n.kind)")
                if seen.filter({ !$0.hasSuffix("started") }).count == 2 { break }
            }
            return seen
        }
        let timer = Task { try await Task.sleep(for: .seconds(30)); collector.cancel() }
        let seen = await collector.value
        timer.cancel()
        #expect(seen.contains("\(ok.id!.rawValue) build.started"))
        #expect(seen.contains("\(ok.id!.rawValue) build.succeeded"))
        #expect(seen.contains("\(bad.id!.rawValue) build.failed"))
        let stored = try FactoryStore(directory: home.directory).notifications(for: ok.startedBy)
        #expect(stored.contains { $0.kind == "build.failed" && $0.message.contains("broken failed") })
    }

    @Test func serverStopWaitsForRunningBuildsAndStopNowInterruptsThem() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        // The build holds until the test releases it, so a loaded machine cannot finish it unseen.
        let release = home.url.appendingPathComponent("release").path
        let path = try shellManifest(home, "short", commands: ["while [ ! -f \(release) ]; do sleep 0.1; done", "echo done-waiting"])
        let client = try server.client()
        let row = try start(client, path, home: home).row
        #expect(await eventually { (try? self.build(client, row).status) == .running })
        let stopping = Task { try await runCLI(["server", "stop"], home: home) }
        #expect(await eventually { server.log.contains("stop requested") })
        // Stopping: no new builds start, the running one goes on.
        let queued = try start(client, path, home: home).row
        #expect(await eventually { (try? self.build(client, queued).queueReason)??.contains("the server is stopping") == true })
        _ = FileManager.default.createFile(atPath: release, contents: Data())
        let stop = try await stopping.value
        #expect(stop.status == 0)
        #expect(stop.stdout.contains("waiting for 1 running build"))
        #expect(try FactoryStore(directory: home.directory).build(id: row.build.id!)?.status == .succeeded)
        #expect(try FactoryStore(directory: home.directory).build(id: queued.build.id!)?.status == .queued, "left for the next server")
        #expect(await server.waitForExit(timeout: 5) != nil)

        let second = try await server.restart()
        let marker = "39\(Int.random(in: 100...999))"
        let long = try shellManifest(home, "endless", commands: ["sleep \(marker)"])
        let c2 = try second.client()
        let r2 = try start(c2, long, home: home).row
        #expect(await eventually { !processes(matching: "sleep \(marker)").isEmpty })
        #expect(try await runCLI(["server", "stop", "--now"], home: home).status == 0)
        let b = try FactoryStore(directory: home.directory).build(id: r2.build.id!)
        #expect(b?.status == .interrupted)
        #expect(await eventually(timeout: .seconds(10)) { processes(matching: "sleep \(marker)").isEmpty })
    }
}
