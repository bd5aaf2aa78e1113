import Foundation
import ImageFactoryCore

/// The client API over the socket: each call is one request, answered by the server as the caller.
extension ServerClient: FactoryAPI {
    public var me: User {
        welcome.user ?? User(id: nil, tenantId: TenantID(rawValue: 0), login: welcome.login, uid: welcome.uid,
                             displayName: welcome.login, email: nil, createdAt: Date(), lastActiveAt: Date())
    }

    public func dashboard() throws -> DashboardSnapshot { try call(.dashboard, as: DashboardSnapshot.self) }
    public func projects() throws -> [ProjectRow] { try call(.projects, as: [ProjectRow].self) }
    public func project(_ name: String?) throws -> ProjectRow { try call(.project(name: name), as: ProjectRow.self) }
    public func project(id: ProjectID) throws -> ProjectRow { try call(.projectByID(id), as: ProjectRow.self) }

    public func createProject(name: String, description: String) throws -> ProjectRow {
        try call(.createProject(name: name, description: description), as: ProjectRow.self)
    }

    public func changeProject(_ project: ProjectID, _ change: ProjectSettingsChange) throws -> ProjectRow {
        try call(.changeProject(project, change), as: ProjectRow.self)
    }

    public func members(of project: ProjectID) throws -> [MemberRow] { try call(.members(project), as: [MemberRow].self) }

    public func setMember(login: String, uid: Int64?, role: Role?, in project: ProjectID) throws -> MemberRow? {
        try call(.setMember(login: login, uid: uid, role: role, project: project), as: [MemberRow].self).first
    }

    public func activity(project: ProjectID?, limit: Int) throws -> [ActivityEvent] {
        try call(.activity(project: project, limit: limit), as: [ActivityEvent].self)
    }

    public func templates(in project: ProjectID) throws -> [Template] { try call(.templates(project), as: [Template].self) }

    public func saveTemplate(name: String, manifestText: String, file: String?, team: Bool, in project: ProjectID) throws -> Template {
        try call(.saveTemplate(name: name, manifestText: manifestText, file: file, team: team, project: project), as: Template.self)
    }

    public func dryRun(text: String, file: String?, in project: ProjectID, workingDirectory: String?) throws -> DryRunReport {
        try call(.dryRun(text: text, file: file, project: project, workingDirectory: workingDirectory), as: DryRunReport.self)
    }

    public func startBuild(_ request: StartBuildRequest) throws -> BuildDetail { try call(.startBuild(request), as: BuildDetail.self) }
    public func cancelBuild(_ build: BuildID) throws -> BuildDetail { try call(.cancelBuild(build), as: BuildDetail.self) }
    public func rerunBuild(_ build: BuildID) throws -> BuildDetail { try call(.rerunBuild(build), as: BuildDetail.self) }

    public func builds(project: ProjectID?, limit: Int) throws -> [BuildRow] {
        try call(.listBuilds(project: project, limit: limit), as: [BuildRow].self)
    }

    public func build(_ reference: BuildReference, defaultProject: String?) throws -> BuildDetail {
        try call(.showBuild(reference: reference.description, defaultProject: defaultProject), as: BuildDetail.self)
    }

    public func build(id: BuildID) throws -> BuildDetail { try call(.buildByID(id), as: BuildDetail.self) }

    public func metrics(of build: BuildID, sinceMs: Int64) throws -> [MetricRow] {
        try call(.metrics(build, sinceMs: sinceMs), as: [MetricRow].self)
    }

    public func queryLog(_ build: BuildID, _ query: LogQuery) throws -> LogAnswer { try call(.queryLog(build, query), as: LogAnswer.self) }

    public func compareWithLastGood(_ build: BuildID) throws -> LogComparisonReport {
        try call(.compareWithLastGood(build), as: LogComparisonReport.self)
    }

    public func readArtifact(_ build: BuildID, name: String, offset: Int64, length: Int) throws -> ArtifactChunk {
        try call(.readArtifact(build, name: name, offset: offset, length: length), as: ArtifactChunk.self)
    }

    public func notifications(limit: Int) throws -> [BuildNotification] { try call(.notifications(limit: limit), as: [BuildNotification].self) }
    public func doctor() throws -> DoctorReport { try call(.doctor, as: DoctorReport.self) }

    public func subscribe(build: BuildID, fromSeq: Int, lines: Bool) throws {
        _ = try call(.subscribeBuild(build: build, fromSeq: fromSeq, lines: lines), as: BuildDetail.self)
    }

    public func unsubscribe(build: BuildID) throws { _ = try call(.unsubscribeBuild(build: build), as: Done.self) }
    public func subscribeDashboard() throws { _ = try call(.subscribeDashboard, as: Done.self) }
    public func subscribeNotifications() throws { _ = try call(.subscribeNotifications, as: Done.self) }
}

/// The server's own calls, and the forms the CLI names things in.
extension ServerClient {
    public func status() throws -> ServerStatus { try call(.status, as: ServerStatus.self) }
    public func stopServer(now: Bool) throws { _ = try call(.stopServer(now: now), as: Done.self) }

    /// A build named as the user types it (`7`, `#7`, `PROJECT#7`, a link).
    public func showBuild(_ reference: String, defaultProject: String?) throws -> BuildDetail {
        try call(.showBuild(reference: reference, defaultProject: defaultProject), as: BuildDetail.self)
    }

    public func cancelBuild(_ reference: String, defaultProject: String?) throws -> BuildDetail {
        try cancelBuild(showBuild(reference, defaultProject: defaultProject).row.build.id!)
    }

    /// The newest builds of the project named (all the caller's projects when nil).
    public func builds(projectNamed name: String?, limit: Int) throws -> [BuildRow] {
        try builds(project: name.map { try project($0).project.id! }, limit: limit)
    }

    /// Lines `from..<from+count` of a build's log as they travel to followers.
    public func readLog(_ build: BuildID, from: Int, count: Int) throws -> LogPage {
        let answer = try queryLog(build, .lines(from: from, count: min(count, LogQuery.maxLines)))
        return LogPage(build: build, committedLines: answer.committedLines, lines: answer.lines.map(WireLogLine.init))
    }

    /// Follows a build with its log lines from `fromSeq`; returns its row and committed line count.
    @discardableResult
    public func subscribe(build: BuildID, fromSeq: Int) throws -> (BuildRow, Int) {
        let detail = try call(.subscribeBuild(build: build, fromSeq: fromSeq, lines: true), as: BuildDetail.self)
        return (detail.row, Int(detail.row.build.logLines))
    }

    public func notifications() throws -> [BuildNotification] { try notifications(limit: 50) }
}
