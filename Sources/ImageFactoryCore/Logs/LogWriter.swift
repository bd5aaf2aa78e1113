#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a flush made durable in the files (written with write(2); on disk too when synced).
public struct LogCommit: Sendable, Hashable {
    public var lineCount: Int
    /// Size of text.log.
    public var bytes: Int64
    public var levelCounts: LogLevelCounts
    /// Lines of output past the log limit: counted, not stored.
    public var droppedLines: Int

    public init(lineCount: Int, bytes: Int64, levelCounts: LogLevelCounts, droppedLines: Int = 0) {
        self.lineCount = lineCount
        self.bytes = bytes
        self.levelCounts = levelCounts
        self.droppedLines = droppedLines
    }
}

/// Appends one build's log lines to its directory: `text.log` (plain lines, `\n`-terminated),
/// `display.log` (coloured variants of the lines that have colour) and `index.bin` (one
/// ``LogIndexRecord`` per line). Lines are buffered in fixed buffers and written with write(2) when a
/// buffer fills or on ``flush(sync:)``; the index is always written after the text it points to, so a
/// crash leaves at worst a torn tail, which reopening with the committed line count cuts off.
///
/// Used from one task at a time. If a write fails the writer stops writing and every later
/// ``flush(sync:)`` throws that error; reopen it with the last committed line count to go on.
public final class LogWriter {
    public let directory: URL
    /// Lines appended so far, including those still in the buffers.
    public private(set) var lineCount: Int
    public private(set) var levelCounts: LogLevelCounts
    /// fsync on every flush. Off by default: a 100 ms batch cadence cannot afford it, and the committed
    /// line count in the database already bounds what a reader trusts.
    public var syncOnFlush: Bool
    /// Output past this is counted in ``droppedLines`` instead of stored; the runner's own lines always are.
    public var limit: LogLimit? {
        didSet {
            limitBytes = limit?.maxBytes ?? .max
            limitLines = limit?.maxLines ?? .max
        }
    }
    /// Lines of output dropped at the limit.
    public private(set) var droppedLines = 0
    /// The bound of ``limit`` the output reached first (its size or its line count).
    public private(set) var reachedLimit: LogLimit?

    private var limitBytes = Int64.max
    private var limitLines = Int64.max
    private let textFile: File
    private let displayFile: File
    private let indexFile: File
    private var textOffset: UInt64
    private var displayOffset: UInt64
    private var failure: LogStoreError?
    private let pipelines: [LogStreamPipeline]
    private let maxLineBytes: Int

    public static let textBufferBytes = 256 * 1024
    public static let displayBufferBytes = 128 * 1024
    public static let indexBufferBytes = 128 * 1024

    /// Opens or creates the log in `directory`.
    ///
    /// Reopening after a crash: pass `committedLines` (the count the database recorded with the last
    /// commit) and all three files are cut back to exactly those lines. Without it the writer keeps every
    /// complete line. Throws ``LogStoreError/missingLines(directory:committed:available:)`` when the
    /// files hold fewer complete lines than `committedLines`.
    ///
    /// `adoptUnindexedLines`: see ``LogRecovery/recover(committedLines:adoptUnindexedLines:)``; for the end of a
    /// build whose writer stopped on a full disk.
    public init(directory: URL, committedLines: Int? = nil, maxLineBytes: Int = 1 << 20, syncOnFlush: Bool = false,
                adoptUnindexedLines: Bool = false) throws {
        self.directory = directory
        self.maxLineBytes = maxLineBytes
        self.syncOnFlush = syncOnFlush
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw LogStoreError.cannotCreateDirectory(path: directory.path, reason: error.localizedDescription)
        }
        let flags = O_RDWR | O_CREAT | O_APPEND
        textFile = try File(directory.appendingPathComponent(LogFiles.text).path, flags: flags, buffer: Self.textBufferBytes)
        displayFile = try File(directory.appendingPathComponent(LogFiles.display).path, flags: flags, buffer: Self.displayBufferBytes)
        indexFile = try File(directory.appendingPathComponent(LogFiles.index).path, flags: flags, buffer: Self.indexBufferBytes)
        let state = try LogRecovery(text: textFile, display: displayFile, index: indexFile, directory: directory.path)
            .recover(committedLines: committedLines, adoptUnindexedLines: adoptUnindexedLines)
        lineCount = state.lineCount
        levelCounts = state.levelCounts
        textOffset = UInt64(state.textBytes)
        displayOffset = UInt64(state.displayBytes)
        pipelines = LogStream.allCases.map { _ in LogStreamPipeline(maxLineBytes: maxLineBytes) }
    }

    deinit {
        // Best effort: lines appended but never flushed are beyond any committed count anyway.
        if failure == nil { try? writeBuffers(sync: false) }
        textFile.close()
        displayFile.close()
        indexFile.close()
    }

    /// Appends one line. `plain` must be sanitized text without `\n` (a stray `\n` becomes a space);
    /// `display` is the coloured variant, or nil when it equals `plain`.
    public func append(
        plain: UnsafeRawBufferPointer, display: UnsafeRawBufferPointer?,
        timeMs: UInt32, step: UInt16, level: LogLevel, stream: LogStream
    ) {
        guard failure == nil else { return }
        if let base = plain.baseAddress, memchr(base, 0x0A, plain.count) != nil {
            return Self.withNewlinesReplaced(plain) { append(plain: $0, display: display, timeMs: timeMs, step: step, level: level, stream: stream) }
        }
        if let display, let base = display.baseAddress, memchr(base, 0x0A, display.count) != nil {
            return Self.withNewlinesReplaced(display) { append(plain: plain, display: $0, timeMs: timeMs, step: step, level: level, stream: stream) }
        }
        appendLine(plain, display, timeMs: timeMs, step: step, level: level, stream: stream)
    }

    /// Appends text written by the runner itself (one line per `\n`), sanitized like build output.
    public func append(system text: String, timeMs: UInt32, step: UInt16, level: LogLevel = .info) {
        var splitter = LogLineSplitter(maxLineBytes: maxLineBytes)
        var scratch = LogSanitizer.Scratch()
        var copy = text
        copy.withUTF8 { bytes in
            let emit = { (raw: UnsafeRawBufferPointer) in
                LogSanitizer.sanitize(raw, scratch: &scratch) { plain, display in
                    self.appendLine(plain, display, timeMs: timeMs, step: step, level: level, stream: .system)
                }
            }
            splitter.feed(UnsafeRawBufferPointer(bytes), emit)
            splitter.finish(emit)
        }
    }

    /// Splits, sanitizes, classifies and appends a chunk of one stream's output. Each stream keeps its
    /// own partial line and classifier state; a new `step` resets the classifier's multi-line state.
    public func ingest(chunk: UnsafeRawBufferPointer, stream: LogStream, step: UInt16, timeMs: UInt32) {
        pipelines[Int(stream.rawValue)].run(step: step) { state in
            state.splitter.feed(chunk) { raw in
                LogSanitizer.sanitize(raw, scratch: &state.scratch) { plain, display in
                    let level = state.classifier.classify(plain, stream: stream)
                    appendLine(plain, display, timeMs: timeMs, step: step, level: level, stream: stream)
                }
            }
        }
    }

    /// Like ``ingest(chunk:stream:step:timeMs:)``, but `onLine` sees each sanitized line before it is
    /// stored and may change its level or step (a method's parser knows its tool's output best).
    public func ingest(
        chunk: UnsafeRawBufferPointer, stream: LogStream, step: UInt16, timeMs: UInt32,
        onLine: (_ plain: UnsafeRawBufferPointer, _ stream: LogStream, _ level: inout LogLevel, _ step: inout UInt16) -> Void
    ) {
        pipelines[Int(stream.rawValue)].run(step: step) { state in
            state.splitter.feed(chunk) { raw in
                appendObserved(raw, &state.scratch, &state.classifier, stream: stream, step: step, timeMs: timeMs, onLine)
            }
        }
    }

    /// Stores the stream's unterminated last line, if any (call when the pipe closes).
    public func finishStream(_ stream: LogStream, step: UInt16, timeMs: UInt32) {
        pipelines[Int(stream.rawValue)].run(step: step) { state in
            state.splitter.finish { raw in
                LogSanitizer.sanitize(raw, scratch: &state.scratch) { plain, display in
                    let level = state.classifier.classify(plain, stream: stream)
                    appendLine(plain, display, timeMs: timeMs, step: step, level: level, stream: stream)
                }
            }
        }
    }

    public func finishStream(
        _ stream: LogStream, step: UInt16, timeMs: UInt32,
        onLine: (_ plain: UnsafeRawBufferPointer, _ stream: LogStream, _ level: inout LogLevel, _ step: inout UInt16) -> Void
    ) {
        pipelines[Int(stream.rawValue)].run(step: step) { state in
            state.splitter.finish { raw in
                appendObserved(raw, &state.scratch, &state.classifier, stream: stream, step: step, timeMs: timeMs, onLine)
            }
        }
    }

    /// Writes everything buffered; with `sync` (default ``syncOnFlush``) also fsyncs, text and display
    /// before the index. Partial lines waiting in a stream's splitter are not lines yet and stay there.
    @discardableResult
    public func flush(sync: Bool? = nil) throws -> LogCommit {
        if let failure { throw failure }
        do {
            try writeBuffers(sync: sync ?? syncOnFlush)
        } catch let error as LogStoreError {
            failure = error
            throw error
        }
        return LogCommit(lineCount: lineCount, bytes: Int64(textOffset), levelCounts: levelCounts, droppedLines: droppedLines)
    }

    // MARK: - Internals

    private func appendObserved(
        _ raw: UnsafeRawBufferPointer, _ scratch: inout LogSanitizer.Scratch, _ classifier: inout LogLevelClassifier,
        stream: LogStream, step: UInt16, timeMs: UInt32,
        _ onLine: (UnsafeRawBufferPointer, LogStream, inout LogLevel, inout UInt16) -> Void
    ) {
        LogSanitizer.sanitize(raw, scratch: &scratch) { plain, display in
            var level = classifier.classify(plain, stream: stream)
            var lineStep = step
            onLine(plain, stream, &level, &lineStep)
            appendLine(plain, display, timeMs: timeMs, step: lineStep, level: level, stream: stream)
        }
    }

    @inline(__always)
    private func appendLine(
        _ plain: UnsafeRawBufferPointer, _ display: UnsafeRawBufferPointer?,
        timeMs: UInt32, step: UInt16, level: LogLevel, stream: LogStream
    ) {
        guard failure == nil else { return }
        let textBytes = plain.count + 1
        if stream != .system, Int64(textOffset) + Int64(textBytes) > limitBytes || Int64(lineCount) >= limitLines {
            return dropLine(timeMs: timeMs, step: step)
        }
        let displayBytes = display.map { $0.count + 1 } ?? 0
        if !textFile.fits(textBytes) || !indexFile.fits(LogIndexRecord.size)
            || (displayBytes > 0 && !displayFile.fits(displayBytes)) {
            do { try writeBuffers(sync: false) } catch { failure = error as? LogStoreError; return }
        }
        var displayAt = LogIndexRecord.noDisplay
        do {
            try textFile.appendLine(plain)
            if let display {
                try displayFile.appendLine(display)
                displayAt = displayOffset
                displayOffset += UInt64(displayBytes)
            }
        } catch {
            failure = error as? LogStoreError
            return
        }
        let record = LogIndexRecord(
            offset: textOffset, timeMs: timeMs, step: step, level: level.rawValue, stream: stream.rawValue,
            displayOffset: displayAt)
        indexFile.appendRecord(record)
        textOffset += UInt64(textBytes)
        lineCount += 1
        levelCounts[level] += 1
    }

    /// The first dropped line leaves a line saying so where the output stops; the runner adds the count at the end.
    private func dropLine(timeMs: UInt32, step: UInt16) {
        droppedLines += 1
        guard droppedLines == 1 else { return }
        let bound = Int64(lineCount) >= limitLines ? LogLimit(maxLines: limitLines) : LogLimit(maxBytes: limitBytes)
        reachedLimit = bound
        append(system: "log limit \(bound) reached: further output is counted, not stored", timeMs: timeMs, step: step, level: .warn)
    }

    /// Text and display reach the files before the index records that point into them.
    private func writeBuffers(sync: Bool) throws {
        try textFile.drain()
        try displayFile.drain()
        if sync {
            try textFile.sync()
            try displayFile.sync()
        }
        try indexFile.drain()
        if sync { try indexFile.sync() }
    }

    private static func withNewlinesReplaced(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var copy = Array(bytes)
        for i in copy.indices where copy[i] == 0x0A { copy[i] = 0x20 }
        copy.withUnsafeBytes(body)
    }
}

extension LogWriter {
    /// One of the three files with its write buffer.
    final class File {
        let path: String
        let fd: Int32
        private let buffer: UnsafeMutableRawPointer
        private let capacity: Int
        private var used = 0

        init(_ path: String, flags: Int32, buffer capacity: Int) throws {
            self.path = path
            fd = try LogFileIO.openFile(path, flags: flags)
            self.capacity = capacity
            buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }

        deinit { buffer.deallocate() }

        func close() { LogFileIO.closeFile(fd) }

        /// Room for `bytes` more, or the buffer is empty (an oversized line then goes straight to the file).
        @inline(__always)
        func fits(_ bytes: Int) -> Bool { used + bytes <= capacity || used == 0 }

        @inline(__always)
        func appendLine(_ line: UnsafeRawBufferPointer) throws {
            let count = line.count
            if count + 1 > capacity - used {
                try drain()
                if let base = line.baseAddress { try LogFileIO.writeAll(fd, base, count, path: path) }
                buffer.storeBytes(of: 0x0A, as: UInt8.self)
                used = 1
                return
            }
            if let base = line.baseAddress { (buffer + used).copyMemory(from: base, byteCount: count) }
            buffer.storeBytes(of: 0x0A, toByteOffset: used + count, as: UInt8.self)
            used += count + 1
        }

        @inline(__always)
        func appendRecord(_ record: LogIndexRecord) {
            record.store(to: buffer + used)
            used += LogIndexRecord.size
        }

        func drain() throws {
            guard used > 0 else { return }
            try LogFileIO.writeAll(fd, buffer, used, path: path)
            used = 0
        }

        func sync() throws { try LogFileIO.syncFile(fd, path: path) }
    }
}

/// Per-stream ingestion state: the partial line, the classifier's multi-line state, sanitizer buffers.
final class LogStreamPipeline {
    struct State {
        var splitter: LogLineSplitter
        var classifier = LogLevelClassifier()
        var scratch = LogSanitizer.Scratch()
    }

    private var state: State
    private let maxLineBytes: Int
    private var step: UInt16?

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
        state = State(splitter: LogLineSplitter(maxLineBytes: maxLineBytes))
    }

    /// Runs `body` on the state moved into a local, so the per-line work inside needs no dynamic
    /// exclusivity checks on class properties; a new step resets the classifier's multi-line state.
    @inline(__always)
    func run(step newStep: UInt16, _ body: (inout State) -> Void) {
        var local = state
        state = State(splitter: LogLineSplitter(maxLineBytes: maxLineBytes))
        if step != newStep {
            local.classifier.reset()
            step = newStep
        }
        body(&local)
        state = local
    }
}
