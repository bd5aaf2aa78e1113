import Foundation
import GRDB

/// Every write to a `build` row, in one place: its life is queued → (launched) → running → finished, and each
/// step of it is one method here. Each writes only the columns its step owns, so a concurrent write to another
/// column (a cancel request, the scheduler's queue reason) is never overwritten with a stale value.
/// The methods take the caller's `Database`, so they join the caller's transaction (with its activity event,
/// its steps); statuses are passed as arguments from `BuildStatus`/`StepStatus`, never as SQL literals.
public enum BuildRowWriter {
    // MARK: Queued

    /// A new queued build (the service, after checking the manifest and the caller's role).
    public static func insertQueued(_ build: inout Build, _ db: Database) throws {
        precondition(build.status == .queued, "a new build is queued")
        try build.insert(db)
    }

    /// The number the next build of the project gets.
    public static func nextNumber(in project: ProjectID, _ db: Database) throws -> BuildNumber {
        BuildNumber((try Int64.fetchOne(db, sql: "SELECT max(number) FROM build WHERE projectId = ?",
                                        arguments: [project.rawValue]) ?? 0) + 1)
    }

    /// Why a queued build has not started yet (the scheduler). No-op once it is no longer queued.
    public static func setQueueReason(_ id: BuildID, _ reason: String?, _ db: Database) throws {
        try db.execute(sql: "UPDATE build SET queueReason = ? WHERE id = ? AND status = ?",
                       arguments: [reason, id.rawValue, BuildStatus.queued])
    }

    /// The scheduler spawned the build's runner: its pid and start time, and no more queue reason.
    public static func recordLaunch(_ id: BuildID, runnerPid: Int32, runnerStartTicks: Int64?, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE build SET runnerPid = ?, runnerStartTicks = ?, queueReason = NULL WHERE id = ? AND status = ?
            """, arguments: [runnerPid, runnerStartTicks, id.rawValue, BuildStatus.queued])
    }

    /// A queued build that ends before any runner took it (cancelled, or a request the server can never fit),
    /// its steps all skipped. The build row is left as it is once it is no longer queued.
    public static func endQueued(_ id: BuildID, status: BuildStatus, reason: String, at now: Date,
                                 clearQueueReason: Bool, _ db: Database) throws {
        precondition(status.isFinished)
        try db.execute(sql: """
            UPDATE build SET status = ?, finishedAt = ?, failureReason = ?\(clearQueueReason ? ", queueReason = NULL" : "")
            WHERE id = ? AND status = ?
            """, arguments: [status, now, reason, id.rawValue, BuildStatus.queued])
        try skipSteps(of: id, onlyPending: false, db)
    }

    /// Someone asked to cancel the build; its runner sees the flag and stops.
    public static func requestCancel(_ id: BuildID, _ db: Database) throws {
        try db.execute(sql: "UPDATE build SET cancelRequested = 1 WHERE id = ?", arguments: [id.rawValue])
    }

    // MARK: Running (the runner)

    /// The runner took the build: running from `startedAt`, under this process and this limit plan.
    public static func recordStart(_ build: Build, _ db: Database) throws {
        precondition(build.status == .running)
        try db.execute(sql: """
            UPDATE build SET status = ?, startedAt = ?, runnerPid = ?, runnerStartTicks = ?, limitPlan = ?, logLimit = ?
            WHERE id = ?
            """, arguments: [build.status, build.startedAt, build.runnerPid, build.runnerStartTicks, build.limitPlan,
                             build.logLimit, build.id!.rawValue])
    }

    /// The log's commit point, after each flushed batch.
    public static func recordProgress(_ id: BuildID, logLines: Int, errorLines: Int, warnLines: Int, droppedLogLines: Int,
                                      _ db: Database) throws {
        try db.execute(sql: "UPDATE build SET logLines = ?, errorLines = ?, warnLines = ?, droppedLogLines = ? WHERE id = ?",
                       arguments: [logLines, errorLines, warnLines, droppedLogLines, id.rawValue])
    }

    /// The runner's end of the build: its status and reason, and what its log holds. The cancel flag is left as
    /// it is (it may have been written meanwhile).
    public static func recordFinish(_ build: Build, _ db: Database) throws {
        precondition(build.status.isFinished)
        try db.execute(sql: """
            UPDATE build SET status = ?, finishedAt = ?, timedOut = ?, failureReason = ?, fingerprint = ?,
                logLines = ?, errorLines = ?, warnLines = ?, droppedLogLines = ?, logLimit = ?
            WHERE id = ?
            """, arguments: [build.status, build.finishedAt, build.timedOut, build.failureReason, build.fingerprint,
                             build.logLines, build.errorLines, build.warnLines, build.droppedLogLines, build.logLimit,
                             build.id!.rawValue])
    }

    /// A build the runner could not even start (an invalid stored manifest, an unsupported method): failed at
    /// once, started and finished at the same instant, its steps skipped.
    public static func recordFailedBeforeStart(_ build: Build, _ db: Database) throws {
        precondition(build.status == .failed)
        try db.execute(sql: "UPDATE build SET status = ?, startedAt = ?, finishedAt = ?, failureReason = ? WHERE id = ?",
                       arguments: [build.status, build.startedAt, build.finishedAt, build.failureReason, build.id!.rawValue])
        try skipSteps(of: build.id!, onlyPending: false, db)
    }

    // MARK: Ended from outside (recovery, the server)

    /// The end of a build whose runner is gone: status and reason, finished no earlier than it started; its running
    /// steps end with `stepStatus`, its pending ones are skipped. No-op on the build row once it has ended.
    public static func recordAbandoned(_ id: BuildID, status: BuildStatus, stepStatus: StepStatus, reason: String,
                                       at now: Date, _ db: Database) throws {
        precondition(status.isFinished)
        try db.execute(sql: """
            UPDATE build SET status = ?, finishedAt = max(?, coalesce(startedAt, ?)), failureReason = ?
            WHERE id = ? AND status IN (?, ?)
            """, arguments: [status, now, now, reason, id.rawValue, BuildStatus.queued, BuildStatus.running])
        try db.execute(sql: "UPDATE step SET status = ?, finishedAt = ? WHERE buildId = ? AND status = ?",
                       arguments: [stepStatus, now, id.rawValue, StepStatus.running])
        try skipSteps(of: id, onlyPending: true, db)
    }

    /// Lines found complete in the log files of a build whose runner is gone, counted as committed.
    public static func adoptLogLines(_ id: BuildID, logLines: Int, errorLines: Int, warnLines: Int, _ db: Database) throws {
        try db.execute(sql: "UPDATE build SET logLines = ?, errorLines = ?, warnLines = ? WHERE id = ?",
                       arguments: [logLines, errorLines, warnLines, id.rawValue])
    }

    // MARK: Steps of an ending build

    /// Marks the build's steps skipped: all of them, or only those still pending.
    static func skipSteps(of id: BuildID, onlyPending: Bool, _ db: Database) throws {
        if onlyPending {
            try db.execute(sql: "UPDATE step SET status = ? WHERE buildId = ? AND status = ?",
                           arguments: [StepStatus.skipped, id.rawValue, StepStatus.pending])
        } else {
            try db.execute(sql: "UPDATE step SET status = ? WHERE buildId = ?", arguments: [StepStatus.skipped, id.rawValue])
        }
    }
}
