import Foundation

/// A build with the name of its project, the unit every list shows.
public struct BuildRow: Codable, Sendable, Hashable {
    public var build: Build
    public var project: String
    public var startedBy: String?

    public init(build: Build, project: String, startedBy: String?) {
        self.build = build
        self.project = project
        self.startedBy = startedBy
    }

    public var reference: String { "\(project)#\(build.number.rawValue)" }
}

/// Everything the build page shows of one build but its log.
public struct BuildDetail: Codable, Sendable {
    public var row: BuildRow
    public var steps: [Step]
    public var artifacts: [Artifact]
    /// The build tool's own steps; absent from servers older than the methods issue.
    public var toolSteps: [ToolStep]?
    /// Seconds, from the mean of recent successful builds of the same manifest; nil when finished or unknown.
    public var estimatedDuration: Double?
    /// Seconds, the median of each step (by `Step.idx`) in recent successful builds of the same manifest; nil when
    /// finished, unknown or from an older server.
    public var earlierStepDurations: [Double?]?
    /// The command the running step is in, when it has more than one; nil otherwise.
    public var runningCommand: CommandPosition?

    public init(row: BuildRow, steps: [Step], artifacts: [Artifact], toolSteps: [ToolStep]?, estimatedDuration: Double? = nil,
                earlierStepDurations: [Double?]? = nil, runningCommand: CommandPosition? = nil) {
        self.row = row
        self.steps = steps
        self.artifacts = artifacts
        self.toolSteps = toolSteps
        self.estimatedDuration = estimatedDuration
        self.earlierStepDurations = earlierStepDurations
        self.runningCommand = runningCommand
    }

    /// How far the build is (see ``BuildProgress``).
    public func progress(now: Date = Date()) -> BuildProgress {
        BuildProgress.of(status: row.build.status, steps: steps, toolSteps: toolSteps ?? [], command: runningCommand,
                         earlierStepDurations: earlierStepDurations ?? [], now: now)
    }
}

/// A project as a member sees it in a list: their role and the last build.
public struct ProjectRow: Codable, Sendable, Hashable {
    public var project: Project
    public var role: Role
    public var lastBuild: Build?

    public init(project: Project, role: Role, lastBuild: Build?) {
        self.project = project
        self.role = role
        self.lastBuild = lastBuild
    }
}

public struct MemberRow: Codable, Sendable, Hashable {
    public var user: User
    public var role: Role

    public init(user: User, role: Role) {
        self.user = user
        self.role = role
    }
}

/// One change to a project's settings (admins); nil fields stay as they are.
public struct ProjectSettingsChange: Codable, Sendable, Hashable {
    public var name: String?
    public var description: String?
    public var defaultMethod: BuildMethod?
    public var allowedMethods: [BuildMethod]?
    public var containerEngine: ContainerEngineChoice?
    /// "" removes the installer command.
    public var installerCommand: String?
    /// 0 removes the default.
    public var defaultCpus: Double?
    public var defaultMemoryBytes: Int64?
    public var defaultTimeoutSeconds: Int64?
    /// A log limit as `LogLimit` spells it; "" returns to the default.
    public var logLimit: String?
    public var archived: Bool?

    public init(name: String? = nil, description: String? = nil, defaultMethod: BuildMethod? = nil,
                allowedMethods: [BuildMethod]? = nil, containerEngine: ContainerEngineChoice? = nil,
                installerCommand: String? = nil, defaultCpus: Double? = nil, defaultMemoryBytes: Int64? = nil,
                defaultTimeoutSeconds: Int64? = nil, logLimit: String? = nil, archived: Bool? = nil) {
        self.name = name
        self.description = description
        self.defaultMethod = defaultMethod
        self.allowedMethods = allowedMethods
        self.containerEngine = containerEngine
        self.installerCommand = installerCommand
        self.defaultCpus = defaultCpus
        self.defaultMemoryBytes = defaultMemoryBytes
        self.defaultTimeoutSeconds = defaultTimeoutSeconds
        self.logLimit = logLimit
        self.archived = archived
    }

    public var isEmpty: Bool { self == ProjectSettingsChange() }
}

public struct StartBuildRequest: Codable, Sendable {
    public var text: String
    public var file: String?
    public var project: String?
    public var template: String?
    public var priority: Int
    /// The client's working directory, for a manifest's relative `context`.
    public var workingDirectory: String?

    public init(text: String, file: String?, project: String?, template: String?, priority: Int, workingDirectory: String?) {
        self.text = text
        self.file = file
        self.project = project
        self.template = template
        self.priority = priority
        self.workingDirectory = workingDirectory
    }
}

/// A manifest checked and planned without running it: what validate and dry-run print, and the review shows.
public struct DryRunReport: Codable, Sendable {
    public var check: ManifestCheck
    public var plan: BuildPlan?
    public var limits: LimitPlan?
    /// Why the build could not be planned although the manifest is valid (a tool this machine lacks).
    public var blocker: String?

    public init(check: ManifestCheck, plan: BuildPlan? = nil, limits: LimitPlan? = nil, blocker: String? = nil) {
        self.check = check
        self.plan = plan
        self.limits = limits
        self.blocker = blocker
    }
}

/// The lines of a log as they travel: display text with colour, level, step and time.
public struct WireLogLine: Codable, Sendable, Hashable {
    public var seq: Int
    public var timeMs: UInt32
    public var step: UInt16
    public var level: LogLevel
    public var text: String

    public init(seq: Int, timeMs: UInt32, step: UInt16, level: LogLevel, text: String) {
        self.seq = seq
        self.timeMs = timeMs
        self.step = step
        self.level = level
        self.text = text
    }

    public init(_ line: LogLine) {
        self.init(seq: line.seq, timeMs: line.timeMs, step: line.step, level: line.level, text: line.display)
    }
}

public struct LogPage: Codable, Sendable {
    public var build: BuildID
    public var committedLines: Int
    public var lines: [WireLogLine]

    public init(build: BuildID, committedLines: Int, lines: [WireLogLine]) {
        self.build = build
        self.committedLines = committedLines
        self.lines = lines
    }
}

/// A question about a build's committed log. The server answers from its files; a client never reads them.
public enum LogQuery: Codable, Sendable, Hashable {
    /// Lines `from..<from+count`.
    case lines(from: Int, count: Int)
    /// The last `count` lines that pass the filters.
    case tail(count: Int, step: UInt16?, levels: [LogLevel]?)
    /// Sequence numbers from `from` on that pass the filters, at most `limit`.
    case filter(levels: [LogLevel]?, step: UInt16?, from: Int, limit: Int)
    /// Sequence numbers of matching lines from `from` on, at most `limit`.
    case search(needle: String, caseInsensitive: Bool, levels: [LogLevel]?, step: UInt16?, from: Int, limit: Int)
    /// Matching lines before `before` (nil: the end), nearest first.
    case searchBackward(needle: String, caseInsensitive: Bool, levels: [LogLevel]?, step: UInt16?, before: Int?, limit: Int)
    /// How many lines match.
    case count(needle: String, caseInsensitive: Bool, levels: [LogLevel]?, step: UInt16?)
    /// Where each step's lines are, and lines per level.
    case summary

    /// The most lines or sequence numbers one answer carries: a page, never a whole log.
    public static let maxLines = 20_000
    public static let maxSeqs = 200_000
}

public struct LogAnswer: Codable, Sendable {
    /// The committed line count the answer was computed on.
    public var committedLines: Int
    public var lines: [LogLine] = []
    public var seqs: [Int] = []
    public var count: Int = 0
    public var steps: [LogStepRange] = []
    public var levels: LogLevelCounts?

    public init(committedLines: Int, lines: [LogLine] = [], seqs: [Int] = [], count: Int = 0,
                steps: [LogStepRange] = [], levels: LogLevelCounts? = nil) {
        self.committedLines = committedLines
        self.lines = lines
        self.seqs = seqs
        self.count = count
        self.steps = steps
        self.levels = levels
    }
}

/// A slice of a stored artifact, read by the server with its own rights and checked by the client.
public struct ArtifactChunk: Codable, Sendable {
    public var artifact: Artifact
    public var offset: Int64
    public var data: Data
    public var isLast: Bool

    public init(artifact: Artifact, offset: Int64, data: Data, isLast: Bool) {
        self.artifact = artifact
        self.offset = offset
        self.data = data
        self.isLast = isLast
    }

    /// Bytes per chunk: big enough to stream at disk speed, small enough to keep both sides' memory flat.
    public static let size = 1 << 20
}

/// Who the server took the caller to be, sent once when a connection is accepted.
public struct Welcome: Codable, Sendable {
    public var serverPid: Int32
    public var version: String
    public var login: String
    public var uid: Int64
    /// The caller's account.
    public var user: User?

    public init(serverPid: Int32, version: String, login: String, uid: Int64, user: User? = nil) {
        self.serverPid = serverPid
        self.version = version
        self.login = login
        self.uid = uid
        self.user = user
    }
}

/// What the server pushes to a client that subscribed.
public enum ServerEvent: Codable, Sendable {
    case welcome(Welcome)
    case build(BuildRow)
    case step(Step)
    case metric(MetricRow)
    case artifact(Artifact)
    /// The client is reading this build's log more slowly than it grows: `nextSeq` is where the server is
    /// sending from, `committedLines` where the log is. A follower may re-read the end from the store instead.
    case behind(build: BuildID, nextSeq: Int, committedLines: Int)
    /// The caller's queued and running builds, whenever they change.
    case dashboard([BuildRow])
    case notification(BuildNotification)
    /// Something in a project the caller belongs to changed (settings, members, templates).
    case projectChanged(ProjectID)
    case stopping(reason: String)
}

/// The start of day in one answer: the dashboard's first frame costs one round trip.
public struct DashboardSnapshot: Codable, Sendable {
    public struct ReadyArtifact: Codable, Sendable, Hashable {
        public var artifact: Artifact
        public var build: BuildRow
    }

    public struct ProjectMembers: Codable, Sendable, Hashable {
        public var project: String
        public var members: [MemberRow]
    }

    public var user: User
    public var projects: [ProjectRow]
    /// The newest builds of the caller's projects.
    public var builds: [BuildRow]
    public var artifacts: [ReadyArtifact]
    public var members: [ProjectMembers]
    public var activity: [ActivityEvent]
    /// Set when the data filesystem is full or read-only: what can and cannot happen now.
    public var storageWarning: String?
}

/// A failed (or any) build's log against the last good build of the same manifest, volatile tokens masked.
public struct LogComparisonReport: Codable, Sendable {
    public var comparison: LogComparison
    public var good: BuildRow
    public var bad: BuildRow
}
