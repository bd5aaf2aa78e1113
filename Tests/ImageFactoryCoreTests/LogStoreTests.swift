import Foundation
import Testing
@testable import ImageFactoryCore

@Suite struct LogStoreTests {
    /// A fresh directory under the temporary directory, removed when the test ends.
    private final class TemporaryDirectory {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("logkit-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    private func ingest(_ writer: LogWriter, _ text: String, stream: LogStream = .stdout, step: UInt16 = 0, timeMs: UInt32 = 0) {
        Array(text.utf8).withUnsafeBytes { writer.ingest(chunk: $0, stream: stream, step: step, timeMs: timeMs) }
    }

    private func append(_ writer: LogWriter, _ text: String, level: LogLevel = .info, step: UInt16 = 0, timeMs: UInt32 = 0) {
        Array(text.utf8).withUnsafeBytes {
            writer.append(plain: $0, display: nil, timeMs: timeMs, step: step, level: level, stream: .stdout)
        }
    }

    private func fileSize(_ directory: URL, _ name: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size] as! Int
    }

    private func appendBytes(_ directory: URL, _ name: String, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: directory.appendingPathComponent(name))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    /// A writer stopped by a full disk wrote text whose index records it could not write; the end recorded
    /// later adopts those lines (and only whole ones), but a reopen at a committed count never does.
    @Test func completeTextLinesWithoutIndexRecordsAreAdoptedForABuildsEnd() throws {
        let dir = try TemporaryDirectory()
        do {
            let writer = try LogWriter(directory: dir.url)
            append(writer, "kept 1", step: 2, timeMs: 40)
            append(writer, "kept 2", step: 2, timeMs: 50)
            try writer.flush()
        }
        try appendBytes(dir.url, LogFiles.text, Array("orphan 1\nerror: orphan 2\ntorn".utf8))
        let committed = try LogWriter(directory: dir.url, committedLines: 2, adoptUnindexedLines: true)
        #expect(committed.lineCount == 2)
        try appendBytes(dir.url, LogFiles.text, Array("orphan 1\nerror: orphan 2\ntorn".utf8))
        let adopted = try LogWriter(directory: dir.url, adoptUnindexedLines: true)
        #expect(adopted.lineCount == 4)
        #expect(adopted.levelCounts.error == 1)
        let reader = try LogReader(directory: dir.url, committedLines: 4)
        let lines = try reader.lines(0..<4)
        #expect(lines.map(\.text) == ["kept 1", "kept 2", "orphan 1", "error: orphan 2"])
        #expect(lines[3].level == .error && lines[3].step == 2 && lines[3].timeMs == 50 && lines[3].stream == .stdout)
        #expect(try fileSize(dir.url, LogFiles.text) == "kept 1\nkept 2\norphan 1\nerror: orphan 2\n".utf8.count)
    }

    @Test func roundTripKeepsLevelsStepsTimesStreamsAndColour() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        writer.append(system: "==> Step 1: Build", timeMs: 0, step: 1)
        ingest(writer, "compiling\n\u{1B}[31merror:\u{1B}[0m boom\nhalf", stream: .stderr, step: 1, timeMs: 250)
        ingest(writer, " line\nwarning: careful\n", stream: .stderr, step: 1, timeMs: 300)
        ingest(writer, "no newline at end", stream: .stdout, step: 2, timeMs: 400)
        writer.finishStream(.stdout, step: 2, timeMs: 450)
        let commit = try writer.flush()
        #expect(commit.lineCount == 6)
        #expect(commit.levelCounts == LogLevelCounts(info: 4, warn: 1, error: 1))
        #expect(commit.bytes == Int64(try fileSize(dir.url, LogFiles.text)))

        let reader = try LogReader(directory: dir.url)
        let lines = try reader.lines(0..<10)
        #expect(lines == [
            LogLine(seq: 0, timeMs: 0, step: 1, level: .info, stream: .system, text: "==> Step 1: Build", display: "==> Step 1: Build"),
            LogLine(seq: 1, timeMs: 250, step: 1, level: .info, stream: .stderr, text: "compiling", display: "compiling"),
            LogLine(seq: 2, timeMs: 250, step: 1, level: .error, stream: .stderr, text: "error: boom",
                    display: "\u{1B}[31merror:\u{1B}[0m boom"),
            LogLine(seq: 3, timeMs: 300, step: 1, level: .info, stream: .stderr, text: "half line", display: "half line"),
            LogLine(seq: 4, timeMs: 300, step: 1, level: .warn, stream: .stderr, text: "warning: careful", display: "warning: careful"),
            LogLine(seq: 5, timeMs: 450, step: 2, level: .info, stream: .stdout, text: "no newline at end", display: "no newline at end"),
        ])
        let text = try String(contentsOf: dir.url.appendingPathComponent(LogFiles.text), encoding: .utf8)
        #expect(text == "==> Step 1: Build\ncompiling\nerror: boom\nhalf line\nwarning: careful\nno newline at end\n")
        #expect(try fileSize(dir.url, LogFiles.index) == 6 * 24)
        #expect(reader.levelCounts() == commit.levelCounts)
        #expect(reader.stepRanges() == [
            LogStepRange(step: 1, lines: 0..<5, lineCount: 5), LogStepRange(step: 2, lines: 5..<6, lineCount: 1),
        ])
    }

    @Test func methodParserCanOverrideLevelAndStep() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        Array("STEP 2/2: RUN make\nplain output\n".utf8).withUnsafeBytes {
            writer.ingest(chunk: $0, stream: .stdout, step: 1, timeMs: 5) { plain, _, level, step in
                if plain.starts(with: "STEP 2/2".utf8) { step = 2 }
                if plain.starts(with: "plain".utf8) { level = .warn; step = 2 }
            }
        }
        try writer.flush()
        let lines = try LogReader(directory: dir.url).lines(0..<2)
        #expect(lines.map(\.step) == [2, 2])
        #expect(lines.map(\.level) == [.info, .warn])
    }

    @Test func searchAndCountHonourLevelAndStepFilters() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        for i in 0..<1000 {
            let step = UInt16(i / 250)
            let level: LogLevel = i % 100 == 7 ? .error : i % 10 == 3 ? .warn : .info
            append(writer, i % 50 == 0 ? "line \(i) contains Needle here" : "line \(i) ordinary text", level: level, step: step)
        }
        append(writer, "needle needle needle twice on one line", level: .error, step: 3)
        try writer.flush()
        let reader = try LogReader(directory: dir.url)
        let all = Array(stride(from: 0, to: 1000, by: 50))
        #expect(try reader.search("Needle", limit: 100) == all)
        #expect(try reader.countMatches("Needle") == 20)
        #expect(try reader.search("Needle", from: 101, limit: 3) == [150, 200, 250])
        #expect(try reader.search("Needle", step: 1, limit: 100) == [250, 300, 350, 400, 450])
        #expect(try reader.countMatches("Needle", step: 1) == 5)
        #expect(try reader.countMatches("needle") == 1)
        #expect(try reader.countMatches("needle", caseInsensitive: true) == 21)
        #expect(try reader.search("NEEDLE", caseInsensitive: true, levels: [.error], limit: 10) == [1000])
        #expect(try reader.countMatches("ordinary", levels: [.error]) == 10)
        #expect(try reader.countMatches("ordinary", levels: [.warn, .error]) == 110)
        #expect(try reader.countMatches("line 99") == 11)
        #expect(try reader.countMatches("not present anywhere") == 0)
        #expect(try reader.countMatches("a\nb") == 0)
        #expect(try reader.searchBackward("Needle", limit: 3) == [950, 900, 850])
        #expect(try reader.searchBackward("Needle", before: 120, limit: 5) == [100, 50, 0])
        #expect(reader.filter(levels: [.error], step: nil, limit: 4) == [7, 107, 207, 307])
        #expect(reader.filter(levels: [.error], step: 2, from: 600, limit: 10) == [607, 707])
        #expect(try reader.lastLines(2, levels: [.error]).map(\.seq) == [907, 1000])
        #expect(try reader.lastLines(3, step: 0).map(\.seq) == [247, 248, 249])
    }

    @Test func caseInsensitiveSearchFindsMatchesAcrossItsWindowBoundaries() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        // ~1.2 MB of text so matches fall on both sides of the 256 KiB lowering windows.
        var expected: [Int] = []
        for i in 0..<20000 {
            let hit = i % 997 == 0 || i % 1999 == 1
            if hit { expected.append(i) }
            append(writer, hit ? "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx MiXeD CaSe \(i)" : String(repeating: "y", count: 60))
        }
        try writer.flush()
        let reader = try LogReader(directory: dir.url)
        #expect(try reader.search("mixed case", caseInsensitive: true, limit: 1000) == expected)
        #expect(try reader.countMatches("MIXED CASE", caseInsensitive: true) == expected.count)
        #expect(try reader.searchBackward("mixed case", caseInsensitive: true, limit: 1000) == expected.reversed())
    }

    @Test func readerWithCommittedLinesIgnoresAnUncommittedTail() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        for i in 0..<10 { append(writer, "line \(i) match") }
        let commit = try writer.flush()
        for i in 10..<15 { append(writer, "line \(i) match") }
        try writer.flush()
        let reader = try LogReader(directory: dir.url, committedLines: commit.lineCount)
        #expect(reader.lineCount == 10)
        #expect(try reader.lines(8..<20).map(\.text) == ["line 8 match", "line 9 match"])
        #expect(try reader.countMatches("match") == 10)
        #expect(try reader.search("match", from: 5, limit: 100) == [5, 6, 7, 8, 9])
        #expect(try reader.lastLines(1).first?.seq == 9)
        try reader.refresh()
        #expect(reader.lineCount == 15)
    }

    @Test func readerWithoutCountSkipsARecordWhoseTextIsNotComplete() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        for i in 0..<3 { append(writer, "line \(i)") }
        try writer.flush()
        // A record that points at text that never got its newline, and half of another record.
        let textSize = try fileSize(dir.url, LogFiles.text)
        try appendBytes(dir.url, LogFiles.text, Array("torn".utf8))
        var record = [UInt8](repeating: 0, count: 24)
        withUnsafeBytes(of: UInt64(textSize).littleEndian) { record.replaceSubrange(0..<8, with: $0) }
        withUnsafeBytes(of: UInt64.max) { record.replaceSubrange(16..<24, with: $0) }
        try appendBytes(dir.url, LogFiles.index, record + [1, 2, 3])
        let reader = try LogReader(directory: dir.url)
        #expect(reader.lineCount == 3)
        #expect(try reader.countMatches("torn") == 0)
    }

    @Test func reopeningWithCommittedLinesTruncatesATornTail() throws {
        let dir = try TemporaryDirectory()
        var commit: LogCommit
        do {
            let writer = try LogWriter(directory: dir.url)
            for i in 0..<10 {
                Array("\u{1B}[32mgreen \(i)\u{1B}[0m".utf8).withUnsafeBytes {
                    writer.ingest(chunk: $0, stream: .stdout, step: 1, timeMs: UInt32(i))
                }
                ingest(writer, "\n", step: 1)
            }
            commit = try writer.flush()
            for i in 10..<13 { ingest(writer, "\u{1B}[1mlater \(i)\u{1B}[0m\n", step: 1) }
            try writer.flush()
        }
        // The crash tore the tail: half a record, half a line.
        try appendBytes(dir.url, LogFiles.index, [9, 9, 9, 9, 9])
        try appendBytes(dir.url, LogFiles.text, Array("partial li".utf8))
        try appendBytes(dir.url, LogFiles.display, Array("\u{1B}[1mpartial".utf8))

        let writer = try LogWriter(directory: dir.url, committedLines: commit.lineCount)
        #expect(writer.lineCount == 10)
        #expect(writer.levelCounts == LogLevelCounts(info: 10))
        #expect(try fileSize(dir.url, LogFiles.index) == 10 * 24)
        #expect(try fileSize(dir.url, LogFiles.text) == Int(commit.bytes))
        #expect(try fileSize(dir.url, LogFiles.display) == 10 * "\u{1B}[32mgreen 0\u{1B}[0m\n".utf8.count)
        ingest(writer, "\u{1B}[33mafter restart\u{1B}[0m\n", step: 2, timeMs: 99)
        let second = try writer.flush()
        #expect(second.lineCount == 11)

        let reader = try LogReader(directory: dir.url)
        let lines = try reader.lines(0..<11)
        #expect(lines.map(\.text) == (0..<10).map { "green \($0)" } + ["after restart"])
        #expect(lines[9].display == "\u{1B}[32mgreen 9\u{1B}[0m")
        #expect(lines[10].display == "\u{1B}[33mafter restart\u{1B}[0m")
        #expect(lines[10].step == 2 && lines[10].timeMs == 99)
    }

    @Test func reopeningWithMoreCommittedLinesThanStoredIsReported() throws {
        let dir = try TemporaryDirectory()
        do {
            let writer = try LogWriter(directory: dir.url)
            append(writer, "only line")
            try writer.flush()
        }
        #expect(throws: LogStoreError.missingLines(directory: dir.url.path, committed: 5, available: 1)) {
            try LogWriter(directory: dir.url, committedLines: 5)
        }
        let writer = try LogWriter(directory: dir.url)
        #expect(writer.lineCount == 1)
    }

    @Test func readerSeesNewLinesAfterTheWriterFlushes() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        let reader = try LogReader(directory: dir.url)
        #expect(reader.lineCount == 0)
        #expect(try reader.search("x", limit: 5).isEmpty)
        append(writer, "first x")
        #expect(reader.lineCount == 0)
        let commit = try writer.flush()
        try reader.refresh(committedLines: commit.lineCount)
        #expect(try reader.lines(0..<1).map(\.text) == ["first x"])
        // Grow well past the initial mapping's headroom.
        let big = String(repeating: "z", count: 1000)
        for _ in 0..<20000 { append(writer, big) }
        append(writer, "last x")
        try writer.flush()
        try reader.refresh()
        #expect(reader.lineCount == 20002)
        #expect(try reader.search("x", limit: 5) == [0, 20001])
        #expect(try reader.line(20001)?.text == "last x")
    }

    @Test func linesLargerThanTheWriteBufferAreStoredWhole() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        let huge = String(repeating: "0123456789", count: 50_000)
        append(writer, "before")
        append(writer, huge)
        Array("\u{1B}[31m\(huge)\u{1B}[0m\n".utf8).withUnsafeBytes {
            writer.ingest(chunk: $0, stream: .stdout, step: 0, timeMs: 0)
        }
        append(writer, "after")
        try writer.flush()
        let lines = try LogReader(directory: dir.url).lines(0..<4)
        #expect(lines.map(\.text) == ["before", huge, huge, "after"])
        #expect(lines[2].display == "\u{1B}[31m\(huge)\u{1B}[0m")
    }

    @Test func newlinesInAppendedTextCannotBreakTheLineStructure() throws {
        let dir = try TemporaryDirectory()
        let writer = try LogWriter(directory: dir.url)
        append(writer, "one\ntwo")
        writer.append(system: "multi\nline\n", timeMs: 1, step: 0, level: .warn)
        try writer.flush()
        let lines = try LogReader(directory: dir.url).lines(0..<10)
        #expect(lines.map(\.text) == ["one two", "multi", "line"])
        #expect(lines.map(\.level) == [.info, .warn, .warn])
    }
}
