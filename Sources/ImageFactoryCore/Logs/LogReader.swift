#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSystemShims
import Foundation

/// Reads a build's log files while a writer may still append to them. It sees exactly the lines of its
/// current snapshot (the committed count given at init or ``refresh(committedLines:)``, or every
/// complete line), maps the files instead of loading them, and answers by sequence number.
///
/// Thread-safe: each call works on the snapshot current when it started.
public final class LogReader: @unchecked Sendable {
    public let directory: URL
    private let textFD: Int32
    private let indexFD: Int32
    private let displayFD: Int32
    private let textPath: String
    private let indexPath: String
    private let displayPath: String
    private let lock = NSLock()
    private var current: Snapshot
    private var summary = Summary()

    /// Opens the log in `directory`. `committedLines` limits the reader to what the database says was
    /// committed; nil means every complete line in the files.
    public init(directory: URL, committedLines: Int? = nil) throws {
        self.directory = directory
        textPath = directory.appendingPathComponent(LogFiles.text).path
        indexPath = directory.appendingPathComponent(LogFiles.index).path
        displayPath = directory.appendingPathComponent(LogFiles.display).path
        textFD = try LogFileIO.openFile(textPath, flags: O_RDONLY)
        do {
            indexFD = try LogFileIO.openFile(indexPath, flags: O_RDONLY)
        } catch {
            LogFileIO.closeFile(textFD)
            throw error
        }
        // A log without colour may lack display.log if it was written by another tool.
        displayFD = (try? LogFileIO.openFile(displayPath, flags: O_RDONLY)) ?? -1
        current = Snapshot.empty
        do {
            current = try makeSnapshot(committedLines: committedLines)
        } catch {
            closeFiles()
            throw error
        }
    }

    deinit { closeFiles() }

    private func closeFiles() {
        LogFileIO.closeFile(textFD)
        LogFileIO.closeFile(indexFD)
        if displayFD >= 0 { LogFileIO.closeFile(displayFD) }
    }

    /// Lines visible to this reader.
    public var lineCount: Int { snapshot().lineCount }

    /// Picks up lines the writer has flushed since (up to `committedLines` when given).
    public func refresh(committedLines: Int? = nil) throws {
        let next = try makeSnapshot(committedLines: committedLines)
        lock.withLock { current = next }
    }

    // MARK: - Lines

    /// The lines in `range` (clamped to the lines visible).
    public func lines(_ range: Range<Int>) throws -> [LogLine] {
        let snap = snapshot()
        return range.clamped(to: 0..<snap.lineCount).map { snap.line($0) }
    }

    public func line(_ seq: Int) throws -> LogLine? {
        let snap = snapshot()
        return seq >= 0 && seq < snap.lineCount ? snap.line(seq) : nil
    }

    /// The last `count` lines that pass the filters, oldest first.
    public func lastLines(_ count: Int, step: UInt16? = nil, levels: Set<LogLevel>? = nil) throws -> [LogLine] {
        let snap = snapshot()
        let filter = LineFilter(levels: levels, step: step)
        var picked: [Int] = []
        var seq = snap.lineCount - 1
        while seq >= 0 && picked.count < count {
            if filter.matches(snap.record(seq)) { picked.append(seq) }
            seq -= 1
        }
        return picked.reversed().map { snap.line($0) }
    }

    /// Sequence numbers of lines from `from` on that pass the filters, at most `limit`.
    public func filter(levels: Set<LogLevel>?, step: UInt16?, from: Int = 0, limit: Int) -> [Int] {
        let snap = snapshot()
        let filter = LineFilter(levels: levels, step: step)
        var result: [Int] = []
        var seq = max(0, from)
        while seq < snap.lineCount && result.count < limit {
            if filter.matches(snap.record(seq)) { result.append(seq) }
            seq += 1
        }
        return result
    }

    // MARK: - Search

    /// Lines from `from` on whose plain text contains `needle`, in order, at most `limit`.
    /// `caseInsensitive` folds ASCII letters only. An empty needle matches every line.
    public func search(
        _ needle: String, caseInsensitive: Bool = false, levels: Set<LogLevel>? = nil, step: UInt16? = nil,
        from: Int = 0, limit: Int
    ) throws -> [Int] {
        guard limit > 0 else { return [] }
        let snap = snapshot()
        var result: [Int] = []
        snap.forEachMatch(
            needle, caseInsensitive: caseInsensitive, filter: LineFilter(levels: levels, step: step),
            lines: max(0, from)..<snap.lineCount
        ) { seq in
            result.append(seq)
            return result.count < limit
        }
        return result
    }

    /// Like ``search(_:caseInsensitive:levels:step:from:limit:)`` towards the start: matching lines
    /// before `before` (default: the end), nearest first.
    public func searchBackward(
        _ needle: String, caseInsensitive: Bool = false, levels: Set<LogLevel>? = nil, step: UInt16? = nil,
        before: Int? = nil, limit: Int
    ) throws -> [Int] {
        guard limit > 0 else { return [] }
        let snap = snapshot()
        let filter = LineFilter(levels: levels, step: step)
        var result: [Int] = []
        var upper = min(before ?? snap.lineCount, snap.lineCount)
        // Search forward inside windows of about 1 MiB of text, walking the windows backwards.
        while upper > 0 && result.count < limit {
            let upperOffset = snap.startOffset(upper)
            let lower = min(upper - 1, snap.lineContaining(max(0, upperOffset - (1 << 20)), in: 0..<upper))
            var found: [Int] = []
            snap.forEachMatch(needle, caseInsensitive: caseInsensitive, filter: filter, lines: lower..<upper) {
                found.append($0)
                return true
            }
            for seq in found.reversed() where result.count < limit { result.append(seq) }
            upper = lower
        }
        return result
    }

    /// Number of lines containing `needle` that pass the filters.
    public func countMatches(
        _ needle: String, caseInsensitive: Bool = false, levels: Set<LogLevel>? = nil, step: UInt16? = nil
    ) throws -> Int {
        let snap = snapshot()
        let filter = LineFilter(levels: levels, step: step)
        if filter.isEmpty && !caseInsensitive && !needle.isEmpty, let text = snap.text.base {
            // The common case runs entirely in C: memmem, then memchr to the next line.
            var bytes = Array(needle.utf8)
            if bytes.contains(0x0A) { return 0 }
            return bytes.withUnsafeMutableBufferPointer { needleBytes in
                Int(if_count_lines_containing(
                    text.assumingMemoryBound(to: UInt8.self), snap.textEnd, needleBytes.baseAddress!, needleBytes.count))
            }
        }
        var count = 0
        snap.forEachMatch(needle, caseInsensitive: caseInsensitive, filter: filter, lines: 0..<snap.lineCount) { _ in
            count += 1
            return true
        }
        return count
    }

    // MARK: - Summaries

    /// Where each step's lines are, in order of each step's first line.
    public func stepRanges() -> [LogStepRange] {
        let snap = snapshot()
        return lock.withLock {
            summary.advance(to: snap)
            return summary.steps.values
                .map { LogStepRange(step: $0.step, lines: $0.first..<($0.last + 1), lineCount: $0.count) }
                .sorted { $0.lines.lowerBound < $1.lines.lowerBound }
        }
    }

    /// Lines per level among the visible lines.
    public func levelCounts() -> LogLevelCounts {
        let snap = snapshot()
        return lock.withLock {
            summary.advance(to: snap)
            return summary.levels
        }
    }

    // MARK: - Snapshots

    private func snapshot() -> Snapshot { lock.withLock { current } }

    private func makeSnapshot(committedLines: Int?) throws -> Snapshot {
        let previous = snapshot()
        // Sizes in the writer's order: an index record counted here already has its text written.
        let indexSize = try LogFileIO.size(indexFD, path: indexPath)
        let textSize = try LogFileIO.size(textFD, path: textPath)
        let displaySize = displayFD >= 0 ? try LogFileIO.size(displayFD, path: displayPath) : 0
        let available = indexSize / LogIndexRecord.size
        var count = max(0, min(committedLines ?? available, available))
        let index = try previous.index.covering(count * LogIndexRecord.size, fd: indexFD, path: indexPath)
        let text = try previous.text.covering(textSize, fd: textFD, path: textPath)
        let display = displayFD >= 0 ? try previous.display.covering(displaySize, fd: displayFD, path: displayPath) : .empty
        var textEnd = 0
        while count > 0 {
            let record = LogIndexRecord(at: index.base! + (count - 1) * LogIndexRecord.size)
            if let end = Snapshot.endOfLine(text, Int(record.offset), textSize),
               record.displayOffset == LogIndexRecord.noDisplay
                || Snapshot.endOfLine(display, Int(record.displayOffset), displaySize) != nil {
                textEnd = end
                break
            }
            count -= 1
        }
        return Snapshot(text: text, index: index, display: display, lineCount: count, textEnd: textEnd, displaySize: displaySize)
    }
}

extension LogReader {
    struct LineFilter {
        let levelMask: UInt8
        let step: UInt16?

        init(levels: Set<LogLevel>?, step: UInt16?) {
            levelMask = levels.map { $0.reduce(0) { $0 | (1 << $1.rawValue) } } ?? 0xFF
            self.step = step
        }

        var isEmpty: Bool { levelMask & 0b111 == 0b111 && step == nil }

        @inline(__always)
        func matches(_ record: UnsafeRawPointer) -> Bool {
            (levelMask >> LogIndexRecord.level(at: record)) & 1 != 0
                && (step == nil || step == LogIndexRecord.step(at: record))
        }
    }

    /// The mappings and line count a call works on.
    struct Snapshot: @unchecked Sendable {
        let text: LogFileMapping
        let index: LogFileMapping
        let display: LogFileMapping
        let lineCount: Int
        /// End of the last visible line's `\n` in text.log.
        let textEnd: Int
        let displaySize: Int

        static let empty = Snapshot(text: .empty, index: .empty, display: .empty, lineCount: 0, textEnd: 0, displaySize: 0)

        @inline(__always)
        func record(_ seq: Int) -> UnsafeRawPointer { index.base! + seq * LogIndexRecord.size }

        /// Offset where line `seq` starts; `lineCount` gives the end of the text.
        @inline(__always)
        func startOffset(_ seq: Int) -> Int {
            seq < lineCount ? Int(LogIndexRecord.offset(at: record(seq))) : textEnd
        }

        static func endOfLine(_ mapping: LogFileMapping, _ offset: Int, _ size: Int) -> Int? {
            guard offset < size, let base = mapping.base, let hit = memchr(base + offset, 0x0A, size - offset) else {
                return nil
            }
            return UnsafeRawPointer(hit) - base + 1
        }

        func line(_ seq: Int) -> LogLine {
            let record = LogIndexRecord(at: self.record(seq))
            let start = Int(record.offset)
            let end = startOffset(seq + 1) - 1
            let text = String(decoding: UnsafeRawBufferPointer(start: self.text.base! + start, count: end - start), as: UTF8.self)
            var display = text
            if record.displayOffset != LogIndexRecord.noDisplay,
               let displayEnd = Self.endOfLine(self.display, Int(record.displayOffset), displaySize) {
                let displayStart = Int(record.displayOffset)
                display = String(
                    decoding: UnsafeRawBufferPointer(start: self.display.base! + displayStart, count: displayEnd - 1 - displayStart),
                    as: UTF8.self)
            }
            return LogLine(
                seq: seq, timeMs: record.timeMs, step: record.step, level: LogLevel(rawValue: record.level) ?? .info,
                stream: LogStream(rawValue: record.stream) ?? .system, text: text, display: display)
        }

        /// The line whose text holds `offset`: binary search over the index within `range`.
        func lineContaining(_ offset: Int, in range: Range<Int>) -> Int {
            var low = range.lowerBound
            var high = range.upperBound - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if Int(LogIndexRecord.offset(at: record(mid))) <= offset { low = mid } else { high = mid - 1 }
            }
            return low
        }

        /// Calls `body` with each line in `lines` that contains the needle and passes `filter`, in order,
        /// until it returns false. memmem runs over the mapped text; a hit is mapped to its line by
        /// binary search and the search resumes at the next line, so a line counts once.
        func forEachMatch(
            _ needle: String, caseInsensitive: Bool, filter: LineFilter, lines: Range<Int>, _ body: (Int) -> Bool
        ) {
            guard !lines.isEmpty, let text = text.base else { return }
            if needle.isEmpty {
                for seq in lines where filter.matches(record(seq)) {
                    if !body(seq) { return }
                }
                return
            }
            let finder = LogSubstringFinder(needle, caseInsensitive: caseInsensitive)
            if finder.isImpossible { return }
            let end = startOffset(lines.upperBound)
            var seq = lines.lowerBound
            var position = startOffset(seq)
            while position < end, let hit = finder.next(in: text, from: position, end: end) {
                let match = lineContaining(hit, in: seq..<lines.upperBound)
                if filter.matches(record(match)) && !body(match) { return }
                seq = match + 1
                position = startOffset(seq)
            }
        }
    }

    /// Step ranges and level counts, extended incrementally as the log grows.
    struct Summary {
        struct Step {
            let step: UInt16
            let first: Int
            var last: Int
            var count: Int
        }

        var scanned = 0
        var steps: [UInt16: Step] = [:]
        var levels = LogLevelCounts()

        mutating func advance(to snap: Snapshot) {
            if snap.lineCount < scanned { self = Summary() }
            var perLevel: (UInt, UInt, UInt, UInt) = (0, 0, 0, 0)
            while scanned < snap.lineCount {
                // Steps come in runs: count a run, then touch the dictionary once.
                let step = LogIndexRecord.step(at: snap.record(scanned))
                let runStart = scanned
                while scanned < snap.lineCount {
                    let record = snap.record(scanned)
                    if LogIndexRecord.step(at: record) != step { break }
                    switch LogIndexRecord.level(at: record) {
                    case 1: perLevel.1 += 1
                    case 2: perLevel.2 += 1
                    default: perLevel.0 += 1
                    }
                    scanned += 1
                }
                if var entry = steps[step] {
                    entry.last = scanned - 1
                    entry.count += scanned - runStart
                    steps[step] = entry
                } else {
                    steps[step] = Step(step: step, first: runStart, last: scanned - 1, count: scanned - runStart)
                }
            }
            levels.info += Int(perLevel.0)
            levels.warn += Int(perLevel.1)
            levels.error += Int(perLevel.2)
        }
    }
}
