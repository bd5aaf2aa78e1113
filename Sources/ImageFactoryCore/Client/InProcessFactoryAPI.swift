import Foundation

/// The client API answered in this process through FactoryService. The build server answers every
/// socket request with one of these per connection (as the socket's user); unit tests use it directly.
/// Pushed events here are only those of this API's own actions (a build it queued or cancelled, a project
/// it changed): runners' progress reaches clients through the server.
public final class InProcessFactoryAPI: FactoryAPI, @unchecked Sendable {
    public let service: FactoryService
    public let events: AsyncStream<ServerEvent>
    private let continuation: AsyncStream<ServerEvent>.Continuation
    private let lock = NSLock()
    /// Open log readers, refreshed to each build's committed count: a page costs a lookup, not an open.
    private var readers: [BuildID: LogReader] = [:]
    private var readerOrder: [BuildID] = []
    private var dashboardFollowed = false
    private var followedBuilds: Set<BuildID> = []
    /// Which command each running build's step is in, read from the log as it grows.
    private let commands = RunningCommandTracker()

    public init(service: FactoryService) {
        self.service = service
        (events, continuation) = AsyncStream<ServerEvent>.makeStream()
    }

    deinit { continuation.finish() }

    public var me: User { service.user }

    public func dashboard() throws -> DashboardSnapshot {
        let projects = try self.projects()
        let builds = try self.builds(project: nil, limit: 50)
        var artifacts: [DashboardSnapshot.ReadyArtifact] = []
        for row in builds where row.build.status == .succeeded && artifacts.count < 20 {
            for a in try service.store.artifacts(of: row.build.id!) {
                artifacts.append(.init(artifact: a, build: row))
            }
        }
        let members = try projects.map {
            DashboardSnapshot.ProjectMembers(project: $0.project.name, members: try self.members(of: $0.project.id!))
        }
        return DashboardSnapshot(user: service.user, projects: projects, builds: builds, artifacts: Array(artifacts.prefix(20)),
                                 members: members, activity: try activity(project: nil, limit: 50),
                                 storageWarning: DataFilesystem.read(service.store.directory)?.warning)
    }

    // MARK: Projects

    public func projects() throws -> [ProjectRow] {
        try service.projects().map { ProjectRow(project: $0.project, role: $0.role, lastBuild: $0.lastBuild.map(service.outcomes.apply)) }
    }

    public func project(_ name: String?) throws -> ProjectRow { try row(of: service.project(name)) }
    public func project(id: ProjectID) throws -> ProjectRow { try row(of: service.project(id: id)) }

    private func row(of project: Project) throws -> ProjectRow {
        guard let role = try service.role(in: project) else {
            throw FactoryError.notFound("no project `\(project.name)` that you are a member of")
        }
        return ProjectRow(project: project, role: role, lastBuild: try service.store.builds(project: project.id!, limit: 1).first)
    }

    public func createProject(name: String, description: String) throws -> ProjectRow {
        let p = try row(of: service.createProject(name: name, description: description))
        if dashboardFollowed { continuation.yield(.projectChanged(p.project.id!)) }
        return p
    }

    public func changeProject(_ project: ProjectID, _ change: ProjectSettingsChange) throws -> ProjectRow {
        let p = try row(of: service.changeProject(service.project(id: project), change))
        if dashboardFollowed { continuation.yield(.projectChanged(project)) }
        return p
    }

    public func members(of project: ProjectID) throws -> [MemberRow] {
        try service.members(of: service.project(id: project)).map { MemberRow(user: $0.0, role: $0.1) }
    }

    public func setMember(login: String, uid: Int64?, role: Role?, in project: ProjectID) throws -> MemberRow? {
        let p = try service.project(id: project)
        let existing = try service.members(of: p).first { $0.0.login == login }
        let result: MemberRow?
        if let role, existing == nil {
            result = MemberRow(user: try service.addMember(login: login, uid: uid, role: role, in: p), role: role)
        } else {
            guard existing != nil else { throw FactoryError.notFound("`\(login)` is not a member of project `\(p.name)`") }
            try service.setRole(role, of: login, in: p)
            result = role.map { MemberRow(user: existing!.0, role: $0) }
        }
        if dashboardFollowed { continuation.yield(.projectChanged(project)) }
        return result
    }

    public func activity(project: ProjectID?, limit: Int) throws -> [ActivityEvent] {
        if let project { return try service.activity(in: service.project(id: project), limit: clamp(limit, 1, 1000)) }
        // Only what happened in the caller's projects, or to the caller.
        let mine = Set(try service.projects().compactMap(\.project.id))
        return try service.store.activity(project: nil, limit: clamp(limit, 1, 1000) * 4)
            .filter { $0.projectId.map(mine.contains) ?? ($0.userId == service.user.id) }
            .prefix(clamp(limit, 1, 1000)).map { $0 }
    }

    // MARK: Templates and manifests

    public func templates(in project: ProjectID) throws -> [Template] {
        try service.templates(in: service.project(id: project))
    }

    public func saveTemplate(name: String, manifestText: String, file: String?, team: Bool, in project: ProjectID) throws -> Template {
        try service.saveTemplate(name: name, manifestText: manifestText, file: file, team: team, in: service.project(id: project))
    }

    public func dryRun(text: String, file: String?, in project: ProjectID, workingDirectory: String?) throws -> DryRunReport {
        try service.dryRun(text: text, file: file, in: service.project(id: project), workingDirectory: workingDirectory)
    }

    // MARK: Builds

    public func startBuild(_ request: StartBuildRequest) throws -> BuildDetail {
        let project = try service.project(request.project)
        let template = try request.template.map { try service.template(named: $0, in: project) }
        let build = try service.startBuild(text: request.text, file: request.file, in: project, template: template,
                                           priority: request.priority, workingDirectory: request.workingDirectory)
        return announce(try detail(build))
    }

    public func cancelBuild(_ build: BuildID) throws -> BuildDetail {
        let (b, project) = try service.build(id: build)
        return announce(try detail(service.cancelBuild(BuildReference(project: .id(project.id!), number: b.number))))
    }

    public func rerunBuild(_ build: BuildID) throws -> BuildDetail {
        announce(try detail(service.rerunBuild(service.build(id: build).0)))
    }

    private func announce(_ detail: BuildDetail) -> BuildDetail {
        let (dashboard, followed) = lock.withLock { (dashboardFollowed, followedBuilds.contains(detail.row.build.id!)) }
        if followed { continuation.yield(.build(detail.row)) }
        if dashboard, let active = try? activeRows() { continuation.yield(.dashboard(active)) }
        return detail
    }

    public func builds(project: ProjectID?, limit: Int) throws -> [BuildRow] {
        let p = try project.map { try service.project(id: $0) }
        return try service.builds(in: p, limit: clamp(limit, 1, 1000)).map(row)
    }

    public func build(_ reference: BuildReference, defaultProject: String?) throws -> BuildDetail {
        try detail(service.resolve(reference, defaultProject: defaultProject).0)
    }

    public func build(id: BuildID) throws -> BuildDetail { try detail(service.build(id: id).0) }

    public func metrics(of build: BuildID, sinceMs: Int64) throws -> [MetricRow] {
        try service.metrics(of: service.build(id: build).0, sinceMs: sinceMs)
    }

    /// A build as every list shows it.
    public func row(_ stored: Build) throws -> BuildRow {
        // An end the server could not write yet is shown as if written.
        let build = service.outcomes.apply(to: stored)
        let project = try service.store.project(id: build.projectId)?.name ?? "?"
        return BuildRow(build: build, project: project, startedBy: try service.store.user(id: build.startedBy)?.login)
    }

    public func detail(_ stored: Build) throws -> BuildDetail {
        let build = service.outcomes.apply(to: stored)
        let steps = try service.steps(of: build)
        let running = !build.status.isFinished
        return BuildDetail(row: try row(build), steps: steps, artifacts: try service.artifacts(of: build),
                    toolSteps: try service.toolSteps(of: build),
                    estimatedDuration: running ? try service.estimatedDuration(of: build) : nil,
                    earlierStepDurations: running ? try service.store.medianStepDurations(
                        project: build.projectId, manifestSha256: build.manifestSha256, before: build.id!) : nil,
                    runningCommand: running ? try commands.position(of: build, steps: steps, service: service) { try reader(for: build) } : nil)
    }

    /// The caller's queued and running builds, running first, then by priority and age.
    public func activeRows() throws -> [BuildRow] {
        let visible = Set(try service.projects().compactMap(\.project.id))
        let outcomes = service.outcomes
        let mine: [Build] = try service.store.builds(project: nil, statuses: [.queued, .running], limit: 1000)
            .filter { visible.contains($0.projectId) }
        let active: [Build] = mine.map { outcomes.apply(to: $0) }.filter { !$0.status.isFinished }
        func key(_ b: Build) -> (Int, Int, Int64) { (b.status == .running ? 0 : 1, -b.priority, b.id!.rawValue) }
        return try active.sorted { key($0) < key($1) }.map(row)
    }

    // MARK: Logs

    public func queryLog(_ build: BuildID, _ query: LogQuery) throws -> LogAnswer {
        let (b, _) = try service.build(id: build)
        guard let reader = try reader(for: b) else { return LogAnswer(committedLines: 0) }
        let n = reader.lineCount
        func levels(_ l: [LogLevel]?) -> Set<LogLevel>? { l.map(Set.init) }
        switch query {
        case .lines(let from, let count):
            guard from >= 0, count >= 0 else { throw FactoryError.invalidInput("log range must not be negative (from \(from), count \(count))") }
            try limit(count, LogQuery.maxLines, "lines in one log page")
            return LogAnswer(committedLines: n, lines: try reader.lines(from..<(from + min(count, max(0, n - from)))))
        case .tail(let count, let step, let l):
            try limit(count, LogQuery.maxLines, "lines in one log page")
            return LogAnswer(committedLines: n, lines: try reader.lastLines(max(0, count), step: step, levels: levels(l)))
        case .filter(let l, let step, let from, let max):
            try limit(max, LogQuery.maxSeqs, "line numbers in one answer")
            return LogAnswer(committedLines: n, seqs: reader.filter(levels: levels(l), step: step, from: from, limit: max))
        case .search(let needle, let ci, let l, let step, let from, let max):
            try limit(max, LogQuery.maxSeqs, "matches in one answer")
            return LogAnswer(committedLines: n, seqs: try reader.search(needle, caseInsensitive: ci, levels: levels(l), step: step,
                                                                          from: from, limit: max))
        case .searchBackward(let needle, let ci, let l, let step, let before, let max):
            try limit(max, LogQuery.maxSeqs, "matches in one answer")
            return LogAnswer(committedLines: n, seqs: try reader.searchBackward(needle, caseInsensitive: ci, levels: levels(l),
                                                                                  step: step, before: before, limit: max))
        case .count(let needle, let ci, let l, let step):
            return LogAnswer(committedLines: n, count: try reader.countMatches(needle, caseInsensitive: ci, levels: levels(l), step: step))
        case .summary:
            return LogAnswer(committedLines: n, steps: reader.stepRanges(), levels: reader.levelCounts())
        }
    }

    public func compareWithLastGood(_ build: BuildID) throws -> LogComparisonReport {
        let (bad, project) = try service.build(id: build)
        let candidates = try service.builds(in: project, limit: 200).filter { $0.status == .succeeded && $0.id != bad.id }
        guard let good = candidates.first(where: { $0.manifestSha256 == bad.manifestSha256 })
                ?? candidates.first(where: { $0.name == bad.name }) else {
            throw FactoryError.notFound("no successful build of `\(bad.name)` to compare with")
        }
        guard let left = try service.logReader(for: good), let right = try service.logReader(for: bad) else {
            throw FactoryError.notFound("build \(good.number) or \(bad.number) has no log to compare")
        }
        // Each side masked with its own build's directories, cgroup, id and number too.
        let directory = service.store.directory
        let comparison = try LogComparison.compare(left: left, right: right,
                                                   leftSteps: try service.steps(of: good).map(\.name),
                                                   rightSteps: try service.steps(of: bad).map(\.name),
                                                   leftBuild: VolatileMask.BuildTokens(build: good, directory: directory),
                                                   rightBuild: VolatileMask.BuildTokens(build: bad, directory: directory))
        return LogComparisonReport(comparison: comparison, good: try row(good), bad: try row(bad))
    }

    private func limit(_ value: Int, _ max: Int, _ what: String) throws {
        guard value <= max else {
            throw FactoryError.invalidInput("asked for \(value) \(what); the limit is \(max): ask for pages")
        }
    }

    private func reader(for build: Build) throws -> LogReader? {
        let id = build.id!
        let committed = Int(build.logLines)
        if let r = lock.withLock({ readers[id] }) {
            if r.lineCount != committed { try r.refresh(committedLines: committed) }
            return r
        }
        guard let r = try service.logReader(for: build) else { return nil }
        lock.withLock {
            readers[id] = r
            readerOrder.append(id)
            // A handful of open logs is plenty for one client (a build and the one it is compared with).
            if readerOrder.count > 4 { readers.removeValue(forKey: readerOrder.removeFirst()) }
        }
        return r
    }

    // MARK: Artifacts

    public func readArtifact(_ build: BuildID, name: String, offset: Int64, length: Int) throws -> ArtifactChunk {
        let (artifact, data, last) = try service.readArtifact(name, of: service.build(id: build).0, offset: offset, length: length)
        return ArtifactChunk(artifact: artifact, offset: offset, data: data, isLast: last)
    }

    // MARK: Notifications and the host

    public func notifications(limit: Int) throws -> [BuildNotification] {
        try service.store.notifications(for: service.user.id!, limit: clamp(limit, 1, 500))
    }

    public func doctor() throws -> DoctorReport {
        let service = self.service
        let box = ResultBox<DoctorReport>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.result = await Result(catching: { try await service.doctor() })
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    // MARK: Push

    public func subscribe(build: BuildID, fromSeq: Int, lines: Bool) throws {
        _ = try service.build(id: build)
        lock.withLock { _ = followedBuilds.insert(build) }
    }

    public func unsubscribe(build: BuildID) throws { lock.withLock { _ = followedBuilds.remove(build) } }
    public func subscribeDashboard() throws { lock.withLock { dashboardFollowed = true } }
    public func subscribeNotifications() throws {}
}

private final class ResultBox<T>: @unchecked Sendable { var result: Result<T, Error>? }

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { max(lo, min(v, hi)) }
