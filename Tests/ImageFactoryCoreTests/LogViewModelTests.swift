import Foundation
import Testing
import ImageFactoryCore
import ImageFactoryTUI
import Terminal

/// A log directory under the temporary directory, removed when the test ends.
private final class LogFixture {
    let url: URL
    let writer: LogWriter

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("logview-\(UUID().uuidString)")
        writer = try LogWriter(directory: url)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func add(_ text: String, display: String? = nil, level: LogLevel = .info, step: UInt16 = 0,
             stream: LogStream = .stdout, timeMs: UInt32 = 0) {
        Array(text.utf8).withUnsafeBytes { plain in
            if let display {
                Array(display.utf8).withUnsafeBytes {
                    writer.append(plain: plain, display: $0, timeMs: timeMs, step: step, level: level, stream: stream)
                }
            } else {
                writer.append(plain: plain, display: nil, timeMs: timeMs, step: step, level: level, stream: stream)
            }
        }
    }

    func reader() throws -> LogReader {
        try writer.flush()
        return try LogReader(directory: url)
    }
}

@Suite struct LogViewModelTests {
    @Test func largeLogOpensAtTheEndReadingOnlyVisiblePages() throws {
        let log = try LogFixture()
        for i in 0..<200_000 { log.add("line \(i) of the big log", level: i % 1000 == 999 ? .error : .info, timeMs: UInt32(i)) }
        let reader = try log.reader()
        let started = Date()
        let view = LogViewModel(reader: reader, width: 100, height: 40)
        var grid = Grid(width: 100, height: 40)
        view.render(into: &grid, rect: grid.bounds, style: .standard)
        print("open + end + render of 200,000 lines: \(Int(Date().timeIntervalSince(started) * 1000)) ms, \(view.linesRead) lines read")
        #expect(view.following)
        #expect(view.topLine == 200_000 - 40)
        #expect(view.currentLine?.seq == 199_999)
        #expect(grid.row(39).hasSuffix("line 199999 of the big log"))
        #expect(grid.row(39).hasPrefix("200000 "))
        // The last page, and nothing else.
        #expect(view.linesRead <= 256)
        #expect(view.cachedLineCount <= 1024)

        view.home()
        view.render(into: &grid, rect: grid.bounds, style: .standard)
        #expect(grid.row(0) == "     1 line 0 of the big log")
        view.goToLine(100_000)
        view.end()
        view.render(into: &grid, rect: grid.bounds, style: .standard)
        #expect(view.linesRead <= 4 * 256)
        #expect(view.cachedLineCount <= 1024)

        // An error-only view pages its rows in through the index, not by reading lines.
        let before = view.linesRead
        view.setLevelFilter(.errors)
        #expect(view.rowCount == 200)
        view.render(into: &grid, rect: grid.bounds, style: .standard)
        #expect(grid.row(39).hasSuffix("line 199999 of the big log"))
        #expect(view.linesRead - before <= 40)
        view.setWrap(true)
        view.end()
        #expect(view.cachedLineCount <= 1024)
    }

    @Test func followPausesOnScrollUpAndResumesAtTheBottom() throws {
        let log = try LogFixture()
        for i in 0..<100 { log.add("line \(i)") }
        let reader = try log.reader()
        let view = LogViewModel(reader: reader, width: 60, height: 10)
        #expect(view.following)
        #expect(view.followIndicator == "following")
        #expect(view.topLine == 90)

        view.scroll(by: -1)
        #expect(!view.following)
        #expect(view.topLine == 89)
        for i in 100..<1334 { log.add("line \(i)") }
        try log.writer.flush()
        try reader.refresh()
        view.appendCommitted(lineCount: reader.lineCount)
        #expect(view.topLine == 89)
        #expect(view.followIndicator == "paused — 1,234 new lines, press f or End to follow")

        view.end()
        #expect(view.following)
        #expect(view.topLine == 1334 - 10)
        #expect(view.followIndicator == "following")
        log.add("line 1334")
        try log.writer.flush()
        try reader.refresh()
        view.appendCommitted(lineCount: reader.lineCount)
        #expect(view.topLine == 1335 - 10)
        #expect(view.currentLine?.text == "line 1334")

        view.toggleFollow()
        #expect(!view.following)
        log.add("line 1335")
        try log.writer.flush()
        try reader.refresh()
        view.appendCommitted(lineCount: reader.lineCount)
        #expect(view.topLine == 1335 - 10)
        #expect(view.followIndicator == "paused — 1 new line, press f or End to follow")
        view.toggleFollow()
        #expect(view.following)
        #expect(view.topLine == 1336 - 10)

        // Paging up pauses; scrolling back down to the bottom resumes.
        view.pageUp()
        #expect(!view.following)
        #expect(view.topLine == 1336 - 20)
        view.wheel(up: false)
        #expect(!view.following)
        view.scroll(by: 100)
        #expect(view.following)
        view.handle(mouse: MouseEvent(kind: .wheelUp, x: 3, y: 3), in: Rect(x: 0, y: 0, width: 60, height: 10))
        #expect(!view.following)
        #expect(view.topLine == 1336 - 13)
        view.handle(mouse: MouseEvent(kind: .leftClick, x: 3, y: 2), in: Rect(x: 0, y: 0, width: 60, height: 10))
        #expect(view.cursor == 1336 - 11)
    }

    /// 1000 lines over four steps; every 25th holds "needle" in some case.
    private func searchLog() throws -> (LogFixture, LogReader) {
        let log = try LogFixture()
        for i in 0..<1000 {
            let text: String
            switch i % 75 {
            case 0: text = "line \(i) has a needle"
            case 25: text = "line \(i) has a Needle"
            case 50: text = "line \(i) has a NEEDLE and another needle"
            default: text = "line \(i) plain"
            }
            log.add(text, step: UInt16(i / 250))
        }
        return (log, try log.reader())
    }

    @Test func searchCountsMatchesAndWalksThemInOrderWithWrap() throws {
        let (log, reader) = try searchLog()
        _ = log
        let view = LogViewModel(reader: reader, width: 80, height: 20)
        view.home()
        view.search("needle")
        #expect(view.currentLine?.seq == 0)
        #expect(view.matchCount == nil)
        #expect(view.searchStatus == nil)
        view.computeSearchStatistics()
        #expect(view.matchCount == 40)
        #expect(view.searchStatus == "1/40")
        var visited: [Int] = [0]
        for _ in 0..<39 {
            view.nextMatch()
            visited.append(view.currentLine!.seq)
            #expect(view.notice == nil)
        }
        #expect(visited == Array(stride(from: 0, to: 1000, by: 25)))
        #expect(Set(visited.map { $0 / 250 }) == [0, 1, 2, 3])
        #expect(view.searchStatus == "40/40")
        view.nextMatch()
        #expect(view.currentLine?.seq == 0)
        #expect(view.notice == "search wrapped")
        #expect(view.searchStatus == "1/40")
        view.previousMatch()
        #expect(view.currentLine?.seq == 975)
        #expect(view.notice == "search wrapped")
        view.previousMatch()
        #expect(view.currentLine?.seq == 950)
        #expect(view.notice == nil)
        #expect(view.searchStatus == "39/40")
        view.moveCursor(by: 1)
        #expect(view.searchStatus == "40 matches")

        // Highlights: each occurrence, case-insensitively.
        view.goToLine(51)
        let line = view.visibleLines().first { $0.line.seq == 50 }!
        #expect(line.matches.map { Array(line.line.text.utf8)[$0].count } == [6, 6])
        #expect(line.matches.map(\.lowerBound) == [14, 33])
    }

    @Test func smartCaseAndAsynchronousCount() async throws {
        let (log, reader) = try searchLog()
        _ = log
        let view = LogViewModel(reader: reader, width: 80, height: 20)
        view.home()
        view.search("Needle")
        #expect(view.currentLine?.seq == 25)
        let job = try #require(view.makeSearchStatisticsJob())
        let index = try await Task.detached { try job() }.value
        #expect(view.installSearchStatistics(index))
        #expect(view.matchCount == 13)
        #expect(view.searchStatus == "1/13")
        view.search("needle and")
        #expect(!view.installSearchStatistics(index))
        view.computeSearchStatistics()
        #expect(view.matchCount == 13)
        view.search("no such text")
        #expect(view.notice == "pattern not found: no such text")
    }

    @Test func searchFollowsTheFiltersAndStepsStayReachable() throws {
        let log = try LogFixture()
        log.add("step zero needle", step: 0)
        log.add("step one plain", step: 1)
        log.add("step one needle", level: .warn, step: 1)
        log.add("step two needle", level: .error, step: 2)
        let view = LogViewModel(reader: try log.reader(), width: 80, height: 10)
        view.home()
        view.search("needle")
        #expect(view.currentLine?.step == 0)
        view.nextMatch()
        #expect(view.currentLine?.step == 1)
        view.nextMatch()
        #expect(view.currentLine?.step == 2)
        view.setStepFilter(1)
        #expect(view.rowCount == 2)
        view.computeSearchStatistics()
        #expect(view.matchCount == 1)
        view.setStepFilter(nil)
        view.setLevelFilter(.warnings)
        view.computeSearchStatistics()
        #expect(view.matchCount == 2)
    }

    @Test func levelFilterAndErrorJumps() throws {
        let log = try LogFixture()
        for i in 0..<500 {
            let level: LogLevel = i % 100 == 40 ? .error : i % 50 == 10 ? .warn : .info
            log.add("line \(i) \(level.name)", level: level)
        }
        let view = LogViewModel(reader: try log.reader(), width: 80, height: 10)
        view.home()
        view.nextError()
        #expect(view.currentLine?.seq == 40)
        view.nextError()
        #expect(view.currentLine?.seq == 140)
        view.nextWarning()
        #expect(view.currentLine?.seq == 160)
        view.previousError()
        #expect(view.currentLine?.seq == 140)
        view.previousWarning()
        #expect(view.currentLine?.seq == 110)
        view.end()
        view.nextError()
        #expect(view.notice == "no more errors below")
        view.previousError()
        #expect(view.currentLine?.seq == 440)

        view.setLevelFilter(.warnings)
        #expect(view.rowCount == 15)
        #expect(view.currentLine?.seq == 440)
        view.home()
        #expect(view.visibleRows().map(\.line.seq) == [10, 40, 60, 110, 140, 160, 210, 240, 260, 310])
        view.nextError()
        #expect(view.currentLine?.seq == 40)
        view.nextError()
        #expect(view.currentLine?.seq == 140)
        view.cycleLevelFilter()
        #expect(view.levelFilter == .errors)
        #expect(view.rowCount == 5)
        #expect(view.currentLine?.seq == 140)
        view.nextWarning()
        #expect(view.notice == "warnings are hidden by the level filter")
        view.cycleLevelFilter()
        #expect(view.levelFilter == .all)
        #expect(view.rowCount == 500)
        #expect(view.currentLine?.seq == 140)
    }

    @Test func goToLineUsesGutterNumbers() throws {
        let log = try LogFixture()
        for i in 0..<1000 { log.add("line \(i)", level: i == 700 ? .error : .info) }
        let view = LogViewModel(reader: try log.reader(), width: 80, height: 10)
        view.goToLine(500)
        #expect(view.currentLine?.seq == 499)
        #expect(!view.following)
        #expect(view.visibleRows().contains { $0.line.seq == 499 })
        view.goToLine(5000)
        #expect(view.currentLine?.seq == 999)
        view.goToLine(0)
        #expect(view.currentLine?.seq == 0)
        #expect(view.currentLineText == "line 0")
        view.setLevelFilter(.errors)
        view.goToLine(10)
        #expect(view.currentLine?.seq == 700)
        #expect(view.notice == "line 10 is hidden by the filter")
    }

    @Test func wrapCutsLongLinesIntoRows() throws {
        let log = try LogFixture()
        log.add("short")
        let long = (0..<25).map { String(format: "%09d,", $0) }.joined()  // 250 columns
        log.add(long)
        log.add("wide 漢字漢字 end")
        log.add("tab\there")
        let view = LogViewModel(reader: try log.reader(), width: 104, height: 10)
        #expect(view.textWidth == 100)
        let unwrapped: [String] = ["short", String(long.prefix(100)), "wide 漢字漢字 end", "tab     here"]
        #expect(view.visibleRows().map(\.text) == unwrapped)
        view.setWrap(true)
        let rows = view.visibleRows()
        let pieces: [String] = [String(long.prefix(100)), String(long.dropFirst(100).prefix(100)), String(long.suffix(50))]
        let expected: [String] = ["short"] + pieces + ["wide 漢字漢字 end", "tab     here"]
        #expect(rows.map(\.text) == expected)
        #expect(rows.map(\.wrapIndex) == [0, 0, 1, 2, 0, 0])
        #expect(rows.map(\.line.seq) == [0, 1, 1, 1, 2, 3])

        // A wide character never straddles two rows.
        view.resize(width: 4 + 9, height: 10)
        let wide = view.visibleRows().filter { $0.line.seq == 2 }.map(\.text)
        #expect(wide == ["wide 漢字", "漢字 end"])

        // Scrolling by screen rows walks through a wrapped line; the bottom is the last screen row.
        view.resize(width: 104, height: 3)
        #expect(view.following)
        #expect(view.visibleRows().map(\.text).last == "tab     here")
        #expect(view.topLine == 1)
        #expect(view.topSubrow == 2)
        view.scroll(by: -1)
        #expect(view.topLine == 1)
        #expect(view.topSubrow == 1)
        #expect(!view.following)
        view.scroll(by: -2)
        #expect(view.topLine == 0)
        #expect(view.topSubrow == 0)
        view.scroll(by: 5)
        #expect(view.following)
    }

    @Test func timestampsAbsoluteAndRelative() throws {
        let log = try LogFixture()
        log.add("first", timeMs: 0)
        log.add("second", timeMs: 62_345)
        log.add("third", timeMs: 3_723_004)
        let start = ISO8601DateFormatter().date(from: "2026-11-26T12:00:00Z")!
        let view = LogViewModel(reader: try log.reader(), buildStart: start, timeZone: TimeZone(identifier: "UTC")!,
                                width: 60, height: 5)
        let lines = view.visibleLines().map(\.line)
        #expect(view.timestamp(for: lines[0]) == nil)
        view.cycleTimestampMode()
        #expect(view.timestampMode == .absolute)
        #expect(lines.map { view.timestamp(for: $0) } == ["12:00:00.000", "12:01:02.345", "13:02:03.004"])
        view.cycleTimestampMode()
        #expect(view.timestampMode == .relative)
        #expect(lines.map { view.timestamp(for: $0) } == ["+00:00.000", "+01:02.345", "+1:02:03.004"])
        var grid = Grid(width: 60, height: 5)
        view.render(into: &grid, rect: grid.bounds, style: .standard)
        #expect(grid.row(1) == "  2 +01:02.345   second")
        #expect(grid[4, 1].style == LogViewStyle.standard.timestamp)
        view.cycleTimestampMode()
        #expect(view.timestampMode == .off)
        view.buildStart = nil
        view.cycleTimestampMode()
        #expect(view.timestampMode == .relative)
    }

    @Test func renderDrawsGutterLevelsColoursMatchesAndCursor() throws {
        let log = try LogFixture()
        log.add("plain info line")
        log.add("warning: careful", level: .warn)
        log.add("error: broken", level: .error, stream: .stderr)
        log.add("==> Step 2: build", stream: .system)
        log.add("green then plain", display: "\u{1B}[32mgreen\u{1B}[0m then \u{1B}[1;38;5;208mplain\u{1B}[m")
        log.add("find the needle here")
        let view = LogViewModel(reader: try log.reader(), width: 40, height: 8)
        let style = LogViewStyle.standard
        view.search("needle")
        var grid = Grid(width: 40, height: 8)
        view.render(into: &grid, rect: grid.bounds, style: style)
        #expect(grid.text == """
              1 plain info line
              2 warning: careful
              3 error: broken
              4 ==> Step 2: build
              5 green then plain
              6 find the needle here


            """)
        #expect(!grid.cells.contains { $0.text.unicodeScalars.contains { $0.value == 0x1B } })
        #expect(grid[0, 0].style == style.dim)
        #expect(grid.style(of: "plain info") == style.info)
        #expect(grid.style(of: "warning") == style.warn)
        #expect(grid.style(of: "error") == style.error)
        #expect(grid.style(of: "==>") == style.system)
        #expect(grid.style(of: "green")?.foreground == .green)
        #expect(grid.style(of: " then")?.foreground == .default)
        #expect(grid.style(of: "plain")?.foreground == .default)  // first "plain" is row 0's info text
        #expect(grid[15, 4].style.foreground == .index(208))
        #expect(grid[15, 4].style.bold)
        // The cursor is on the match: the current-match style there, the cursor line colour around it.
        #expect(grid[13, 5].text == "n")
        #expect(grid[13, 5].style == style.currentMatch)
        #expect(grid[6, 5].style.background == style.cursorLine.background)
        #expect(grid[30, 5].style.background == style.cursorLine.background)
        view.moveCursor(by: -1)
        // Moving up pauses following: the view stays where the user put it.
        #expect(!view.following)
        view.render(into: &grid, rect: grid.bounds, style: style)
        #expect(grid[13, 5].style == style.searchMatch)
        #expect(grid[6, 4].style.background == style.cursorLine.background)
        #expect(grid[6, 5].style.background == .default)

        // Drawn inside a sub-rectangle, clipped to it.
        var small = Grid(width: 30, height: 4)
        view.render(into: &small, rect: Rect(x: 2, y: 1, width: 20, height: 2), style: style)
        #expect(small.row(0) == "")
        #expect(small.row(1) == "    4 ==> Step 2: buil")
        #expect(small.row(3) == "")
    }

    @Test func excerptOfTheFailedStep() throws {
        let log = try LogFixture()
        for i in 0..<20 { log.add("setup \(i)", step: 0) }
        for i in 0..<50 {
            let isError = i == 10 || i == 30
            log.add(isError ? "error: problem \(i)" : "compile \(i)", level: isError ? .error : .info, step: 1)
        }
        log.add("error: step 2 failed with exit status 1", level: .error, step: 1, stream: .system)
        log.add("other step output", step: 2)
        let view = LogViewModel(reader: try log.reader(), width: 80, height: 10)
        let excerpt = try #require(try view.errorExcerpt(context: 2))
        #expect(excerpt.step == 1)
        #expect(excerpt.errorCount == 3)
        #expect(!excerpt.truncated)
        #expect(excerpt.text == """
            compile 8
            compile 9
            error: problem 10
            compile 11
            compile 12
            …
            compile 28
            compile 29
            error: problem 30
            compile 31
            compile 32
            …
            compile 48
            compile 49
            error: step 2 failed with exit status 1
            """)
        let capped = try #require(try view.errorExcerpt(failedStep: 1, context: 2, maxLines: 8))
        #expect(capped.truncated)
        #expect(capped.lines.count <= 8)
        #expect(capped.lines.first?.text == "compile 8")
        #expect(capped.lines.last?.text == "error: step 2 failed with exit status 1")
        let quiet = try #require(try view.errorExcerpt(failedStep: 0, maxLines: 3))
        #expect(quiet.text == "setup 17\nsetup 18\nsetup 19")
    }

    @Test func saveWritesTheFilteredOrWholeLog() throws {
        let log = try LogFixture()
        var all: [String] = []
        var errors: [String] = []
        for i in 0..<10_000 {
            let text = "line \(i)\twith tab"
            all.append(text)
            if i % 7 == 3 { errors.append(text) }
            log.add(text, level: i % 7 == 3 ? .error : .info)
        }
        let view = LogViewModel(reader: try log.reader(), width: 80, height: 10)
        let out = log.url.appendingPathComponent("saved.txt")
        view.setLevelFilter(.errors)
        #expect(try view.save(to: out) == errors.count)
        #expect(try String(contentsOf: out, encoding: .utf8) == errors.joined(separator: "\n") + "\n")
        #expect(try view.save(to: out, filtered: false) == 10_000)
        #expect(try String(contentsOf: out, encoding: .utf8) == all.joined(separator: "\n") + "\n")
        #expect(view.cachedLineCount <= 1024)
    }

    @Test func emptyLogIsHarmless() throws {
        let log = try LogFixture()
        let view = LogViewModel(reader: try log.reader(), width: 40, height: 5)
        view.moveCursor(by: 3)
        view.pageDown()
        view.nextError()
        view.search("x")
        view.goToLine(3)
        view.setWrap(true)
        var grid = Grid(width: 40, height: 5)
        view.render(into: &grid, rect: grid.bounds, style: .standard)
        #expect(grid.row(0) == "    (no lines yet)")
        #expect(view.currentLine == nil)
        #expect(try view.errorExcerpt() == nil)
    }
}

@Suite struct SGRParserTests {
    @Test func basicColoursBoldAndReset() {
        let spans = SGRParser.parse("\u{1B}[1;31mred\u{1B}[0m plain \u{1B}[4;42mgreen bg\u{1B}[24mno underline\u{1B}[39;49m")
        #expect(spans == [
            SGRSpan(text: "red", attributes: SGRAttributes(foreground: .red, bold: true)),
            SGRSpan(text: " plain ", attributes: .none),
            SGRSpan(text: "green bg", attributes: SGRAttributes(background: .green, underline: true)),
            SGRSpan(text: "no underline", attributes: SGRAttributes(background: .green)),
        ])
    }

    @Test func brightAnd256AndTruecolour() {
        #expect(SGRParser.parse("\u{1B}[91ma\u{1B}[0m").first?.attributes.foreground == .index(9))
        #expect(SGRParser.parse("\u{1B}[104ma").first?.attributes.background == .index(12))
        #expect(SGRParser.parse("\u{1B}[38;5;196ma").first?.attributes.foreground == .index(196))
        #expect(SGRParser.parse("\u{1B}[38:5:82ma").first?.attributes.foreground == .index(82))
        #expect(SGRParser.parse("\u{1B}[48;2;255;0;0ma").first?.attributes.background == .index(196))
        #expect(SGRParser.parse("\u{1B}[38:2::0:0:255ma").first?.attributes.foreground == .index(21))
        #expect(SGRParser.parse("\u{1B}[38;2;128;128;128ma").first?.attributes.foreground == .index(244))
        // Parameters after an extended colour still apply.
        let both = SGRParser.parse("\u{1B}[38;5;1;1;7ma").first?.attributes
        #expect(both == SGRAttributes(foreground: .index(1), bold: true, reverse: true))
        var attributes = SGRAttributes.none
        SGRParser.apply("2;4", to: &attributes)
        #expect(attributes == SGRAttributes(dim: true, underline: true))
        SGRParser.apply("22", to: &attributes)
        #expect(attributes == SGRAttributes(underline: true))
        SGRParser.apply("", to: &attributes)
        #expect(attributes == .none)
    }

    @Test func otherSequencesAndControlsAreDropped() {
        let spans = SGRParser.parse("a\u{1B}[2Jb\u{1B}]0;title\u{07}c\u{1B}7d\u{01}e\tf\u{1B}")
        let text = spans.map(\.text).joined()
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" })
        #expect(text == "abcde\tf")
        #expect(SGRParser.strip("\u{1B}[31mred\u{1B}[0m") == "red")
        #expect(SGRParser.parse("") == [])
    }

    @Test func attributesOverABaseStyle() {
        let base = TextStyle(foreground: .yellow, background: .blue)
        #expect(SGRAttributes.none.applied(to: base) == base)
        #expect(SGRAttributes(foreground: .red, bold: true).applied(to: base)
                == TextStyle(foreground: .red, background: .blue, bold: true))
    }
}
