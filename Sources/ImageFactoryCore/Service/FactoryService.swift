import Foundation
import GRDB

/// THE api: every action of every front end (CLI, TUI, and the build server on behalf of its clients) goes through here.
/// It knows who the caller is, checks their role, writes the store, and reports what happened.
public final class FactoryService: Sendable {
    public let store: FactoryStore
    public let user: User
    /// Ends the store could not record yet; the server shares one among every caller's service.
    public let outcomes: PendingOutcomes

    public init(store: FactoryStore, user: User, outcomes: PendingOutcomes = PendingOutcomes()) {
        self.store = store
        self.user = user
        self.outcomes = outcomes
    }

    /// Opens (creating and migrating on first start) the data directory as the OS user running this process,
    /// and marks builds whose runner died as interrupted.
    public static func open(directory: DataDirectory = .resolve(),
                            identity: Bootstrap.OSIdentity = .current()) throws -> FactoryService {
        let store = try FactoryStore(directory: directory)
        let user = try Bootstrap.ensureUser(identity, in: store)
        let service = FactoryService(store: store, user: user)
        _ = try service.recoverInterruptedBuilds()
        return service
    }

    var userID: UserID { user.id! }

    // MARK: Access

    /// The caller's role in the project, or an error saying what they lack.
    @discardableResult
    public func authorize(_ permission: Permission, in project: Project) throws -> Role {
        let role = try store.role(of: userID, in: project.id!)
        if let reason = permission.denialReason(for: role) {
            throw FactoryError.permissionDenied("cannot \(permission.summary) in project `\(project.name)`: \(reason)")
        }
        return role!
    }

    public func role(in project: Project) throws -> Role? { try store.role(of: userID, in: project.id!) }

    // MARK: Projects

    public struct ProjectSummary: Sendable {
        public var project: Project
        public var role: Role
        public var lastBuild: Build?
    }

    public func projects() throws -> [ProjectSummary] {
        try store.projects(visibleTo: userID).map { project, role in
            ProjectSummary(project: project, role: role, lastBuild: try store.builds(project: project.id!, limit: 1).first)
        }
    }

    /// A project by name, or the caller's default (their only project, else `examples`) when name is nil.
    public func project(_ name: String?) throws -> Project {
        if let name {
            guard let project = try store.project(named: name), try store.role(of: userID, in: project.id!) != nil else {
                let known = try store.projects(visibleTo: userID).map(\.0.name)
                throw FactoryError.notFound("no project named `\(name)` that you are a member of" +
                                            (known.isEmpty ? "" : " (your projects: \(known.joined(separator: ", ")))"))
            }
            return project
        }
        let mine = try store.projects(visibleTo: userID).map(\.0)
        if mine.count == 1 { return mine[0] }
        if let examples = mine.first(where: { $0.name == Bootstrap.examplesProject }) { return examples }
        guard let first = mine.first else { throw FactoryError.notFound("you are not a member of any project") }
        return first
    }

    public func project(id: ProjectID) throws -> Project {
        guard let project = try store.project(id: id), try store.role(of: userID, in: id) != nil else {
            throw FactoryError.notFound("no project with id \(id) that you are a member of")
        }
        return project
    }

    public func members(of project: Project) throws -> [(User, Role)] {
        try authorize(.viewProject, in: project)
        return try store.members(of: project.id!)
    }

    public func activity(in project: Project?, limit: Int = 20) throws -> [ActivityEvent] {
        if let project { try authorize(.viewProject, in: project) }
        return try store.activity(project: project?.id, limit: limit)
    }

    // MARK: Templates

    public func templates(in project: Project) throws -> [Template] {
        try authorize(.viewProject, in: project)
        return try store.templates(in: project.id!, visibleTo: userID)
    }

    /// Saved templates first, then team, then examples: the user's own copy wins.
    public func template(named name: String, in project: Project) throws -> Template {
        let all = try templates(in: project)
        guard let t = all.first(where: { $0.name == name }) else {
            throw FactoryError.notFound("no template named `\(name)` in project `\(project.name)`"
                                        + (all.isEmpty ? "" : " (available: \(all.map(\.name).joined(separator: ", ")))"))
        }
        return t
    }

    public func saveTemplate(name: String, manifestText: String, file: String?, team: Bool, in project: Project) throws -> Template {
        try authorize(team ? .saveTeamTemplate : .saveTemplate, in: project)
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"#, options: .regularExpression) != nil else {
            throw FactoryError.invalidInput("template name `\(name)`: use letters, digits, `.`, `_` and `-` (at most 64)")
        }
        let check = ManifestLoader.check(text: manifestText, file: file, context: project.validationContext)
        guard check.isValid, let manifest = check.manifest else {
            throw FactoryError.invalidManifest(file: file, diagnostics: check.diagnostics)
        }
        let scope: TemplateScope = team ? .team : .saved
        let now = Date()
        return try store.pool.write { db in
            let existing = try Template.filter(Template.Columns.projectId == project.id!.rawValue && Template.Columns.name == name
                                               && Template.Columns.scope == scope.rawValue
                                               && (scope == .team || Template.Columns.ownerId == userID.rawValue)).fetchOne(db)
            if scope == .team, try Template.filter(Template.Columns.projectId == project.id!.rawValue && Template.Columns.name == name
                                                  && Template.Columns.scope == TemplateScope.example.rawValue).fetchCount(db) > 0 {
                throw FactoryError.conflict("`\(name)` is the name of an example template in `\(project.name)`: choose another name")
            }
            var template = existing ?? Template(id: nil, projectId: project.id!, scope: scope, ownerId: userID, name: name,
                                                description: "", method: manifest.method, manifest: manifestText,
                                                createdAt: now, updatedAt: now)
            template.manifest = manifestText
            template.method = manifest.method
            template.updatedAt = now
            try template.save(db)
            try ActivityEvent(id: nil, tenantId: project.tenantId, projectId: project.id, userId: userID, buildId: nil,
                              kind: "template.saved", message: "\(user.login) saved \(scope.rawValue) template \(name)",
                              createdAt: now).insert(db)
            return template
        }
    }

    // MARK: Manifests

    public func validate(text: String, file: String?, in project: Project) throws -> ManifestCheck {
        try checkAndPlan(text: text, file: file, in: project).check
    }

    /// The manifest checked, and planned when it is valid (once: planning probes the machine's tools). A method
    /// this machine cannot run adds a warning at `method` that says what to install.
    private func checkAndPlan(text: String, file: String?, in project: Project, workingDirectory: String? = nil) throws
        -> (check: ManifestCheck, plan: Result<BuildPlan, any Error>?) {
        try authorize(.viewProject, in: project)
        var check = ManifestLoader.check(text: text, file: file, context: project.validationContext)
        guard check.isValid, let manifest = check.manifest, let planner = BuildMethodCatalog.planner(for: manifest.method) else {
            return (check, nil)
        }
        let planned = Result { try planner.plan(resolvingContext(manifest, file: file, workingDirectory: workingDirectory), project: project, warnings: check.warnings) }
        guard case .success(var plan) = planned else { return (check, planned) }
        for blocker in plan.blockers {
            let warning = ManifestDiagnostic(
                severity: .warning, message: "method `\(manifest.method.rawValue)` cannot run on this machine: \(blocker.description)",
                field: "method", file: file)
            check.diagnostics.append(warning)
            plan.warnings.append(warning)
        }
        return (check, .success(plan))
    }

    public typealias DryRun = DryRunReport

    public func dryRun(text: String, file: String?, in project: Project, workingDirectory: String? = nil) throws -> DryRun {
        let (check, planned) = try checkAndPlan(text: text, file: file, in: project, workingDirectory: workingDirectory)
        guard check.isValid, let manifest = check.manifest else { return DryRun(check: check) }
        guard let planned else {
            return DryRun(check: check, blocker: BuildMethodCatalog.unsupportedReason(manifest.method))
        }
        let plan = try planned.get()
        return DryRun(check: check, plan: plan, limits: LimitPlan.preview(request: plan.limits, capabilities: store.limitCapabilities()),
                      blocker: plan.blockers.isEmpty ? nil : "method `\(manifest.method.rawValue)` cannot run on this machine: "
                          + plan.blockers.map(\.description).joined(separator: "; "))
    }

    /// `context` is relative to the manifest file's directory; the runner gets an absolute path.
    /// A relative context is relative to the manifest file, else to the caller's working directory (which a
    /// server gets from its client, since its own is elsewhere).
    func resolvingContext(_ manifest: Manifest, file: String?, workingDirectory: String? = nil) -> Manifest {
        guard let context = manifest.context, !context.hasPrefix("/") else { return manifest }
        var m = manifest
        let cwd = URL(fileURLWithPath: workingDirectory ?? FileManager.default.currentDirectoryPath)
        let base = file.map { URL(fileURLWithPath: $0, relativeTo: cwd).deletingLastPathComponent() } ?? cwd
        m.context = base.appendingPathComponent(context).standardizedFileURL.path
        return m
    }

    // MARK: Builds

    /// Records a new queued build (with its planned steps) after checking the manifest and the caller's role.
    public func startBuild(text: String, file: String?, in project: Project, template: Template? = nil,
                           priority: Int = 0, workingDirectory: String? = nil) throws -> Build {
        guard (-100...100).contains(priority) else {
            throw FactoryError.invalidInput("priority \(priority) is out of range: use -100 (last) to 100 (first); 0 is normal")
        }
        try authorize(.startBuild, in: project)
        if project.archivedAt != nil {
            throw FactoryError.conflict("project `\(project.name)` is archived: it takes no new builds (an admin can restore it with `imagefactory project set --archived false`)")
        }
        let check = ManifestLoader.check(text: text, file: file, context: project.validationContext)
        guard check.isValid, var manifest = check.manifest else {
            throw FactoryError.invalidManifest(file: file, diagnostics: check.diagnostics)
        }
        guard let planner = BuildMethodCatalog.planner(for: manifest.method) else {
            throw FactoryError.invalidInput(BuildMethodCatalog.unsupportedReason(manifest.method))
        }
        manifest = resolvingContext(manifest, file: file, workingDirectory: workingDirectory)
        let plan = try planner.plan(manifest, project: project, warnings: check.warnings)
        guard plan.blockers.isEmpty else {
            throw FactoryError.invalidInput("cannot build `\(manifest.name)` with method \(manifest.method.rawValue) on this machine: "
                                            + plan.blockers.map(\.description).joined(separator: "; "))
        }
        // The stored manifest has an absolute context so the runner finds it from anywhere.
        let storedText = manifest.context == check.manifest?.context ? text : manifest.yaml()
        let now = Date()
        return try store.pool.write { db in
            let next = try BuildRowWriter.nextNumber(in: project.id!, db)
            var build = Build(id: nil, projectId: project.id!, number: next, name: manifest.name,
                              method: manifest.method, manifest: storedText, manifestSha256: FileDigest.sha256(of: storedText),
                              templateId: template?.id, status: .queued, startedBy: userID, createdAt: now,
                              startedAt: nil, finishedAt: nil, failureReason: nil, timedOut: false, cancelRequested: false,
                              runnerPid: nil, runnerStartTicks: nil, logLines: 0, errorLines: 0, warnLines: 0, limitPlan: nil,
                              priority: priority, queueReason: "waiting for the scheduler",
                              requestedCpus: plan.limits.cpus, requestedMemory: plan.limits.memoryBytes)
            try BuildRowWriter.insertQueued(&build, db)
            for (i, step) in plan.steps.enumerated() {
                try Step(buildId: build.id!, idx: i, name: step.name, status: .pending, startedAt: nil, finishedAt: nil,
                         exitCode: nil, processGroup: nil, firstLine: nil, lineCount: 0).insert(db)
            }
            try ActivityEvent(id: nil, tenantId: project.tenantId, projectId: project.id, userId: userID, buildId: build.id,
                              kind: "build.queued", message: "\(user.login) queued build \(build.number) \(build.name)",
                              createdAt: now).insert(db)
            return build
        }
    }

    /// Runs a queued build in this process until it ends.
    @discardableResult
    public func runBuild(_ id: BuildID, options: RunnerOptions = .fromEnvironment()) async throws -> Build {
        guard let build = try store.build(id: id), let project = try store.project(id: build.projectId) else {
            throw FactoryError.notFound("build id \(id) does not exist")
        }
        try authorize(.startBuild, in: project)
        return try await BuildRunner(store: store, build: id, options: options).run()
    }

    public func cancelBuild(_ reference: BuildReference, defaultProject: String? = nil) throws -> Build {
        let (build, project) = try resolve(reference, defaultProject: defaultProject)
        try authorize(.cancelBuild, in: project)
        guard !build.status.isFinished else {
            throw FactoryError.conflict("build \(project.name)#\(build.number.rawValue) already \(build.status.rawValue): nothing to cancel")
        }
        let now = Date()
        try store.pool.write { db in
            try BuildRowWriter.requestCancel(build.id!, db)
            try ActivityEvent(id: nil, tenantId: project.tenantId, projectId: project.id, userId: userID, buildId: build.id,
                              kind: "build.cancel-requested", message: "\(user.login) cancelled build \(build.number)",
                              createdAt: now).insert(db)
            // A queued build with no runner yet ends right here.
            if build.status == .queued, build.runnerPid == nil {
                try BuildRowWriter.endQueued(build.id!, status: .cancelled, reason: "cancelled by \(user.login) before it started",
                                             at: now, clearQueueReason: false, db)
            }
        }
        return try store.build(id: build.id!) ?? build
    }

    public func builds(in project: Project?, limit: Int = 20) throws -> [Build] {
        if let project {
            try authorize(.viewBuild, in: project)
            return try store.builds(project: project.id!, limit: limit)
        }
        let mine = Set(try store.projects(visibleTo: userID).compactMap(\.0.id))
        return try store.builds(project: nil, limit: limit * 4).filter { mine.contains($0.projectId) }.prefix(limit).map { $0 }
    }

    public func resolve(_ reference: BuildReference, defaultProject: String? = nil) throws -> (Build, Project) {
        let project: Project
        switch reference.project {
        case .name(let n)?: project = try self.project(n)
        case .id(let id)?: project = try self.project(id: id)
        case nil: project = try self.project(defaultProject)
        }
        try authorize(.viewBuild, in: project)
        guard let build = try store.build(project: project.id!, number: reference.number) else {
            let last = try store.builds(project: project.id!, limit: 1).first
            throw FactoryError.notFound("no build \(reference.number) in project `\(project.name)`"
                                        + (last.map { " (its latest is \($0.number))" } ?? " (it has no builds yet)"))
        }
        return (build, project)
    }

    public func build(id: BuildID) throws -> (Build, Project) {
        guard let build = try store.build(id: id), let project = try store.project(id: build.projectId) else {
            throw FactoryError.notFound("build id \(id) does not exist")
        }
        try authorize(.viewBuild, in: project)
        return (build, project)
    }

    public func steps(of build: Build) throws -> [Step] {
        try authorizeView(build)
        return try store.steps(of: build.id!)
    }

    public func metrics(of build: Build, sinceMs: Int64 = 0) throws -> [MetricRow] {
        try authorizeView(build)
        return try store.metrics(of: build.id!, sinceMs: sinceMs)
    }

    /// The build tool's own steps (BuildKit vertices, podman STEP n/m, nix builds, packer stages), in order.
    public func toolSteps(of build: Build) throws -> [ToolStep] {
        try authorizeView(build)
        return try store.toolSteps(of: build.id!)
    }

    public func artifacts(of build: Build) throws -> [Artifact] {
        try authorizeView(build)
        return try store.artifacts(of: build.id!)
    }

    /// A reader over the committed part of the build's log; nil when the build has not logged anything yet.
    public func logReader(for build: Build) throws -> LogReader? {
        try authorizeView(build)
        let fresh = try store.build(id: build.id!) ?? build
        let dir = store.directory.logDirectory(for: build.id!)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("index.bin").path) else { return nil }
        return try LogReader(directory: dir, committedLines: Int(fresh.logLines))
    }

    /// Estimated duration from the mean of recent successful builds of the same manifest.
    public func estimatedDuration(of build: Build) throws -> TimeInterval? {
        let durations = try store.recentSuccessfulDurations(project: build.projectId, manifestSha256: build.manifestSha256)
        guard !durations.isEmpty else { return nil }
        return durations.reduce(0, +) / Double(durations.count)
    }

    private func authorizeView(_ build: Build) throws {
        guard let project = try store.project(id: build.projectId) else { throw FactoryError.notFound("project of build \(build.number) is gone") }
        try authorize(.viewBuild, in: project)
    }

    // MARK: Recovery

    /// Builds whose runner process is gone (killed, machine rebooted) are marked interrupted; whatever their
    /// commands left running is ended. Their logs and metrics are kept up to the last committed batch.
    public func recoverInterruptedBuilds() throws -> [Build] {
        let candidates = try store.builds(project: nil, statuses: [.running, .queued], limit: 10_000)
        var recovered: [Build] = []
        for build in candidates {
            guard let pid = build.runnerPid else { continue }
            if ProcessLiveness.isAlive(pid: Int32(pid), startTicks: build.runnerStartTicks) { continue }
            let reason = "interrupted: the process running the build (pid \(pid)) ended before the build finished"
            if let b = try recordEnd(of: build.id!, status: .interrupted, reason: reason) { recovered.append(b) }
        }
        if !recovered.isEmpty {
            let live = try store.builds(project: nil, statuses: [.running, .queued], limit: 10_000)
            BuildCgroup.removeStale(except: Set(live.map { "build-\($0.id!.rawValue)" }), capabilities: store.limitCapabilities())
        }
        return recovered
    }

    /// Writes the end of a build whose runner is gone: its status and reason, its running steps ended, and
    /// every complete line its log files hold counted as committed (a runner that could not commit its last
    /// batches, on a full disk, still wrote them). Ends what its commands left running. Nil when it had ended.
    @discardableResult
    public func recordEnd(of id: BuildID, status: BuildStatus, reason: String, at now: Date = Date()) throws -> Build? {
        guard let build = try store.build(id: id), !build.status.isFinished else { return nil }
        for step in try store.steps(of: id) where step.status == .running {
            if let group = step.processGroup, group > 1 { kill(-Int32(group), SIGKILL) }
        }
        let dir = store.directory.logDirectory(for: id)
        // The runner is gone: lines whose text it wrote but whose index records a full disk refused are kept too.
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(LogFiles.text).path) {
            do {
                _ = try LogWriter(directory: dir, adoptUnindexedLines: true)
            } catch where StorageFault.isNoSpace(error) {
                throw error   // the caller makes room (the space reserve) and tries again
            } catch {}
        }
        let onDisk = (try? LogReader(directory: dir, committedLines: nil)).map { ($0.lineCount, $0.levelCounts()) }
        let stepStatus: StepStatus = status == .interrupted ? .interrupted : .failed
        try store.write { db in
            try BuildRowWriter.recordAbandoned(id, status: status, stepStatus: stepStatus, reason: reason, at: now, db)
            if let (lines, levels) = onDisk, lines > build.logLines {
                try BuildRowWriter.adoptLogLines(id, logLines: lines, errorLines: levels.error, warnLines: levels.warn, db)
            }
            try ActivityEvent(id: nil, tenantId: user.tenantId, projectId: build.projectId, userId: build.startedBy,
                              buildId: build.id, kind: "build.\(status.rawValue)",
                              message: "build \(build.number) \(build.name) \(status.rawValue): \(reason)", createdAt: now).insert(db)
        }
        outcomes.remove(id)
        return try store.build(id: id)
    }
}
