import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryServer

/// The client API: project administration as the service enforces it, and the socket client's calls.
@Suite struct ClientAPITests {
    func permissionDenied(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch FactoryError.permissionDenied(let why) {
            return why
        } catch {
            return "not a permission error: \(error)"
        }
    }

    /// The failure as `case: message` (nil when it succeeded), so a test names the error it means.
    func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let e as FactoryError {
            switch e {
            case .conflict(let m): return "conflict: \(m)"
            case .invalidInput(let m): return "invalidInput: \(m)"
            case .permissionDenied(let m): return "permissionDenied: \(m)"
            case .notFound(let m): return "notFound: \(m)"
            default: return "other: \(e)"
            }
        } catch {
            return "not a FactoryError: \(error)"
        }
    }

    @Test func projectsSettingsAndMembersFollowRolesAndLeaveATrail() throws {
        let home = try TemporaryHome()
        let alice = InProcessFactoryAPI(service: try home.service(login: "alice", uid: 5001))
        let bob = InProcessFactoryAPI(service: try home.service(login: "bob", uid: 5002))
        let web = try alice.createProject(name: "web", description: "web images")
        #expect(web.role == .owner)
        #expect(!(try bob.projects()).contains { $0.project.name == "web" }, "bob is not a member yet")
        #expect(failure { _ = try alice.createProject(name: "web", description: "") } == "conflict: a project named `web` already exists: choose another name")
        #expect(failure { _ = try alice.createProject(name: "../etc", description: "") }?.hasPrefix("invalidInput: project name `../etc`") == true)
        let id = web.project.id!

        _ = try alice.setMember(login: "bob", uid: nil, role: .viewer, in: id)
        #expect(try bob.projects().map(\.project.name).contains("web"))
        let denied = permissionDenied { _ = try bob.changeProject(id, try ProjectSetting.cpus.change("2")) }
        #expect(denied?.contains("requires Admin (you are Viewer)") == true, "\(denied ?? "allowed")")
        let startDenied = permissionDenied {
            _ = try bob.startBuild(StartBuildRequest(text: "name: x\ncommands: [\"true\"]\n", file: nil, project: "web",
                                                     template: nil, priority: 0, workingDirectory: nil))
        }
        #expect(startDenied?.contains("requires Member (you are Viewer)") == true, "\(startDenied ?? "allowed")")

        let changed = try alice.changeProject(id, try ProjectSetting.cpus.change("2"))
        #expect(changed.project.defaultCpus == 2)
        #expect(try alice.changeProject(id, try ProjectSetting.memory.change("1GiB")).project.defaultMemoryBytes == 1 << 30)
        #expect(try alice.changeProject(id, try ProjectSetting.timeout.change("0")).project.defaultTimeoutSeconds == nil)
        // A value that cannot be a setting says which setting and what it takes.
        #expect(failure { _ = try ProjectSetting.memory.change("lots") } == "invalidInput: memory `lots`: not a size (2GiB, 512MiB; 0: none)")
        do {
            _ = try ProjectSetting.defaultMethod.change("rocket")
            Issue.record("an unknown method was accepted")
        } catch {
            #expect("\(error)".contains("default-method `rocket`: unknown method"))
        }
        // The default method must stay among the allowed ones.
        #expect(failure { _ = try alice.changeProject(id, try ProjectSetting.allowedMethods.change("nix")) }?
            .hasPrefix("invalidInput: default method `shell` is not among the allowed methods") == true)

        // Owners are made and unmade by owners; the last owner stays.
        _ = try alice.setMember(login: "bob", uid: nil, role: .admin, in: id)
        let promote = permissionDenied { _ = try bob.setMember(login: "bob", uid: nil, role: .owner, in: id) }
        #expect(promote?.contains("only an owner") == true, "\(promote ?? "allowed")")
        #expect(failure { _ = try alice.setMember(login: "alice", uid: nil, role: nil, in: id) }?
            .hasPrefix("conflict: `alice` is the last owner of `web`") == true)
        _ = try bob.changeProject(id, ProjectSettingsChange(description: "set by bob"))

        // Archived: history stays, no new builds.
        _ = try alice.changeProject(id, ProjectSettingsChange(archived: true))
        do {
            _ = try alice.startBuild(StartBuildRequest(text: "name: x\ncommands: [\"true\"]\n", file: nil, project: "web",
                                                       template: nil, priority: 0, workingDirectory: nil))
            Issue.record("an archived project took a build")
        } catch FactoryError.conflict(let why) {
            #expect(why.contains("is archived"))
        }

        let trail = try alice.activity(project: id, limit: 50).map(\.message)
        #expect(trail.contains("alice created project web"))
        #expect(trail.contains("alice made bob viewer of web"))
        #expect(trail.contains("alice default cpus 2 in web"))
        #expect(trail.contains("bob set the description in web"))
        #expect(trail.contains("alice archived the project in web"))
    }

    @Test func anEndTheStoreCouldNotTakeIsShownAsIfWrittenAndWrittenLater() throws {
        let home = try TemporaryHome()
        let outcomes = PendingOutcomes()
        let base = try home.service()
        let service = FactoryService(store: base.store, user: base.user, outcomes: outcomes)
        let api = InProcessFactoryAPI(service: service)
        let row = try api.startBuild(StartBuildRequest(text: "name: x\ncommands: [\"true\"]\n", file: nil, project: nil, template: nil,
                                                       priority: 0, workingDirectory: nil)).row
        let id = row.build.id!
        try service.store.write { db in try db.execute(sql: "UPDATE build SET status = 'running' WHERE id = ?", arguments: [id.rawValue]) }
        outcomes.record(id, status: .failed, reason: "no space left on /data (0 B free)")
        // Every read shows the end: the build, the lists, the dashboard's active builds.
        #expect(try api.build(id: id).row.build.status == .failed)
        #expect(try api.build(id: id).row.build.failureReason == "no space left on /data (0 B free)")
        #expect(try api.builds(project: nil, limit: 5).first?.build.status == .failed)
        #expect(try api.activeRows().isEmpty)
        #expect(try service.store.build(id: id)?.status == .running, "not written yet")
        // Written when the store takes it: the same end, and the pending one is gone.
        try service.recordEnd(of: id, status: .failed, reason: "no space left on /data (0 B free)")
        #expect(try service.store.build(id: id)?.status == .failed)
        #expect(outcomes.isEmpty)
        // A queue that may not start says why on every queued build.
        outcomes.holdReason = "waiting for space: no space left on /data (0 B free)"
        let next = try api.startBuild(StartBuildRequest(text: "name: y\ncommands: [\"true\"]\n", file: nil, project: nil, template: nil,
                                                        priority: 0, workingDirectory: nil)).row
        #expect(next.build.queueReason == "waiting for space: no space left on /data (0 B free)")
    }

    @Test func concurrentCallsOnOneConnectionAllGetTheirOwnReplies() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let client = try server.client()
        let failures = Counter()
        // Several threads at once, as the interface loads screens: ids must still reach the server in order.
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            for _ in 0..<100 {
                do {
                    if i % 2 == 0 {
                        guard try client.projects().first?.project.name == "examples" else { failures.add(); continue }
                    } else {
                        _ = try client.dashboard()
                    }
                } catch {
                    failures.add()
                }
            }
        }
        #expect(failures.value == 0)
        #expect(try client.projects().count == 1, "the connection is still open")
    }

    @Test func logPagesSearchAndCountsComeFromTheServer() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let client = try server.client()
        let path = try shellManifest(home, "numbers", commands: ["seq 1 20000 | sed 's/^/n-/'", "echo ERROR the end >&2"])
        let row = try client.startBuild(StartBuildRequest(text: try String(contentsOfFile: path, encoding: .utf8), file: path, project: nil,
                                                          template: nil, priority: 0, workingDirectory: home.url.path)).row
        #expect(await eventually(timeout: .seconds(60)) { (try? client.build(id: row.build.id!).row.build.status.isFinished) == true })
        let build = try client.build(id: row.build.id!).row.build
        let remote = try RemoteLogSource(api: client, build: build.id!)
        let local = try #require(try InProcessFactoryAPI(service: try home.service(login: "root", uid: Int64(geteuid()))).service
            .logReader(for: build))
        #expect(remote.lineCount == local.lineCount && remote.lineCount == Int(build.logLines))
        // A page in the middle, across the remote source's page boundary.
        #expect(try remote.lines(250..<262).map(\.text) == (try local.lines(250..<262)).map(\.text))
        // Search: the first 50 matches and the count, case-insensitive.
        let first = try remote.search("N-19", caseInsensitive: true, limit: 50)
        #expect(first.count == 50)
        #expect(try first.allSatisfy { try remote.line($0)?.text.hasPrefix("n-19") == true })
        #expect(try remote.countMatches("n-19", caseInsensitive: false) == 1111)
        #expect(try remote.searchBackward("n-", limit: 1).first == (try local.searchBackward("n-", limit: 1)).first)
        let errors = remote.filter(levels: [.error], step: nil, from: 0, limit: 10)
        #expect(try errors.compactMap { try remote.line($0)?.text }.contains("ERROR the end"))
        // A page larger than the protocol allows is refused with the limit named.
        do {
            _ = try client.queryLog(build.id!, .lines(from: 0, count: LogQuery.maxLines + 1))
            Issue.record("an oversized page was answered")
        } catch {
            #expect("\(error)".contains("the limit is \(LogQuery.maxLines)"))
        }
    }

    @Test func artifactsStreamThroughTheServerWithTheChecksumVerified() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let client = try server.client()
        // 3 MiB of random bytes: several chunks.
        let path = try shellManifest(home, "blob", commands: ["head -c 3145728 /dev/urandom > blob.bin"], extra: "artifacts: [blob.bin]\n")
        let row = try client.startBuild(StartBuildRequest(text: try String(contentsOfFile: path, encoding: .utf8), file: path, project: nil,
                                                          template: nil, priority: 0, workingDirectory: home.url.path)).row
        #expect(await eventually(timeout: .seconds(60)) { (try? client.build(id: row.build.id!).row.build.status) == .succeeded })
        let detail = try client.build(id: row.build.id!)
        let artifact = try #require(detail.artifacts.first { $0.name == "blob.bin" })
        let out = home.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var progress: [Int64] = []
        let got = try client.downloadArtifact("blob.bin", of: row.build.id!, to: out) { done, _ in progress.append(done) }
        #expect(try FileDigest.sha256(of: got).1 == artifact.sha256)
        #expect(progress.last == artifact.size && progress.count == 3)
        // The stored copy changes behind the server's back: the client refuses the download and keeps nothing.
        let stored = home.directory.root.appendingPathComponent(artifact.storedPath)
        let handle = try FileHandle(forWritingTo: stored)
        try handle.seek(toOffset: 10)
        try handle.write(contentsOf: Data([0xde, 0xad]))
        try handle.close()
        let again = home.url.appendingPathComponent("again")
        try FileManager.default.createDirectory(at: again, withIntermediateDirectories: true)
        do {
            _ = try client.downloadArtifact("blob.bin", of: row.build.id!, to: again)
            Issue.record("a corrupted artifact was accepted")
        } catch {
            #expect("\(error)".contains("checksum mismatch"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: again.path).isEmpty)
    }

    @Test func aRequestOverTheProtocolLimitIsRefusedWithTheLimitNamed() async throws {
        let home = try TemporaryHome()
        let server = try await ServerProcess.start(home: home)
        let client = try server.client()
        let huge = "name: big\ncommands: [\"true\"]\nenv:\n  BIG: \"" + String(repeating: "x", count: WireProtocol.maxRequestPayload) + "\"\n"
        do {
            _ = try client.startBuild(StartBuildRequest(text: huge, file: nil, project: nil, template: nil, priority: 0, workingDirectory: nil))
            Issue.record("an oversized request was sent")
        } catch {
            #expect("\(error)".contains("over the build server's limit of 1.0 MiB per request"), "\(error)")
        }
        #expect(try client.projects().count == 1, "the connection stays usable")
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}
