import Foundation
import ImageFactoryCore

/// Which levels the view shows.
public enum LogLevelFilter: String, Sendable, CaseIterable {
    case all
    /// Warnings and errors.
    case warnings
    case errors

    public var levels: Set<LogLevel>? {
        switch self {
        case .all: nil
        case .warnings: [.warn, .error]
        case .errors: [.error]
        }
    }

    public var label: String {
        switch self {
        case .all: "all"
        case .warnings: "warn+"
        case .errors: "error"
        }
    }
}

/// The state of one log screen over a ``LogReader``: viewport, cursor, follow mode, filters, search,
/// timestamps and wrapping. It never holds the whole log: rows map to lines through a chunked index
/// (``LogRowIndex``) and only the lines of the visible window are read, through a cache of a few pages.
///
/// Rows are the lines of the filtered view, numbered from 0; a wrapped line still is one row and takes
/// several screen rows. Not thread-safe: owned by the UI's task. Reading errors do not throw from
/// navigation; they leave the view as it was and set ``notice``.
public final class LogViewModel {
    public let reader: any LogSource
    /// Lines of the log the view shows (the committed count it was told about).
    public private(set) var lineCount: Int
    public private(set) var width: Int
    public private(set) var height: Int
    /// Row at the top of the screen, and which of its wrapped screen rows is the first one shown.
    public internal(set) var topLine = 0
    public internal(set) var topSubrow = 0
    /// The selected row.
    public internal(set) var cursor = 0
    /// First text column shown when not wrapping.
    public private(set) var leftColumn = 0
    /// Keeps the view at the bottom as lines arrive; on while the view is at the bottom.
    public internal(set) var following = true
    /// Rows that arrived while follow mode was paused.
    public internal(set) var newLinesWhilePaused = 0
    public private(set) var wrap = false
    public private(set) var timestampMode: LogTimestampMode = .off
    public var buildStart: Date?
    public var timeZone: TimeZone {
        didSet { calendar.timeZone = timeZone }
    }
    public private(set) var levelFilter: LogLevelFilter = .all
    public private(set) var stepFilter: UInt16?
    /// A one-shot message for the status line ("search wrapped", "no more errors below"); every
    /// operation clears it first.
    public internal(set) var notice: String?

    // Search state (see LogViewModel+Search.swift).
    public internal(set) var searchQuery: String?
    var matcher: LogTextMatcher?
    var searchIndex: LogSearchIndex?
    var currentMatchSeq: Int?
    var cachedOrdinal: (seq: Int, ordinal: Int)?

    var rowIndex: LogRowIndex
    let cache: LogLineCache
    var calendar: Calendar
    private var relativeWidth: Int?

    /// `lineCount` is the committed line count (default: every line the reader sees). The view starts
    /// following, at the bottom.
    public init(reader: any LogSource, lineCount: Int? = nil, buildStart: Date? = nil, timeZone: TimeZone = .current,
                width: Int = 80, height: Int = 24, cachePages: Int = 4, pageSize: Int = 256) {
        self.reader = reader
        self.lineCount = max(0, min(lineCount ?? reader.lineCount, reader.lineCount))
        self.buildStart = buildStart
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        self.width = max(1, width)
        self.height = max(1, height)
        cache = LogLineCache(pageSize: pageSize, pages: cachePages)
        rowIndex = LogRowIndex(levels: nil, step: nil)
        rowIndex.extend(reader: reader, to: self.lineCount)
        moveToBottom()
    }

    // MARK: - Facts

    /// Rows in the (filtered) view.
    public var rowCount: Int { rowIndex.count }

    /// Lines read from the reader so far and lines held in the cache: what "only the visible pages are
    /// read" is checked against.
    public var linesRead: Int { cache.linesRead }
    public var cachedLineCount: Int { cache.count }

    /// The selected line.
    public var currentLine: LogLine? { rowCount == 0 ? nil : lines(rows: cursor..<(cursor + 1)).first }

    /// The selected line's plain text, for copying.
    public var currentLineText: String? { currentLine?.text }

    /// "paused — 1,234 new lines, press f or End to follow", or "following".
    public var followIndicator: String {
        if following { return "following" }
        if newLinesWhilePaused == 0 { return "paused — press f or End to follow" }
        let noun = newLinesWhilePaused == 1 ? "line" : "lines"
        return "paused — \(LogTimestampFormat.grouped(newLinesWhilePaused)) new \(noun), press f or End to follow"
    }

    /// Columns of the line-number gutter, including its separating space.
    public var gutterWidth: Int { max(3, String(max(1, lineCount)).count) + 1 }

    /// Columns of the timestamp column, including its separating space (0 when off).
    public var timestampWidth: Int {
        switch effectiveTimestampMode {
        case .off: return 0
        case .absolute: return 13
        case .relative:
            if relativeWidth == nil {
                let last = lineCount > 0 ? (try? reader.line(lineCount - 1))?.timeMs ?? 0 : 0
                relativeWidth = LogTimestampFormat.relativeWidth(upTo: last)
            }
            return relativeWidth! + 1
        }
    }

    /// Columns left for the text.
    public var textWidth: Int { max(1, width - gutterWidth - timestampWidth) }

    /// Absolute time needs the build's start; without it the view shows relative times.
    var effectiveTimestampMode: LogTimestampMode {
        timestampMode == .absolute && buildStart == nil ? .relative : timestampMode
    }

    /// The line's timestamp as shown in the current mode (nil when off).
    public func timestamp(for line: LogLine) -> String? {
        switch effectiveTimestampMode {
        case .off: nil
        case .relative: LogTimestampFormat.relative(line.timeMs)
        case .absolute: LogTimestampFormat.absolute(line.timeMs, start: buildStart!, calendar: calendar)
        }
    }

    // MARK: - Growing log

    /// Takes in lines committed since (call after refreshing the reader). Following, the view stays at
    /// the bottom; paused, it stays put and counts the new rows.
    public func appendCommitted(lineCount newCount: Int) {
        let newCount = min(newCount, reader.lineCount)
        guard newCount > lineCount else { return }
        let oldRows = rowCount
        let cursorWasLast = cursor >= oldRows - 1
        lineCount = newCount
        relativeWidth = nil
        rowIndex.extend(reader: reader, to: newCount)
        if var index = searchIndex {
            do {
                try index.extend(reader: reader, to: newCount)
                searchIndex = index
            } catch {
                searchIndex = nil
            }
        }
        if following {
            moveToBottom(cursorToLast: cursorWasLast)
        } else {
            newLinesWhilePaused += rowCount - oldRows
        }
    }

    // MARK: - Viewport

    public func resize(width: Int, height: Int) {
        let width = max(1, width)
        let height = max(1, height)
        guard width != self.width || height != self.height else { return }
        self.width = width
        self.height = height
        relayout()
    }

    /// Moves the cursor by `delta` rows, scrolling to keep it visible (arrow keys).
    public func moveCursor(by delta: Int) {
        navigate {
            guard rowCount > 0 else { return }
            cursor = clamp(cursor + delta, 0, rowCount - 1)
            ensureCursorVisible()
        }
    }

    /// Scrolls the view by `delta` screen rows; the cursor stays on screen (mouse wheel, ctrl-e/y).
    public func scroll(by delta: Int) {
        navigate {
            scrollTop(by: delta)
            clampCursorIntoView()
        }
    }

    /// Mouse wheel: three screen rows a notch.
    public func wheel(up: Bool) { scroll(by: up ? -3 : 3) }

    public func pageDown() { page(1) }
    public func pageUp() { page(-1) }

    private func page(_ direction: Int) {
        navigate {
            guard rowCount > 0 else { return }
            let before = topLine
            scrollTop(by: direction * height)
            let moved = topLine - before
            cursor = moved == 0 ? (direction > 0 ? rowCount - 1 : 0) : clamp(cursor + moved, 0, rowCount - 1)
            clampCursorIntoView()
        }
    }

    public func home() {
        navigate {
            topLine = 0
            topSubrow = 0
            cursor = 0
        }
    }

    /// To the bottom; resumes following.
    public func end() {
        notice = nil
        moveToBottom()
    }

    /// `f`: pauses following, or jumps to the bottom and follows.
    public func toggleFollow() {
        notice = nil
        if following {
            following = false
        } else {
            moveToBottom()
        }
    }

    /// Selects the line shown on screen row `y` (0 = top of the log area).
    public func select(screenRow y: Int) {
        navigate {
            guard let row = screenRows().dropFirst(max(0, y)).first else { return }
            cursor = row.viewRow
            ensureCursorVisible()
        }
    }

    /// Go to line `number` as shown in the gutter (1-based). A line hidden by the filters selects the
    /// next visible one.
    public func goToLine(_ number: Int) {
        navigate {
            guard rowCount > 0 else { return }
            let seq = clamp(number - 1, 0, max(0, lineCount - 1))
            guard let row = rowIndex.row(atOrAfter: seq, reader: reader) ?? rowIndex.row(atOrBefore: seq, reader: reader)
            else { return }
            if rowIndex.seq(ofRow: row, reader: reader) != seq {
                notice = "line \(LogTimestampFormat.grouped(seq + 1)) is hidden by the filter"
            }
            reveal(row)
        }
    }

    public func scrollHorizontally(by delta: Int) {
        notice = nil
        guard !wrap else { return }
        let widest = screenRows().map { LogLineLayout.glyphs($0.line).reduce(0) { $0 + $1.width } }.max() ?? 0
        leftColumn = clamp(leftColumn + delta, 0, max(0, widest - textWidth / 2))
    }

    // MARK: - Display options

    public func setWrap(_ on: Bool) {
        notice = nil
        guard on != wrap else { return }
        wrap = on
        topSubrow = 0
        leftColumn = 0
        relayout()
    }

    public func toggleWrap() { setWrap(!wrap) }

    public func setTimestampMode(_ mode: LogTimestampMode) {
        notice = nil
        timestampMode = mode
        relayout()
    }

    /// off → absolute (when the build start is known) → relative → off.
    public func cycleTimestampMode() {
        switch timestampMode {
        case .off: setTimestampMode(buildStart == nil ? .relative : .absolute)
        case .absolute: setTimestampMode(.relative)
        case .relative: setTimestampMode(.off)
        }
    }

    // MARK: - Filters

    public func setLevelFilter(_ filter: LogLevelFilter) {
        notice = nil
        guard filter != levelFilter else { return }
        levelFilter = filter
        rebuildIndex()
    }

    /// all → warn+ → error → all.
    public func cycleLevelFilter() {
        let all = LogLevelFilter.allCases
        setLevelFilter(all[(all.firstIndex(of: levelFilter)! + 1) % all.count])
    }

    /// Shows one step's lines only (nil: every step).
    public func setStepFilter(_ step: UInt16?) {
        notice = nil
        guard step != stepFilter else { return }
        stepFilter = step
        rebuildIndex()
    }

    /// Rebuilds the row index for new filters, keeping the selected line (or the next visible one) at
    /// the same place on screen.
    private func rebuildIndex() {
        let previousSeq = rowCount > 0 ? rowIndex.seq(ofRow: cursor, reader: reader) : nil
        let screenOffset = cursor - topLine
        // Following with the cursor elsewhere happens when everything fits on screen: keep the line then.
        let stayAtEnd = following && cursor >= rowCount - 1
        rowIndex = LogRowIndex(levels: levelFilter.levels, step: stepFilter)
        rowIndex.extend(reader: reader, to: lineCount)
        cache.removeAll()
        searchIndex = nil
        cachedOrdinal = nil
        newLinesWhilePaused = 0
        if stayAtEnd {
            moveToBottom()
            return
        }
        cursor = previousSeq.flatMap { rowIndex.row(atOrAfter: $0, reader: reader) } ?? max(0, rowCount - 1)
        topLine = max(0, cursor - max(0, screenOffset))
        topSubrow = 0
        clampTop()
        ensureCursorVisible()
        afterNavigation(moved: true)
    }

    // MARK: - Internals: navigation

    /// Runs a navigation step: clears the notice, then updates follow mode from where the view ended up.
    func navigate(_ body: () -> Void) {
        notice = nil
        let before = (topLine, topSubrow, cursor)
        body()
        afterNavigation(moved: before != (topLine, topSubrow, cursor), cursorMovedUp: cursor < before.2)
    }

    /// Leaving the bottom, or moving the cursor up (a line, a page, to a match), pauses following; moving back
    /// to the bottom resumes it.
    func afterNavigation(moved: Bool, cursorMovedUp: Bool = false) {
        if !isAtBottom || cursorMovedUp {
            following = false
        } else if moved && !following {
            following = true
            newLinesWhilePaused = 0
        }
    }

    func moveToBottom(cursorToLast: Bool = true) {
        (topLine, topSubrow) = bottomPosition()
        if cursorToLast { cursor = max(0, rowCount - 1) } else { clampCursorIntoView() }
        following = true
        newLinesWhilePaused = 0
    }

    /// After a change of size, wrapping or columns.
    private func relayout() {
        if following {
            moveToBottom(cursorToLast: cursor >= rowCount - 1)
        } else {
            clampTop()
            ensureCursorVisible()
        }
    }

    var isAtBottom: Bool {
        let bottom = bottomPosition()
        return (topLine, topSubrow) >= bottom
    }

    /// The top position that shows the last screenful.
    func bottomPosition() -> (Int, Int) {
        guard rowCount > 0 else { return (0, 0) }
        guard wrap else { return (max(0, rowCount - height), 0) }
        let first = max(0, rowCount - height)
        let counts = rowCounts(first..<rowCount)
        var total = 0
        for (offset, rows) in counts.enumerated().reversed() {
            if total + rows >= height { return (first + offset, total + rows - height) }
            total += rows
        }
        return (first, 0)
    }

    func clampTop() {
        topLine = clamp(topLine, 0, max(0, rowCount - 1))
        if !wrap { topSubrow = 0 }
        let bottom = bottomPosition()
        if (topLine, topSubrow) > bottom { (topLine, topSubrow) = bottom }
    }

    /// Moves the top by `delta` screen rows, stopping at the top and at the bottom position.
    func scrollTop(by delta: Int) {
        guard rowCount > 0, delta != 0 else { return }
        let bottom = bottomPosition()
        guard wrap else {
            topLine = clamp(topLine + delta, 0, bottom.0)
            return
        }
        var line = topLine
        var sub = topSubrow
        var remaining = abs(delta)
        if delta > 0 {
            // Each row moved down is at most one line, so `remaining` lines suffice.
            let counts = rowCounts(line..<min(rowCount, line + remaining + 1))
            while remaining > 0 && (line, sub) < bottom {
                if sub + 1 < counts[line - topLine] { sub += 1 } else { line += 1; sub = 0 }
                remaining -= 1
            }
            if (line, sub) > bottom { (line, sub) = bottom }
        } else {
            let first = max(0, line - remaining)
            let counts = rowCounts(first..<line)
            while remaining > 0 {
                if sub > 0 {
                    let d = min(sub, remaining)
                    sub -= d
                    remaining -= d
                } else if line > 0 {
                    line -= 1
                    sub = counts[line - first] - 1
                    remaining -= 1
                } else {
                    break
                }
            }
        }
        topLine = line
        topSubrow = sub
    }

    /// The first and last rows with a screen row shown (a row cut at the top counts only when it is
    /// the only one).
    func visibleRowRange() -> ClosedRange<Int>? {
        guard rowCount > 0 else { return nil }
        guard wrap else { return topLine...min(rowCount - 1, topLine + height - 1) }
        let counts = rowCounts(topLine..<min(rowCount, topLine + height))
        var used = 0
        var last = topLine
        for (offset, rows) in counts.enumerated() {
            used += offset == 0 ? rows - topSubrow : rows
            last = topLine + offset
            if used >= height { break }
        }
        let first = topSubrow > 0 && last > topLine ? topLine + 1 : topLine
        return first...last
    }

    func clampCursorIntoView() {
        guard let visible = visibleRowRange() else {
            cursor = 0
            return
        }
        cursor = clamp(cursor, visible.lowerBound, visible.upperBound)
    }

    /// Scrolls the least needed to show the whole cursor row (its start, when taller than the screen).
    func ensureCursorVisible() {
        guard rowCount > 0 else { return }
        cursor = clamp(cursor, 0, rowCount - 1)
        if cursor < topLine || (cursor == topLine && topSubrow > 0) {
            topLine = cursor
            topSubrow = 0
            return
        }
        guard wrap else {
            if cursor >= topLine + height { topLine = cursor - height + 1 }
            return
        }
        if cursor - topLine < height {
            let counts = rowCounts(topLine..<(cursor + 1))
            let used = counts.reduce(0, +) - topSubrow
            if used <= height { return }
        }
        (topLine, topSubrow) = position(showingEndOf: cursor, rowsAbove: height - 1)
    }

    /// The top position that puts the end of `row` on screen row `rowsAbove` (the start of `row` when it
    /// is taller than that).
    func position(showingEndOf row: Int, rowsAbove: Int) -> (Int, Int) {
        guard wrap else { return (max(0, row - rowsAbove), 0) }
        let first = max(0, row - rowsAbove)
        let counts = rowCounts(first..<(row + 1))
        let own = counts.last ?? 1
        if own > rowsAbove { return (row, 0) }
        var total = own
        for offset in stride(from: counts.count - 2, through: 0, by: -1) {
            let rows = counts[offset]
            if total + rows >= rowsAbove + 1 { return (first + offset, total + rows - rowsAbove - 1) }
            total += rows
        }
        return (first, 0)
    }

    /// Selects `row`; if it is off screen, scrolls it to a third of the way down.
    func reveal(_ row: Int) {
        cursor = clamp(row, 0, max(0, rowCount - 1))
        if let visible = visibleRowRange(), visible.contains(cursor) {
            ensureCursorVisible()
            return
        }
        let third = height / 3
        if wrap {
            let counts = rowCounts(max(0, cursor - third)..<cursor)
            var above = 0
            var top = cursor
            for rows in counts.reversed() {
                if above + rows > third { break }
                above += rows
                top -= 1
            }
            (topLine, topSubrow) = (top, 0)
        } else {
            topLine = max(0, cursor - third)
            topSubrow = 0
        }
        clampTop()
        ensureCursorVisible()
    }

    // MARK: - Internals: reading

    /// The lines of `rows`, through the cache.
    func lines(rows: Range<Int>) -> [LogLine] {
        let seqs = rowIndex.seqs(rows, reader: reader)
        do {
            return try cache.lines(seqs, lineCount: lineCount, reader: reader)
        } catch {
            notice = "cannot read the log: \(error)"
            return []
        }
    }

    /// Screen rows each of `rows` takes (1 each when not wrapping).
    func rowCounts(_ rows: Range<Int>) -> [Int] {
        guard wrap else { return Array(repeating: 1, count: rows.count) }
        let width = textWidth
        let fetched = lines(rows: rows)
        var counts = fetched.map { LogLineLayout.rowCount($0, width: width) }
        // A read error leaves rows missing; count them as one row each so positions stay valid.
        if counts.count < rows.count { counts += Array(repeating: 1, count: rows.count - counts.count) }
        return counts
    }
}

@inline(__always)
private func clamp(_ value: Int, _ low: Int, _ high: Int) -> Int { min(max(value, low), max(low, high)) }
