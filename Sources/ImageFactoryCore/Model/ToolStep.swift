import Foundation
import GRDB

public enum ToolStepStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case running, succeeded, failed, cached, cancelled

    public var isFinished: Bool { self != .running }
}

/// One step as the build tool itself reports it (a BuildKit vertex, a podman `STEP 3/5`, a nix build, a packer
/// stage), inside one of the plan's steps. `group` holds a platform or a packer build name.
public struct ToolStep: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "toolStep"
    public var buildId: BuildID
    /// Order of appearance within the build.
    public var seq: Int
    /// The plan step it belongs to.
    public var stepIdx: Int
    public var key: String
    public var name: String
    public var groupName: String?
    public var status: ToolStepStatus
    /// Progress in the tool's own units (done of expected); nil when the tool gives none.
    public var done: Int64?
    public var expected: Int64?
    public var startedAt: Date
    public var finishedAt: Date?
    /// Log sequence number of the step's first line.
    public var firstLine: Int64
    public var lineCount: Int64
    /// The tool's own error for this step.
    public var error: String?
    /// The step's last lines, kept when it fails so the build page and `build show` can put them first.
    public var excerpt: String?

    public var duration: TimeInterval? { finishedAt.map { $0.timeIntervalSince(startedAt) } }

    /// Per cent done, when the tool gives both numbers.
    public var percent: Int? {
        guard let done, let expected, expected > 0 else { return nil }
        return Int(min(100, max(0, done * 100 / expected)))
    }
}

extension ToolStep {
    /// The group heading to show before `steps[index]`: where its group (platform, packer build) begins, and only
    /// when some step has a group.
    public static func groupHeading(before index: Int, in steps: [ToolStep]) -> String? {
        guard steps.contains(where: { $0.groupName != nil }) else { return nil }
        guard index == 0 || steps[index - 1].groupName != steps[index].groupName else { return nil }
        return steps[index].groupName ?? "(no platform)"
    }
}

extension ToolStep {
    /// The table's columns, named once (from the coding keys) for queries.
    public enum Columns {
        public static let buildId = Column(CodingKeys.buildId)
        public static let seq = Column(CodingKeys.seq)
        public static let stepIdx = Column(CodingKeys.stepIdx)
        public static let key = Column(CodingKeys.key)
        public static let name = Column(CodingKeys.name)
        public static let groupName = Column(CodingKeys.groupName)
        public static let status = Column(CodingKeys.status)
        public static let done = Column(CodingKeys.done)
        public static let expected = Column(CodingKeys.expected)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let firstLine = Column(CodingKeys.firstLine)
        public static let lineCount = Column(CodingKeys.lineCount)
        public static let error = Column(CodingKeys.error)
        public static let excerpt = Column(CodingKeys.excerpt)
    }
}
