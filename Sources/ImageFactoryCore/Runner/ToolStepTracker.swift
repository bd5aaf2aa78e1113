import Foundation
import GRDB

/// Follows one tool's output through its progress parser during a plan step: keeps the tool's own steps,
/// their progress and last lines, the tool's errors, the artifacts and fingerprint it reports; the runner's
/// flusher writes the changed steps to the store.
final class ToolStepTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var parser: any ToolProgressParser
    private let buildID: BuildID
    private let stepIndex: Int
    private let firstSeq: Int
    private var steps: [ToolStep] = []
    private var byKey: [String: Int] = [:]
    private var dirty = Set<Int>()
    /// The last lines of each step, as a ring: every line of the build passes here.
    private var recent: [Int: (lines: [String], next: Int)] = [:]
    private var current: Int?
    private(set) var errors: [String] = []
    private(set) var artifacts: [String] = []
    private(set) var fingerprints: [String] = []
    static let excerptLines = 20

    init(parser: any ToolProgressParser, build: BuildID, stepIndex: Int, firstSeq: Int) {
        self.parser = parser
        self.buildID = build
        self.stepIndex = stepIndex
        self.firstSeq = firstSeq
    }

    var stepCount: Int { lock.withLock { steps.count } }
    /// The tool's own error for the build, else the error it gave for its failing step (BuildKit's `#6 ERROR: ...`).
    var lastError: String? {
        lock.withLock { errors.last ?? steps.last { $0.status == .failed && $0.error != nil }?.error }
    }
    var reportedArtifacts: [String] { lock.withLock { artifacts } }
    var fingerprint: String? { lock.withLock { fingerprints.last } }
    var failedStep: ToolStep? { lock.withLock { steps.last { $0.status == .failed } } }

    /// One line of output, numbered `seq` in the build log; returns the level the parser is sure of.
    func observe(_ line: String, seq: Int64) -> LogLevel? {
        lock.withLock {
            let parsed = parser.parse(line)
            for event in parsed.events { apply(event, seq: seq) }
            let owner = parsed.stepKey.flatMap { byKey[$0] } ?? current
            if let owner {
                var ring = recent.removeValue(forKey: owner) ?? ([], 0)
                if ring.lines.count < Self.excerptLines { ring.lines.append(line) } else { ring.lines[ring.next] = line }
                ring.next = (ring.next + 1) % Self.excerptLines
                recent[owner] = ring
                steps[owner].lineCount += 1
                dirty.insert(owner)
            }
            return parsed.level
        }
    }

    /// The tool has exited: the parser closes what is open; whatever is still running ends as the command did.
    func finish(succeeded: Bool, cancelled: Bool, seq: Int64) {
        lock.withLock {
            for event in parser.finish(succeeded: succeeded) { apply(event, seq: seq) }
            for i in steps.indices where steps[i].status == .running {
                steps[i].status = cancelled ? .cancelled : succeeded ? .succeeded : .failed
                steps[i].finishedAt = Date()
                if steps[i].status == .failed { keepExcerpt(i) }
                dirty.insert(i)
            }
            for i in steps.indices where steps[i].status == .failed { keepExcerpt(i); dirty.insert(i) }
            // A failed command whose tool named no failing step: its last step is where it stopped.
            if !succeeded, !cancelled, !steps.contains(where: { $0.status == .failed }), let last = steps.indices.last {
                steps[last].status = .failed
                keepExcerpt(last)
                dirty.insert(last)
            }
        }
    }

    /// Writes the steps changed since the last call.
    func persist(_ db: Database) throws {
        let changed: [ToolStep] = lock.withLock {
            let rows = dirty.sorted().map { steps[$0] }
            dirty.removeAll()
            return rows
        }
        for row in changed { try row.save(db) }
    }

    private func apply(_ event: ToolProgressEvent, seq: Int64) {
        switch event {
        case .started(let key, let name, let group):
            if let i = byKey[key], steps[i].status == .running {
                steps[i].name = name
                dirty.insert(i)
                current = i
                return
            }
            let step = ToolStep(buildId: buildID, seq: firstSeq + steps.count, stepIdx: stepIndex, key: key, name: name,
                                groupName: group, status: .running, done: nil, expected: nil, startedAt: Date(), finishedAt: nil,
                                firstLine: seq, lineCount: 0, error: nil, excerpt: nil)
            steps.append(step)
            byKey[key] = steps.count - 1
            current = steps.count - 1
            dirty.insert(steps.count - 1)
        case .cached(let key):
            guard let i = byKey[key] else { return }
            steps[i].status = .cached
            steps[i].finishedAt = steps[i].finishedAt ?? Date()
            dirty.insert(i)
        case .progress(let key, let done, let expected):
            // Tool-wide progress (nix's "builds" done of expected) belongs to the step running now.
            guard let i = byKey[key] ?? current else { return }
            steps[i].done = done
            steps[i].expected = expected
            dirty.insert(i)
        case .finished(let key):
            guard let i = byKey[key] else { return }
            if steps[i].status == .running { steps[i].status = .succeeded }
            steps[i].finishedAt = steps[i].finishedAt ?? Date()
            if current == i { current = steps.lastIndex { $0.status == .running } }
            dirty.insert(i)
        case .failed(let key, let message):
            guard let i = byKey[key] else { return }
            steps[i].status = .failed
            steps[i].finishedAt = steps[i].finishedAt ?? Date()
            if let message { steps[i].error = message }
            keepExcerpt(i)
            dirty.insert(i)
        case .error(let message):
            errors.append(message)
            if let i = current, steps[i].status == .running || steps[i].status == .failed {
                steps[i].error = steps[i].error ?? message
                dirty.insert(i)
            }
        case .artifact(let path, _):
            if !artifacts.contains(path) { artifacts.append(path) }
        case .fingerprint(let value):
            fingerprints.append(value)
        }
    }

    private func keepExcerpt(_ i: Int) {
        guard let ring = recent[i] else { return }
        // Oldest first: once the ring is full, the next slot holds the oldest line.
        let lines = ring.lines.count < Self.excerptLines ? ring.lines : Array(ring.lines[ring.next...] + ring.lines[..<ring.next])
        if !lines.isEmpty { steps[i].excerpt = lines.joined(separator: "\n") }
    }
}
