import Foundation
import GRDB

public enum BuildStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case queued, running, succeeded, failed, cancelled, interrupted

    public var isFinished: Bool { self != .queued && self != .running }
}

public struct Build: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "build"
    public var id: BuildID?
    public var projectId: ProjectID
    public var number: BuildNumber
    public var name: String
    public var method: BuildMethod
    public var manifest: String
    public var manifestSha256: String
    public var templateId: TemplateID?
    public var status: BuildStatus
    public var startedBy: UserID
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var failureReason: String?
    public var timedOut: Bool
    public var cancelRequested: Bool
    /// Pid and /proc start time of the process running the build, to tell a live runner from a dead one.
    public var runnerPid: Int64?
    public var runnerStartTicks: Int64?
    /// Lines of the log known to be complete on disk (the commit point of the log files).
    public var logLines: Int64
    public var errorLines: Int64
    public var warnLines: Int64
    /// The limit plan as the runner states it (`LimitPlan.sentences`): which limits are enforced and how, one
    /// plain-text sentence per line. Nil until the build starts.
    public var limitPlan: String?
    /// Higher runs first; FIFO within a priority.
    public var priority: Int = 0
    /// Why a queued build has not started yet (set by the scheduler), e.g. `waiting for 2 CPUs, position 3`.
    public var queueReason: String?
    /// What the build asked the scheduler for (from the manifest's resources); nil means the default share.
    public var requestedCpus: Double?
    public var requestedMemory: Int64?
    /// The result's identity where the method has one: a nix output's store path hash.
    public var fingerprint: String?
    /// Lines of output past the log limit: counted, not stored.
    public var droppedLogLines: Int64 = 0
    /// The log limit the build ran under (`1.0 GiB`), to name it beside the dropped count.
    public var logLimit: String? = nil

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = BuildID(rawValue: inserted.rowID) }

    public var duration: TimeInterval? {
        guard let startedAt else { return nil }
        return (finishedAt ?? Date()).timeIntervalSince(startedAt)
    }
}

public enum StepStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case pending, running, succeeded, failed, cancelled, skipped, interrupted
}

public struct Step: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "step"
    public var buildId: BuildID
    public var idx: Int
    public var name: String
    public var status: StepStatus
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int?
    /// Process group of the command currently running in this step, so leftovers can be ended after a crash.
    public var processGroup: Int64?
    public var firstLine: Int64?
    public var lineCount: Int64

    public var duration: TimeInterval? {
        guard let startedAt else { return nil }
        return (finishedAt ?? Date()).timeIntervalSince(startedAt)
    }
}

extension Build {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let projectId = Column(CodingKeys.projectId)
        public static let number = Column(CodingKeys.number)
        public static let name = Column(CodingKeys.name)
        public static let method = Column(CodingKeys.method)
        public static let manifest = Column(CodingKeys.manifest)
        public static let manifestSha256 = Column(CodingKeys.manifestSha256)
        public static let templateId = Column(CodingKeys.templateId)
        public static let status = Column(CodingKeys.status)
        public static let startedBy = Column(CodingKeys.startedBy)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let failureReason = Column(CodingKeys.failureReason)
        public static let timedOut = Column(CodingKeys.timedOut)
        public static let cancelRequested = Column(CodingKeys.cancelRequested)
        public static let runnerPid = Column(CodingKeys.runnerPid)
        public static let runnerStartTicks = Column(CodingKeys.runnerStartTicks)
        public static let logLines = Column(CodingKeys.logLines)
        public static let errorLines = Column(CodingKeys.errorLines)
        public static let warnLines = Column(CodingKeys.warnLines)
        public static let limitPlan = Column(CodingKeys.limitPlan)
        public static let priority = Column(CodingKeys.priority)
        public static let queueReason = Column(CodingKeys.queueReason)
        public static let requestedCpus = Column(CodingKeys.requestedCpus)
        public static let requestedMemory = Column(CodingKeys.requestedMemory)
        public static let fingerprint = Column(CodingKeys.fingerprint)
        public static let droppedLogLines = Column(CodingKeys.droppedLogLines)
        public static let logLimit = Column(CodingKeys.logLimit)
    }
}

extension Step {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let buildId = Column(CodingKeys.buildId)
        public static let idx = Column(CodingKeys.idx)
        public static let name = Column(CodingKeys.name)
        public static let status = Column(CodingKeys.status)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let exitCode = Column(CodingKeys.exitCode)
        public static let processGroup = Column(CodingKeys.processGroup)
        public static let firstLine = Column(CodingKeys.firstLine)
        public static let lineCount = Column(CodingKeys.lineCount)
    }
}
