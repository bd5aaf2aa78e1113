import Foundation
import GRDB
import ImageFactoryCore

/// Answers one client's requests through FactoryService as the user the socket says it is.
struct RequestHandler {
    let server: BuildServer
    let connection: ClientConnection
    var service: FactoryService { connection.service }
    var store: FactoryStore { server.store }

    func handle(_ frame: RequestFrame) -> ReplyFrame {
        do {
            return ReplyFrame(id: frame.id, reply: try reply(frame.request), error: nil)
        } catch {
            return ReplyFrame(id: frame.id, reply: nil, error: RemoteError(error))
        }
    }

    private func reply(_ request: Request) throws -> Reply {
        switch request {
        case .status:
            return .status(try status())
        case .startBuild(let r):
            let project = try service.project(r.project)
            let template = try r.template.map { try service.template(named: $0, in: project) }
            let build = try service.startBuild(text: r.text, file: r.file, in: project, template: template,
                                               priority: r.priority, workingDirectory: r.workingDirectory)
            server.scheduler.wake()
            return .build(try detail(build))
        case .cancelBuild(let reference, let defaultProject):
            let build = try service.cancelBuild(try parse(reference), defaultProject: defaultProject)
            server.scheduler.wake()
            return .build(try detail(build))
        case .listBuilds(let project, let limit):
            let p = try project.map { try service.project($0) }
            return .builds(try service.builds(in: p, limit: max(1, min(limit, 1000))).map { try row($0) })
        case .showBuild(let reference, let defaultProject):
            let (build, _) = try service.resolve(try parse(reference), defaultProject: defaultProject)
            return .build(try detail(build))
        case .readLog(let id, let from, let count):
            let (build, _) = try service.build(id: id)
            guard from >= 0, count >= 0 else { throw FactoryError.invalidInput("log range must not be negative (from \(from), count \(count))") }
            guard let reader = try service.logReader(for: build) else {
                return .logLines(LogPage(build: id, committedLines: 0, lines: []))
            }
            let end = min(reader.lineCount, from + min(count, 20_000))
            let lines = from < end ? try reader.lines(from..<end).map(WireLogLine.init) : []
            return .logLines(LogPage(build: id, committedLines: reader.lineCount, lines: lines))
        case .subscribeBuild(let id, let fromSeq):
            let (build, _) = try service.build(id: id)
            connection.subscribe(build: id, from: fromSeq)
            server.hub.wake()
            return .subscribed(build: try row(build), committedLines: Int(build.logLines))
        case .unsubscribeBuild(let id):
            connection.unsubscribe(build: id)
            return .ok
        case .subscribeDashboard:
            connection.followDashboard()
            connection.send(event: .dashboard(try activeRows()))
            return .ok
        case .subscribeNotifications:
            connection.followNotifications()
            return .ok
        case .notifications(let limit):
            return .notifications(try store.notifications(for: connection.user.id!, limit: max(1, min(limit, 500))))
        case .addMember(let r):
            let project = try service.project(r.project)
            let user = try service.addMember(login: r.login, uid: r.uid, role: r.role, in: project)
            return .member(login: user.login, uid: user.uid, project: project.name, role: r.role)
        case .stopServer(let now):
            // Only the account the server runs as (or root) may stop it.
            guard connection.uid == geteuid() || connection.uid == 0 else {
                throw FactoryError.permissionDenied("only the server's own user (uid \(geteuid())) can stop it")
            }
            server.requestStop(now: now, by: "\(connection.user.login) (uid \(connection.uid))")
            return .ok
        }
    }

    private func parse(_ reference: String) throws -> BuildReference {
        guard let r = BuildReference(parsing: reference) else {
            throw FactoryError.invalidInput("`\(reference)` is not a build reference: use NUMBER or PROJECT#NUMBER")
        }
        return r
    }

    func row(_ build: Build) throws -> BuildRow {
        let project = try store.project(id: build.projectId)?.name ?? "?"
        return BuildRow(build: build, project: project, startedBy: try store.user(id: build.startedBy)?.login)
    }

    private func detail(_ build: Build) throws -> BuildDetail {
        BuildDetail(row: try row(build), steps: try service.steps(of: build), artifacts: try service.artifacts(of: build),
                    toolSteps: try service.toolSteps(of: build))
    }

    private func activeRows() throws -> [BuildRow] {
        let visible = Set(try service.projects().compactMap(\.project.id))
        return try store.builds(project: nil, statuses: [.queued, .running], limit: 1000)
            .filter { visible.contains($0.projectId) }
            .sorted { ($0.status == .running ? 0 : 1, -$0.priority, $0.id!) < ($1.status == .running ? 0 : 1, -$1.priority, $1.id!) }
            .map(row)
    }

    private func status() throws -> ServerStatus {
        let active = try activeRows()
        let running = active.filter { $0.build.status == .running || $0.build.runnerPid != nil }
        let queued = active.filter { $0.build.status == .queued && $0.build.runnerPid == nil }
        let use = ResourceUse(builds: running.count,
                              cpus: running.reduce(0) { $0 + Scheduler.demand(of: $1.build).cpus },
                              memoryBytes: running.reduce(0) { $0 + Scheduler.demand(of: $1.build).memory })
        return ServerStatus(pid: getpid(), version: server.settings.version, startedAt: server.startedAt,
                            socket: server.endpoint.socketPath, dataDirectory: server.directory.root.path,
                            shared: server.endpoint.shared, clients: server.liveConnections().count,
                            you: "\(connection.user.login) (uid \(connection.uid))", budget: server.settings.budget,
                            inUse: use, running: running, queued: queued)
    }
}
