import Foundation
import GRDB
import ImageFactoryCore

/// Answers one client's requests through the client API answered in-process (``InProcessFactoryAPI``,
/// over FactoryService as the user the socket says it is); subscriptions and the server's own state
/// are answered here.
struct RequestHandler {
    let server: BuildServer
    let connection: ClientConnection
    var api: InProcessFactoryAPI { connection.api }

    func handle(_ frame: RequestFrame) -> Frame {
        do {
            return try reply(frame.id, frame.request)
        } catch where StorageFault.isNoSpace(error) {
            // A write the data filesystem has no room for: said in words, with the filesystem named.
            let fs = DataFilesystem.read(server.directory)
            let message = "\(fs?.noSpaceReason ?? "no space left in the data directory"): this cannot be recorded until space is freed (reads still work)"
            return ReplyCodec.frame(id: frame.id, ReplyBody<Done>(value: nil, error: RemoteError(message: message, exitCode: 70)))
        } catch {
            return ReplyCodec.frame(id: frame.id, ReplyBody<Done>(value: nil, error: RemoteError(error)))
        }
    }

    private func reply(_ id: UInt64, _ request: Request) throws -> Frame {
        func ok<T: Codable>(_ value: T) -> Frame { ReplyCodec.frame(id: id, ReplyBody(value: value, error: nil)) }
        switch request {
        case .status: return ok(try status())
        case .dashboard: return ok(try api.dashboard())
        case .projects: return ok(try api.projects())
        case .project(let name): return ok(try api.project(name))
        case .projectByID(let p): return ok(try api.project(id: p))
        case .createProject(let name, let description):
            let row = try api.createProject(name: name, description: description)
            server.hub.projectChanged(row.project.id!)
            return ok(row)
        case .changeProject(let p, let change):
            let row = try api.changeProject(p, change)
            server.hub.projectChanged(p)
            server.scheduler.wake()
            return ok(row)
        case .members(let p): return ok(try api.members(of: p))
        case .setMember(let login, let uid, let role, let p):
            let row = try api.setMember(login: login, uid: uid, role: role, in: p)
            server.hub.projectChanged(p)
            return ok(row.map { [$0] } ?? [])
        case .activity(let p, let limit): return ok(try api.activity(project: p, limit: limit))
        case .templates(let p): return ok(try api.templates(in: p))
        case .saveTemplate(let name, let text, let file, let team, let p):
            let t = try api.saveTemplate(name: name, manifestText: text, file: file, team: team, in: p)
            server.hub.projectChanged(p)
            return ok(t)
        case .dryRun(let text, let file, let p, let cwd): return ok(try api.dryRun(text: text, file: file, in: p, workingDirectory: cwd))
        case .startBuild(let r):
            let detail = try api.startBuild(r)
            server.scheduler.wake()
            server.hub.wake()
            return ok(detail)
        case .cancelBuild(let b):
            let detail = try api.cancelBuild(b)
            server.scheduler.wake()
            server.hub.wake()
            return ok(detail)
        case .rerunBuild(let b):
            let detail = try api.rerunBuild(b)
            server.scheduler.wake()
            server.hub.wake()
            return ok(detail)
        case .listBuilds(let p, let limit): return ok(try api.builds(project: p, limit: limit))
        case .showBuild(let reference, let defaultProject):
            guard let r = BuildReference(parsing: reference) else {
                throw FactoryError.invalidInput("`\(reference)` is not a build reference: use NUMBER or PROJECT#NUMBER")
            }
            return ok(try api.build(r, defaultProject: defaultProject))
        case .buildByID(let b): return ok(try api.build(id: b))
        case .metrics(let b, let since): return ok(try api.metrics(of: b, sinceMs: since))
        case .queryLog(let b, let q): return ok(try api.queryLog(b, q))
        case .compareWithLastGood(let b): return ok(try api.compareWithLastGood(b))
        case .readArtifact(let b, let name, let offset, let length):
            return ok(try api.readArtifact(b, name: name, offset: offset, length: length))
        case .notifications(let limit): return ok(try api.notifications(limit: limit))
        case .doctor: return ok(try api.doctor())
        case .subscribeBuild(let b, let fromSeq, let lines):
            let detail = try api.build(id: b)
            connection.subscribe(build: b, from: lines ? fromSeq : nil)
            server.hub.wake()
            return ok(detail)
        case .unsubscribeBuild(let b):
            connection.unsubscribe(build: b)
            return ok(Done())
        case .subscribeDashboard:
            connection.followDashboard()
            connection.send(event: .dashboard(try api.activeRows()))
            return ok(Done())
        case .subscribeNotifications:
            connection.followNotifications()
            return ok(Done())
        case .stopServer(let now):
            // Only the account the server runs as (or root) may stop it.
            guard connection.uid == geteuid() || connection.uid == 0 else {
                throw FactoryError.permissionDenied("only the server's own user (uid \(geteuid())) can stop it")
            }
            server.requestStop(now: now, by: "\(connection.user.login) (uid \(connection.uid))")
            return ok(Done())
        }
    }

    private func status() throws -> ServerStatus {
        let fs = DataFilesystem.read(server.directory)
        let active = try api.activeRows()
        let running = active.filter { $0.build.status == .running || $0.build.runnerPid != nil }
        let queued = active.filter { $0.build.status == .queued && $0.build.runnerPid == nil }
        let use = ResourceUse(builds: running.count,
                              cpus: running.reduce(0) { $0 + Scheduler.demand(of: $1.build).cpus },
                              memoryBytes: running.reduce(0) { $0 + Scheduler.demand(of: $1.build).memory })
        return ServerStatus(pid: getpid(), version: server.settings.version, startedAt: server.startedAt,
                            socket: server.endpoint.socketPath, dataDirectory: server.directory.root.path,
                            shared: server.endpoint.shared, clients: server.liveConnections().count,
                            you: "\(connection.user.login) (uid \(connection.uid))", budget: server.settings.budget,
                            inUse: use, running: running, queued: queued,
                            storageWarning: fs?.warning, freeBytes: fs?.freeBytes, minFreeBytes: server.scheduler.minFreeBytes)
    }
}
