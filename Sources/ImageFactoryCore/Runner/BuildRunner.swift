import Foundation
import GRDB

/// Runs one build to its end: steps, log capture, metrics, limits, cancel and timeout.
/// Every state change is written to the store, so any process can watch the build.
public final class BuildRunner: @unchecked Sendable {
    /// Why a build stops before its commands end. `storageFull`: its log or the database cannot be written.
    enum StopReason: Sendable { case cancelled, timedOut, storageFull, lowSpace, logLimit }

    let store: FactoryStore
    let buildID: BuildID
    let options: RunnerOptions
    let clock = ContinuousClock()

    private let stateLock = NSLock()
    private var stopReason: StopReason?
    private var currentProcessGroup: Int32?
    private var cgroup: BuildCgroup?
    private var limitPlan: LimitPlan?
    private var tracker: ToolStepTracker?
    private var toolStepCount = 0
    private var fingerprint: String?
    private var reportedArtifacts: [String] = []
    private let capabilities: LimitCapabilities

    public init(store: FactoryStore, build: BuildID, options: RunnerOptions = RunnerOptions()) {
        self.store = store
        self.buildID = build
        self.options = options
        self.capabilities = store.limitCapabilities()
    }

    var stop: StopReason? { stateLock.withLock { stopReason } }

    /// Runs the build and returns its final state. Never throws for a build that fails: the failure is the result.
    @discardableResult
    public func run() async throws -> Build {
        guard var build = try store.build(id: buildID) else { throw FactoryError.notFound("build id \(buildID) does not exist") }
        guard build.status == .queued else {
            throw FactoryError.conflict("build \(build.number) is \(build.status.rawValue), not queued: it cannot be run again")
        }
        guard let project = try store.project(id: build.projectId) else { throw FactoryError.notFound("project of build \(build.number) is gone") }
        let check = ManifestLoader.check(text: build.manifest, file: nil, context: project.validationContext)
        guard let manifest = check.manifest, check.isValid else {
            return try finishEarly(build, reason: "the stored manifest is invalid: " + check.errors.map(\.message).joined(separator: "; "))
        }
        guard let planner = BuildMethodCatalog.planner(for: manifest.method) else {
            return try finishEarly(build, reason: BuildMethodCatalog.unsupportedReason(manifest.method))
        }
        let plan = try planner.plan(manifest, project: project, warnings: check.warnings)
        if !plan.blockers.isEmpty {
            return try finishEarly(build, reason: plan.blockers.map(\.description).joined(separator: "; "))
        }
        let startInstant = clock.now
        let workspace = store.directory.workspace(for: buildID)
        let log = try BuildLog(directory: store.directory.logDirectory(for: buildID), startedAt: startInstant, limit: plan.logLimit)

        // Limits: a cgroup where the machine lets us make one, else rlimits; the plan says which.
        let (group, limitPlan) = try BuildCgroup.create(name: "build-\(buildID.rawValue)", request: plan.limits,
                                                       capabilities: capabilities)
        stateLock.withLock {
            cgroup = group
            self.limitPlan = limitPlan
        }
        let me = getpid()
        build.status = .running
        build.startedAt = Date()
        build.runnerPid = Int64(me)
        build.runnerStartTicks = ProcessLiveness.stat(me)?.startTicks
        build.limitPlan = limitPlan.sentences.joined(separator: "\n")
        build.logLimit = plan.logLimit.description
        try store.write { db in
            try BuildRowWriter.recordStart(build, db)
            try ActivityEvent(id: nil, tenantId: project.tenantId, projectId: project.id, userId: build.startedBy, buildId: build.id,
                              kind: "build.started", message: "build \(build.number) \(build.name) started", createdAt: Date()).insert(db)
        }

        let monitors = startMonitors(log: log, plan: plan)
        var failure: String?
        // The reason is the tool's own error: no log line needs adding to it.
        var failureIsToolsOwn = false
        var stepStatuses: [Int: StepStatus] = [:]
        var artifacts: [Artifact] = []
        var steps = try store.steps(of: buildID)

        for (index, planned) in plan.steps.enumerated() where index < steps.count {
            if failure != nil || stop != nil {
                stepStatuses[index] = .skipped
                continue
            }
            let first = log.beginStep(index)
            steps[index].status = .running
            steps[index].startedAt = Date()
            steps[index].firstLine = first
            try store.write { db in try steps[index].update(db) }
            log.system("==> Step \(index + 1)/\(plan.steps.count): \(planned.name)")

            let result: StepResult
            do {
                result = try await runStep(planned, plan: plan, project: project, build: build, workspace: workspace,
                                           log: log, limitPlan: limitPlan, stepIndex: index, artifacts: &artifacts)
            } catch {
                result = .failed(reason: "\(planned.name) failed: \(error)", exitCode: nil)
            }
            switch result {
            case .succeeded:
                stepStatuses[index] = .succeeded
            case .failed(let reason, let exitCode, let toolsOwn):
                steps[index].exitCode = exitCode
                failureIsToolsOwn = toolsOwn
                if let stop {
                    stepStatuses[index] = stop == .cancelled ? .cancelled : .failed
                    failure = switch stop {
                    case .timedOut: timeoutReason(plan)
                    case .storageFull: storageReason()
                    case .lowSpace: lowSpaceReason()
                    case .logLimit: logLimitReason(log.reachedLimit ?? plan.logLimit)
                    default: "cancelled"
                    }
                } else {
                    stepStatuses[index] = .failed
                    failure = reason
                    log.system("error: \(reason)", level: .error)
                }
            }
            steps[index].status = stepStatuses[index]!
            steps[index].finishedAt = Date()
            steps[index].lineCount = Int64(log.beginStep(index)) - first
            try store.write { db in try steps[index].update(db) }
        }

        for task in monitors { task.cancel() }
        for task in monitors { _ = await task.result }
        let dropped = log.droppedLines
        let reached = log.reachedLimit
        // Output that ended between two flushes never met the monitor's check: the manifest's rule still holds.
        if dropped > 0, plan.onLogLimit == .fail { stateLock.withLock { if stopReason == nil { stopReason = .logLimit } } }
        if dropped > 0, let reached {
            log.system("log limit \(reached) reached: \(DisplayFormat.grouped(Int64(dropped))) further lines not stored", level: .warn)
        }
        // On a full disk the last batch may not be written: what was written stays, and the server counts it.
        let commit = (try? log.flush()) ?? log.lastCommit
        stateLock.withLock { cgroup }?.remove()

        let finalStatus: BuildStatus
        switch (stop, failure) {
        case (.cancelled?, _): finalStatus = .cancelled
        case (.timedOut?, _), (.storageFull?, _), (.lowSpace?, _), (.logLimit?, _): finalStatus = .failed
        case (nil, .some): finalStatus = .failed
        case (nil, nil): finalStatus = .succeeded
        }
        if let reason = failure, finalStatus == .failed, stop == nil, !failureIsToolsOwn,
           let excerpt = try? lastErrorLine(commit: commit) {
            failure = excerpt.isEmpty || reason.contains(excerpt) ? reason : "\(reason)\n\(excerpt)"
        }
        let cancelledBy = finalStatus == .cancelled ? try cancelRequester() : nil
        build.status = finalStatus
        build.finishedAt = Date()
        build.timedOut = stop == .timedOut
        build.failureReason = finalStatus == .succeeded ? nil
            : finalStatus == .cancelled ? "cancelled\(cancelledBy.map { " by \($0)" } ?? "")"
            : stop == .storageFull ? storageReason() : stop == .lowSpace ? lowSpaceReason()
            : stop == .logLimit ? logLimitReason(reached ?? plan.logLimit) : failure
        build.fingerprint = stateLock.withLock { fingerprint }
        build.logLines = Int64(commit.lineCount)
        build.errorLines = Int64(commit.levelCounts.error)
        build.warnLines = Int64(commit.levelCounts.warn)
        build.droppedLogLines = Int64(dropped)
        if let reached { build.logLimit = reached.description }
        let finished = build
        try store.write { db in
            // The cancel request may have been written meanwhile: the finish leaves it as it is.
            try BuildRowWriter.recordFinish(finished, db)
            for (index, status) in stepStatuses where index < steps.count {
                steps[index].status = status
                if status == .skipped { steps[index].lineCount = 0 }
                try steps[index].update(db)
            }
            for var artifact in artifacts { try artifact.insert(db) }
            try ActivityEvent(id: nil, tenantId: project.tenantId, projectId: project.id, userId: finished.startedBy, buildId: finished.id,
                              kind: "build.\(finalStatus.rawValue)",
                              message: "build \(finished.number) \(finished.name) \(finalStatus.rawValue)", createdAt: Date()).insert(db)
        }
        return try store.build(id: buildID) ?? finished
    }

    /// `no space left on /var/lib/imagefactory (0 B free)`: the filesystem named, as `df` names it.
    func storageReason() -> String {
        DataFilesystem.read(store.directory)?.noSpaceReason ?? "no space left in the data directory \(store.directory.root.path)"
    }

    /// `stopped before the disk filled: /var/lib/imagefactory has 900 MiB free, under the 1.0 GiB kept free ...`
    func lowSpaceReason() -> String {
        let fs = DataFilesystem.read(store.directory)
        return "stopped before the disk filled: " + (fs?.lowSpaceReason(minimum: options.minFreeBytes ?? 0) ?? "the data filesystem is low on space")
    }

    private func logLimitReason(_ reached: LogLimit) -> String {
        "log limit \(reached) reached: the manifest asks to fail then (resources.on_log_limit: fail)"
    }

    private func timeoutReason(_ plan: BuildPlan) -> String {
        "timed out after \(plan.timeout.map(DurationParser.format) ?? "?")"
    }

    private func cancelRequester() throws -> String? {
        try store.read { db in
            try String.fetchOne(db, sql: """
                SELECT user.login FROM activity JOIN user ON user.id = activity.userId
                WHERE activity.buildId = ? AND activity.kind = 'build.cancel-requested' ORDER BY activity.id DESC LIMIT 1
                """, arguments: [buildID.rawValue])
        }
    }

    private func lastErrorLine(commit: LogCommit) throws -> String {
        let reader = try LogReader(directory: store.directory.logDirectory(for: buildID), committedLines: commit.lineCount)
        let hits = reader.filter(levels: [.error], step: nil, from: 0, limit: Int.max)
        // The runner's own "error: ..." summary is the last error line; the tool's own error comes before it.
        for seq in hits.reversed() {
            let line = try reader.lines(seq..<(seq + 1))[0]
            if line.stream != .system { return line.text }
        }
        return ""
    }

    private func finishEarly(_ build: Build, reason: String) throws -> Build {
        var b = build
        b.status = .failed
        b.startedAt = Date()
        b.finishedAt = b.startedAt
        b.failureReason = reason
        try store.write { db in try BuildRowWriter.recordFailedBeforeStart(b, db) }
        return b
    }

    // MARK: Monitors: log flushing, metrics, cancel and timeout

    private func startMonitors(log: BuildLog, plan: BuildPlan) -> [Task<Void, Never>] {
        let store = self.store
        let buildID = self.buildID
        let options = self.options
        let flusher = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: options.flushInterval)
                if Task.isCancelled { return }
                let commit: LogCommit
                do {
                    commit = try log.flush()
                } catch {
                    // The log cannot grow (no space, over quota): stop the build now rather than run on unrecorded.
                    if StorageFault.isNoSpace(error) { self?.requestStop(.storageFull, log: log) }
                    continue
                }
                // The host's reserve: stop before the log takes the disk's last room (a statvfs per batch).
                if let minimum = options.minFreeBytes, let self, let fs = DataFilesystem.read(self.store.directory),
                   fs.freeBytes < minimum {
                    self.requestStop(.lowSpace, log: log)
                }
                if commit.droppedLines > 0, plan.onLogLimit == .fail { self?.requestStop(.logLimit, log: log) }
                let step = Int(log.currentStep)
                let tracker = self?.stateLock.withLock { self?.tracker }
                do {
                    try store.write { db in
                    try tracker?.persist(db)
                    try BuildRowWriter.recordProgress(buildID, logLines: commit.lineCount, errorLines: commit.levelCounts.error,
                                                      warnLines: commit.levelCounts.warn, droppedLogLines: commit.droppedLines, db)
                    try db.execute(sql: "UPDATE step SET lineCount = ? - firstLine WHERE buildId = ? AND idx = ? AND status = ?",
                                   arguments: [commit.lineCount, buildID.rawValue, step, StepStatus.running])
                    }
                } catch {
                    if StorageFault.isNoSpace(error) { self?.requestStop(.storageFull, log: log) }
                }
            }
        }
        let sampler = Task { [weak self] in
            var samplers: [Int32: BuildProcessSampler] = [:]
            while !Task.isCancelled {
                try? await Task.sleep(for: options.sampleInterval)
                if Task.isCancelled { return }
                guard let self else { return }
                let (group, cg) = self.stateLock.withLock { (self.currentProcessGroup, self.cgroup) }
                let sampler: BuildProcessSampler
                if let cg {
                    sampler = samplers[0] ?? BuildProcessSampler(membership: cg.samplerMembership)
                    samplers[0] = sampler
                } else if let group {
                    sampler = samplers[group] ?? BuildProcessSampler(membership: .session(group))
                    samplers = [group: sampler]
                } else {
                    continue
                }
                let s = sampler.sample()
                let row = MetricRow(buildId: buildID, timeMs: s.timeMs, cpuPercent: max(0, s.cpuPercent),
                                    memoryBytes: max(0, s.memoryBytes), diskReadBytesPerSec: s.diskReadBytesPerSec,
                                    diskWriteBytesPerSec: s.diskWriteBytesPerSec, netReceiveBytesPerSec: s.netReceiveBytesPerSec,
                                    netTransmitBytesPerSec: s.netTransmitBytesPerSec, processCount: s.processCount)
                try? store.write { db in try row.insert(db, onConflict: .replace) }
            }
        }
        let deadline = plan.timeout.map { clock.now + $0 }
        let watchdog = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: options.cancelPollInterval)
                if Task.isCancelled { return }
                guard let self else { return }
                if let deadline, self.clock.now >= deadline {
                    self.requestStop(.timedOut, log: log)
                    return
                }
                let requested = (try? store.read { db in
                    try Bool.fetchOne(db, sql: "SELECT cancelRequested FROM build WHERE id = ?", arguments: [buildID.rawValue])
                }) ?? false
                if requested == true {
                    self.requestStop(.cancelled, log: log)
                    return
                }
            }
        }
        return [flusher, sampler, watchdog]
    }

    /// SIGTERM to the running command's whole process group (and every process of the build's cgroup),
    /// SIGKILL after the grace period.
    func requestStop(_ reason: StopReason, log: BuildLog) {
        // The first reason stands; the monitors ask again every batch until the commands end.
        let (first, group, cg): (Bool, Int32?, BuildCgroup?) = stateLock.withLock {
            let first = stopReason == nil
            if first { stopReason = reason }
            return (first, currentProcessGroup, cgroup)
        }
        guard first else { return }
        switch reason {
        case .cancelled: log.system("cancel requested: stopping the build (SIGTERM, then SIGKILL after \(options.killGrace))", level: .warn)
        case .timedOut: log.system("timeout reached: stopping the build", level: .warn)
        case .storageFull: log.system("error: \(storageReason()): stopping the build", level: .error)
        case .lowSpace: log.system("error: \(lowSpaceReason())", level: .error)
        case .logLimit: log.system("error: log limit reached and the manifest asks to fail then: stopping the build", level: .error)
        }
        // Descendants that left the group (a container engine's RUN processes) are signalled too.
        let escaped = (group.map { ProcessTree.descendants(of: $0) } ?? []).map { ($0, ProcessLiveness.stat($0)?.startTicks) }
        if let group { kill(-group, SIGTERM) }
        for (pid, _) in escaped { kill(pid, SIGTERM) }
        cg?.killAll(signal: SIGTERM)
        let grace = options.killGrace
        Task.detached {
            try? await Task.sleep(for: grace)
            let later = group.map { ProcessTree.descendants(of: $0) } ?? []
            if let group { kill(-group, SIGKILL) }
            // A pid noted before the grace period is killed only if it is still the same process.
            for (pid, ticks) in escaped where ProcessLiveness.stat(pid)?.startTicks == ticks && !later.contains(pid) { kill(pid, SIGKILL) }
            for pid in later { kill(pid, SIGKILL) }
            cg?.killAll(signal: SIGKILL)
        }
    }

    // MARK: Steps

    enum StepResult { case succeeded, failed(reason: String, exitCode: Int?, toolsOwn: Bool = false) }

    private func runStep(_ step: BuildPlan.PlannedStep, plan: BuildPlan, project: Project, build: Build, workspace: URL,
                         log: BuildLog, limitPlan: LimitPlan, stepIndex: Int, artifacts: inout [Artifact]) async throws -> StepResult {
        switch step.kind {
        case .setup:
            return try setup(plan: plan, build: build, project: project, workspace: workspace, log: log, limitPlan: limitPlan)
        case .dependencies:
            return try await installDependencies(plan.manifest.dependencies, project: project, plan: plan,
                                                 workspace: workspace, log: log, stepIndex: stepIndex)
        case .commands:
            try writeFiles(step.files, workspace: workspace, log: log)
            if step.commands.isEmpty {
                for d in step.details { log.system(d) }
                return .succeeded
            }
            let tracker = step.parser.map {
                ToolStepTracker(parser: $0.makeParser(), build: buildID, stepIndex: stepIndex,
                                firstSeq: stateLock.withLock { toolStepCount })
            }
            if let tracker {
                stateLock.withLock { self.tracker = tracker }
                log.observe { line, seq in tracker.observe(line, seq: seq) }
            }
            defer {
                log.observe(nil)
                if let tracker {
                    stateLock.withLock {
                        toolStepCount += tracker.stepCount
                        if let f = tracker.fingerprint { fingerprint = f }
                        reportedArtifacts += tracker.reportedArtifacts
                        self.tracker = nil
                    }
                    try? store.write { db in try tracker.persist(db) }
                }
            }
            let total = step.commands.count
            for (i, command) in step.commands.enumerated() {
                log.system("$ \(command.argv.count > 3 && command.argv[0] == "/bin/sh" ? command.source : command.argv.map(shellQuote).joined(separator: " "))")
                let outcome = try await execute(command.argv, plan: plan, workspace: workspace, log: log, stepIndex: stepIndex,
                                                extraEnvironment: command.environment)
                if !outcome.succeeded, command.mayFail {
                    log.system("ignored: \(command.source) ended with \(outcome.summary)", level: .warn)
                    continue
                }
                let last = !outcome.succeeded || i == total - 1
                if last, let tracker {
                    tracker.finish(succeeded: outcome.succeeded, cancelled: stop != nil, seq: Int64(log.lineCount))
                }
                if !outcome.succeeded {
                    if let cg = stateLock.withLock({ cgroup }), cg.oomKilled(), let mem = plan.limits.memoryBytes {
                        return .failed(reason: "command \(i + 1) of \(total) was killed: out of memory (limit \(ByteCount(bytes: mem))): `\(command.source)`",
                                       exitCode: outcome.exitCode)
                    }
                    if let toolError = tracker?.lastError {
                        return .failed(reason: toolError, exitCode: outcome.exitCode, toolsOwn: true)
                    }
                    return .failed(reason: "command \(i + 1) of \(total) failed with \(outcome.summary): `\(command.source)`",
                                   exitCode: outcome.exitCode)
                }
                if stop != nil { return .failed(reason: "stopped", exitCode: nil) }
            }
            return .succeeded
        case .artifacts:
            let reported = stateLock.withLock { reportedArtifacts }
            let collected = try ArtifactCollector.collect(
                patterns: plan.manifest.artifacts, workspace: workspace, build: buildID,
                store: store.directory, optional: plan.producedArtifacts + reported, log: { log.system($0) })
            artifacts = collected.artifacts
            if !collected.missing.isEmpty {
                return .failed(reason: collected.missing.map { "artifact pattern `\($0)` matched no file in the workspace" }
                    .joined(separator: "; "), exitCode: nil)
            }
            return .succeeded
        }
    }

    private func setup(plan: BuildPlan, build: Build, project: Project, workspace: URL, log: BuildLog,
                       limitPlan: LimitPlan) throws -> StepResult {
        let fm = FileManager.default
        try fm.createDirectory(at: workspace, withIntermediateDirectories: true)
        log.system("workspace: \(workspace.path)")
        try build.manifest.write(to: workspace.appendingPathComponent("manifest.yaml"), atomically: true, encoding: .utf8)
        log.system("manifest: manifest.yaml sha256 \(build.manifestSha256)")
        if let context = plan.manifest.context {
            let source = URL(fileURLWithPath: context)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: source.path, isDirectory: &isDir), isDir.boolValue else {
                return .failed(reason: "context directory `\(context)` does not exist or is not a directory", exitCode: nil)
            }
            var copied = 0
            let dataRoot = store.directory.root.standardizedFileURL.path
            for item in try fm.contentsOfDirectory(atPath: source.path) {
                // A context that holds the data directory (`context: .` run from above it) must not copy the
                // workspaces into themselves.
                let entry = source.appendingPathComponent(item).standardizedFileURL.path
                if dataRoot == entry || dataRoot.hasPrefix(entry + "/") {
                    log.system("context: skipped \(item): it holds the Image Factory data directory", level: .warn)
                    continue
                }
                let target = workspace.appendingPathComponent(item)
                if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
                try fm.copyItem(at: source.appendingPathComponent(item), to: target)
                copied += 1
            }
            log.system("context: copied \(copied) entries from \(source.path)")
        }
        if let note = plan.engineNote { log.system(note) }
        for (k, v) in plan.environment { log.system("env: \(k)=\(v)") }
        for sentence in limitPlan.sentences { log.system("limit: \(sentence)") }
        log.system("limit: log \(plan.logLimit): " + (plan.onLogLimit == .fail
            ? "the build is stopped and fails when its output reaches it"
            : "output past it is counted, not stored, and the build goes on"))
        if let timeout = plan.timeout { log.system("limit: timeout \(DurationParser.format(timeout)): the build is stopped when it is reached") }
        return .succeeded
    }

    private func installDependencies(_ deps: [String], project: Project, plan: BuildPlan, workspace: URL,
                                     log: BuildLog, stepIndex: Int) async throws -> StepResult {
        if deps.isEmpty {
            log.system("no dependencies declared")
            return .succeeded
        }
        let path = commandEnvironment(plan: plan, workspace: workspace)["PATH"] ?? "/usr/bin:/bin"
        var missing: [String] = []
        for dep in deps {
            if let found = Self.which(dep, path: path) { log.system("found \(dep) at \(found)") } else { missing.append(dep) }
        }
        if missing.isEmpty { return .succeeded }
        log.system("missing: \(missing.joined(separator: ", "))", level: .warn)
        guard let installer = project.installerCommand, !installer.isEmpty else {
            return .failed(reason: "missing dependencies: \(missing.joined(separator: ", ")) (not found on PATH, and project `\(project.name)` has no installer command configured)",
                           exitCode: nil)
        }
        let command = installer.replacingOccurrences(of: "{packages}", with: missing.map(shellQuote).joined(separator: " "))
        log.system("$ \(command)")
        let outcome = try await execute(["/bin/sh", "-e", "-c", command], plan: plan, workspace: workspace, log: log, stepIndex: stepIndex)
        let still = missing.filter { Self.which($0, path: path) == nil }
        if !outcome.succeeded || !still.isEmpty {
            return .failed(reason: "missing dependencies: \(still.isEmpty ? missing.joined(separator: ", ") : still.joined(separator: ", ")) (the installer `\(command)` ended with \(outcome.summary))",
                           exitCode: outcome.exitCode)
        }
        return .succeeded
    }

    static func which(_ name: String, path: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    func commandEnvironment(plan: BuildPlan, workspace: URL) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("IMAGEFACTORY_") { env[key] = nil }
        env["PYTHONUNBUFFERED"] = "1"
        env["IMAGEFACTORY_WORKSPACE"] = workspace.path
        env["IMAGEFACTORY_BUILD_ID"] = String(buildID.rawValue)
        for (k, v) in plan.environment { env[k] = v }
        return env
    }

    /// Files the method generated (a Containerfile, an HCL template, a nix expression), written into the workspace.
    private func writeFiles(_ files: [BuildPlan.GeneratedFile], workspace: URL, log: BuildLog) throws {
        for file in files {
            let url = workspace.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.contents.write(to: url, atomically: true, encoding: .utf8)
            log.system("wrote \(file.path) (\(file.contents.utf8.count) bytes, sha256 \(FileDigest.sha256(of: file.contents).prefix(12)))")
        }
    }

    private func execute(_ argv: [String], plan: BuildPlan, workspace: URL, log: BuildLog, stepIndex: Int,
                         extraEnvironment: [String: String] = [:]) async throws -> CommandOutcome {
        var full = argv
        let (cg, limits) = stateLock.withLock { (cgroup, limitPlan) }
        let rlimit = limits.flatMap { RlimitFallback.shellPrefix(for: $0, capabilities: capabilities) }
        if let cg {
            full = cg.launchArguments(for: argv, shellPrefix: rlimit)
        } else if let rlimit {
            full = ["/bin/sh", "-c", rlimit + " && exec \"$@\"", "imagefactory-limit"] + argv
        }
        let store = self.store
        let buildID = self.buildID
        let outcome = try await CommandExecution.run(
            argv: full, environment: commandEnvironment(plan: plan, workspace: workspace).merging(extraEnvironment) { $1 },
            workingDirectory: workspace, log: log
        ) { [weak self] pid in
            guard let self else { return }
            let alreadyStopped: Bool = self.stateLock.withLock {
                self.currentProcessGroup = pid
                return self.stopReason != nil
            }
            if alreadyStopped { kill(-pid, SIGKILL) }
            try? store.write { db in
                try db.execute(sql: "UPDATE step SET processGroup = ? WHERE buildId = ? AND idx = ?",
                               arguments: [pid, buildID.rawValue, stepIndex])
            }
        }
        stateLock.withLock { currentProcessGroup = nil }
        return outcome
    }
}

/// Quotes a word for /bin/sh when it needs it.
public func shellQuote(_ s: String) -> String {
    if !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=+@".contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
