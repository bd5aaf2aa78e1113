import Foundation

/// Ends of builds the store could not record yet (a full disk, a database that stays locked). The server
/// keeps them here, shows them to every client as if written (so `--wait` returns and the interface shows
/// the end at once), and writes them as soon as it can. Also the queue's reason to wait when nothing can
/// start (no space to record a build).
public final class PendingOutcomes: @unchecked Sendable {
    public struct Outcome: Sendable, Hashable {
        public var status: BuildStatus
        public var reason: String
        public var finishedAt: Date
    }

    private let lock = NSLock()
    private var outcomes: [BuildID: Outcome] = [:]
    private var queueReason: String?

    public init() {}

    public func record(_ build: BuildID, status: BuildStatus, reason: String, at: Date = Date()) {
        lock.withLock { outcomes[build] = outcomes[build] ?? Outcome(status: status, reason: reason, finishedAt: at) }
    }

    public func remove(_ build: BuildID) { _ = lock.withLock { outcomes.removeValue(forKey: build) } }
    public var all: [BuildID: Outcome] { lock.withLock { outcomes } }
    public var isEmpty: Bool { lock.withLock { outcomes.isEmpty } }

    /// Why queued builds do not start now (nil: they may).
    public var holdReason: String? {
        get { lock.withLock { queueReason } }
        set { lock.withLock { queueReason = newValue } }
    }

    /// The build as clients should see it: with its unrecorded end, or its queue's reason to wait.
    public func apply(to build: Build) -> Build {
        let (outcome, hold) = lock.withLock { (build.id.flatMap { outcomes[$0] }, queueReason) }
        var b = build
        if let outcome, !build.status.isFinished {
            b.status = outcome.status
            b.failureReason = outcome.reason
            b.finishedAt = max(outcome.finishedAt, build.startedAt ?? outcome.finishedAt)
        } else if let hold, build.status == .queued, build.runnerPid == nil {
            b.queueReason = hold
        }
        return b
    }
}
