/// Brings a log directory back to a consistent state when a writer reopens it.
struct LogRecovery {
    struct State {
        var lineCount: Int
        var textBytes: Int
        var displayBytes: Int
        var levelCounts: LogLevelCounts
    }

    let text: LogWriter.File
    let display: LogWriter.File
    let index: LogWriter.File
    let directory: String

    /// Keeps `committedLines` lines (or every complete line when nil) and truncates each file right after them.
    ///
    /// `adoptUnindexedLines` (only without `committedLines`): complete text lines past the last index record
    /// get records of their own. A writer that hit a full disk wrote their text but not their records; they
    /// are the build's real output, so the end written later keeps them (level classified again; step, time and
    /// stream those of the last indexed line; no colour).
    func recover(committedLines: Int?, adoptUnindexedLines: Bool = false) throws -> State {
        let textSize = try LogFileIO.size(text.fd, path: text.path)
        let displaySize = try LogFileIO.size(display.fd, path: display.path)
        let indexSize = try LogFileIO.size(index.fd, path: index.path)
        let available = indexSize / LogIndexRecord.size

        var count = min(committedLines ?? available, available)
        var textEnd = 0
        // Walk back from the wanted end until a record's text (and display) line is complete.
        while count > 0 {
            let record = try self.record(count - 1)
            if let end = try LogFileIO.endOfLine(text.fd, from: Int(record.offset), fileSize: textSize, path: text.path),
               try record.displayOffset == LogIndexRecord.noDisplay
                || LogFileIO.endOfLine(display.fd, from: Int(record.displayOffset), fileSize: displaySize, path: display.path) != nil {
                textEnd = end
                break
            }
            count -= 1
        }
        if let committedLines, count < committedLines {
            throw LogStoreError.missingLines(directory: directory, committed: committedLines, available: count)
        }
        var (displayEnd, levelCounts) = try scan(count, displaySize: displaySize)
        try LogFileIO.truncateFile(index.fd, to: count * LogIndexRecord.size, path: index.path)
        if adoptUnindexedLines, committedLines == nil, textSize > textEnd {
            let previous = count > 0 ? try record(count - 1) : nil
            let adopted = try adopt(from: textEnd, textSize: textSize, previous: previous)
            if !adopted.records.isEmpty {
                var bytes = [UInt8](repeating: 0, count: adopted.records.count * LogIndexRecord.size)
                bytes.withUnsafeMutableBytes { buffer in
                    for (k, r) in adopted.records.enumerated() { r.store(to: buffer.baseAddress! + k * LogIndexRecord.size) }
                }
                try bytes.withUnsafeBytes { try LogFileIO.writeAll(index.fd, $0.baseAddress!, $0.count, path: index.path) }
                count += adopted.records.count
                textEnd = adopted.end
                levelCounts.info += adopted.counts.info
                levelCounts.warn += adopted.counts.warn
                levelCounts.error += adopted.counts.error
            }
        }
        try LogFileIO.truncateFile(text.fd, to: textEnd, path: text.path)
        try LogFileIO.truncateFile(display.fd, to: displayEnd, path: display.path)
        return State(lineCount: count, textBytes: textEnd, displayBytes: displayEnd, levelCounts: levelCounts)
    }

    /// Records for the complete lines of text from `start` (at most 16 MiB of them: a writer's buffer is 256 KiB).
    private func adopt(from start: Int, textSize: Int, previous: LogIndexRecord?)
        throws -> (records: [LogIndexRecord], end: Int, counts: LogLevelCounts) {
        let length = min(textSize - start, 16 << 20)
        var bytes = [UInt8](repeating: 0, count: length)
        let read = try bytes.withUnsafeMutableBytes {
            try LogFileIO.readAt(text.fd, into: $0.baseAddress!, length, at: start, path: text.path)
        }
        let stream = previous.flatMap { LogStream(rawValue: $0.stream) } ?? .stdout
        var classifier = LogLevelClassifier()
        var records: [LogIndexRecord] = []
        var counts = LogLevelCounts()
        var lineStart = 0
        var end = start
        bytes.withUnsafeBytes { buffer in
            var i = 0
            while i < read {
                if buffer[i] == 0x0A {
                    let line = UnsafeRawBufferPointer(rebasing: buffer[lineStart..<i])
                    let level = classifier.classify(line, stream: stream)
                    counts[level] += 1
                    records.append(LogIndexRecord(
                        offset: UInt64(start + lineStart), timeMs: previous?.timeMs ?? 0, step: previous?.step ?? 0,
                        level: level.rawValue, stream: stream.rawValue, displayOffset: LogIndexRecord.noDisplay))
                    lineStart = i + 1
                    end = start + lineStart
                }
                i += 1
            }
        }
        return (records, end, counts)
    }

    private func record(_ seq: Int) throws -> LogIndexRecord {
        var bytes = (UInt64(0), UInt64(0), UInt64(0))
        let read = try withUnsafeMutableBytes(of: &bytes) { buffer in
            try LogFileIO.readAt(index.fd, into: buffer.baseAddress!, LogIndexRecord.size, at: seq * LogIndexRecord.size, path: index.path)
        }
        guard read == LogIndexRecord.size else {
            throw LogStoreError.corrupt(path: index.path, reason: "record \(seq) is cut short")
        }
        return withUnsafeBytes(of: &bytes) { LogIndexRecord(at: $0.baseAddress!) }
    }

    /// One pass over the kept records: level counts and the end of the last display line.
    private func scan(_ count: Int, displaySize: Int) throws -> (displayEnd: Int, levelCounts: LogLevelCounts) {
        var counts = LogLevelCounts()
        var lastDisplay = LogIndexRecord.noDisplay
        let chunkRecords = 8192
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkRecords * LogIndexRecord.size, alignment: 16)
        defer { buffer.deallocate() }
        var seq = 0
        while seq < count {
            let n = min(chunkRecords, count - seq)
            let bytes = n * LogIndexRecord.size
            guard try LogFileIO.readAt(index.fd, into: buffer, bytes, at: seq * LogIndexRecord.size, path: index.path) == bytes else {
                throw LogStoreError.corrupt(path: index.path, reason: "records from \(seq) are cut short")
            }
            for k in 0..<n {
                let record = LogIndexRecord(at: buffer + k * LogIndexRecord.size)
                counts[LogLevel(rawValue: record.level) ?? .info] += 1
                if record.displayOffset != LogIndexRecord.noDisplay { lastDisplay = record.displayOffset }
            }
            seq += n
        }
        guard lastDisplay != LogIndexRecord.noDisplay else { return (0, counts) }
        guard let end = try LogFileIO.endOfLine(display.fd, from: Int(lastDisplay), fileSize: displaySize, path: display.path) else {
            throw LogStoreError.corrupt(path: display.path, reason: "the line at offset \(lastDisplay) has no end")
        }
        return (end, counts)
    }
}
