import Foundation

/// The log of one running build: the log writer behind a lock, since stdout and stderr are read by two tasks.
final class BuildLog: @unchecked Sendable {
    private let lock = NSLock()
    private let writer: LogWriter
    private let startedAt: ContinuousClock.Instant
    private(set) var currentStep: UInt16 = 0
    /// Sees each line of the tool's output (and its sequence number) before it is stored; may set its level.
    private var observer: (@Sendable (String, Int64) -> LogLevel?)?

    init(directory: URL, startedAt: ContinuousClock.Instant, limit: LogLimit? = nil) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        writer = try LogWriter(directory: directory)
        writer.limit = limit
        self.startedAt = startedAt
    }

    var elapsedMs: UInt32 {
        let d = ContinuousClock.now - startedAt
        return UInt32(clamping: d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }

    func beginStep(_ index: Int) -> Int64 {
        lock.withLock {
            currentStep = UInt16(clamping: index)
            return Int64(writer.lineCount)
        }
    }

    var lineCount: Int { lock.withLock { writer.lineCount } }

    /// Lines of output dropped at the log limit so far.
    var droppedLines: Int { lock.withLock { writer.droppedLines } }
    /// The bound of the log limit the output reached, once it has.
    var reachedLimit: LogLimit? { lock.withLock { writer.reachedLimit } }

    /// A line the runner itself writes ("$ make", "found gcc at /usr/bin/gcc").
    func system(_ text: String, level: LogLevel = .info) {
        let t = elapsedMs
        lock.withLock { writer.append(system: text, timeMs: t, step: currentStep, level: level) }
    }

    func observe(_ body: (@Sendable (String, Int64) -> LogLevel?)?) {
        lock.withLock { observer = body }
    }

    func ingest(_ chunk: UnsafeRawBufferPointer, stream: LogStream) {
        let t = elapsedMs
        lock.withLock {
            guard let observer else { return writer.ingest(chunk: chunk, stream: stream, step: currentStep, timeMs: t) }
            let writer = self.writer
            writer.ingest(chunk: chunk, stream: stream, step: currentStep, timeMs: t) { plain, _, level, _ in
                if let sure = observer(String(decoding: plain, as: UTF8.self), Int64(writer.lineCount)) { level = sure }
            }
        }
    }

    func endOfStream(_ stream: LogStream) {
        let t = elapsedMs
        lock.withLock {
            guard let observer else { return writer.finishStream(stream, step: currentStep, timeMs: t) }
            let writer = self.writer
            writer.finishStream(stream, step: currentStep, timeMs: t) { plain, _, level, _ in
                if let sure = observer(String(decoding: plain, as: UTF8.self), Int64(writer.lineCount)) { level = sure }
            }
        }
    }

    /// The last batch known written: what a failed flush (a full disk) leaves committed.
    private(set) var lastCommit = LogCommit(lineCount: 0, bytes: 0, levelCounts: LogLevelCounts())

    func flush() throws -> LogCommit {
        try lock.withLock {
            let commit = try writer.flush()
            lastCommit = commit
            return commit
        }
    }
}
