import ImageFactoryCore

/// Search, match positions and jumps between errors and warnings. Searches run on the whole log
/// through the reader (whatever the UI folds), limited to the view's level and step filters so every
/// hit is a row the view can show.
extension LogViewModel {
    /// Matching lines, once ``computeSearchStatistics()`` or ``installSearchStatistics(_:)`` ran.
    public var matchCount: Int? { searchIndex?.count }

    /// 1-based position of the match under the cursor (nil while unknown or off a match).
    public var currentMatchOrdinal: Int? {
        guard let seq = currentMatchSeq, seq == cursorSeq, let index = searchIndex else { return nil }
        if let cached = cachedOrdinal, cached.seq == seq { return cached.ordinal }
        guard let ordinal = try? index.ordinal(of: seq, reader: reader) else { return nil }
        cachedOrdinal = (seq, ordinal)
        return ordinal
    }

    /// "3/41" on a match, "41 matches" elsewhere; nil before the count is known.
    public var searchStatus: String? {
        guard searchQuery != nil, let count = matchCount else { return nil }
        if let ordinal = currentMatchOrdinal {
            return "\(LogTimestampFormat.grouped(ordinal))/\(LogTimestampFormat.grouped(count))"
        }
        return count == 1 ? "1 match" : "\(LogTimestampFormat.grouped(count)) matches"
    }

    /// `/query`: smart case (case-insensitive unless the query has an uppercase letter); selects the
    /// first match at or after the cursor, wrapping. The count is not computed here so typing stays
    /// fast: see ``computeSearchStatistics()``.
    public func search(_ query: String) {
        notice = nil
        guard !query.isEmpty else {
            clearSearch()
            return
        }
        let caseInsensitive = LogTextMatcher.isCaseInsensitive(query)
        searchQuery = query
        matcher = LogTextMatcher(query, caseInsensitive: caseInsensitive)
        searchIndex = nil
        cachedOrdinal = nil
        currentMatchSeq = nil
        let start = cursorSeq ?? 0
        if let seq = firstMatch(from: start) {
            jump(toMatch: seq)
        } else if let seq = firstMatch(from: 0) {
            jump(toMatch: seq)
            notice = "search wrapped"
        } else {
            notice = "pattern not found: \(query)"
        }
    }

    public func clearSearch() {
        searchQuery = nil
        matcher = nil
        searchIndex = nil
        cachedOrdinal = nil
        currentMatchSeq = nil
    }

    /// `n`: the next match after the cursor, wrapping to the first.
    public func nextMatch() {
        notice = nil
        guard searchQuery != nil else { return }
        let from = (cursorSeq ?? -1) + 1
        if let seq = firstMatch(from: from) {
            jump(toMatch: seq)
        } else if let seq = firstMatch(from: 0) {
            jump(toMatch: seq)
            notice = "search wrapped"
        } else {
            notice = "pattern not found: \(searchQuery!)"
        }
    }

    /// `N`: the previous match before the cursor, wrapping to the last.
    public func previousMatch() {
        notice = nil
        guard searchQuery != nil else { return }
        let before = cursorSeq ?? 0
        if let seq = lastMatch(before: before) {
            jump(toMatch: seq)
        } else if let seq = lastMatch(before: lineCount) {
            jump(toMatch: seq)
            notice = "search wrapped"
        } else {
            notice = "pattern not found: \(searchQuery!)"
        }
    }

    /// Work that counts the matches and indexes their positions, to run anywhere (it only reads the
    /// log); hand its result to ``installSearchStatistics(_:)``.
    public func makeSearchStatisticsJob() -> (@Sendable () throws -> LogSearchIndex)? {
        guard let query = searchQuery, let matcher else { return nil }
        let reader = self.reader
        let levels = levelFilter.levels
        let step = stepFilter
        let lineCount = self.lineCount
        let caseInsensitive = matcher.caseInsensitive
        return {
            try LogSearchIndex.build(reader: reader, query: query, caseInsensitive: caseInsensitive,
                                     levels: levels, step: step, lineCount: lineCount)
        }
    }

    /// Installs a finished count; ignored (false) when the query or filters changed meanwhile.
    @discardableResult
    public func installSearchStatistics(_ index: LogSearchIndex) -> Bool {
        guard index.query == searchQuery, index.levels == levelFilter.levels, index.step == stepFilter,
              index.caseInsensitive == matcher?.caseInsensitive else { return false }
        var index = index
        // Lines may have arrived while it ran.
        if index.scannedLines < lineCount {
            guard (try? index.extend(reader: reader, to: lineCount)) != nil else { return false }
        }
        searchIndex = index
        cachedOrdinal = nil
        return true
    }

    /// Counts the matches now (one pass over the log).
    public func computeSearchStatistics() {
        guard let job = makeSearchStatisticsJob() else { return }
        do {
            installSearchStatistics(try job())
        } catch {
            notice = "cannot count matches: \(error)"
        }
    }

    /// UTF-8 ranges of the current query's matches in the line's plain text.
    public func matchRanges(in line: LogLine) -> [Range<Int>] {
        matcher?.ranges(in: line.text) ?? []
    }

    // MARK: - Errors and warnings

    /// `e`
    public func nextError() { jump(toLevel: .error, forward: true) }
    /// `E`
    public func previousError() { jump(toLevel: .error, forward: false) }
    public func nextWarning() { jump(toLevel: .warn, forward: true) }
    public func previousWarning() { jump(toLevel: .warn, forward: false) }

    private func jump(toLevel level: LogLevel, forward: Bool) {
        notice = nil
        let noun = level == .error ? "errors" : "warnings"
        guard levelFilter.levels?.contains(level) ?? true else {
            notice = "\(noun) are hidden by the level filter"
            return
        }
        let here = cursorSeq
        let found: Int?
        if forward {
            found = try? reader.search("", levels: [level], step: stepFilter, from: (here ?? -1) + 1, limit: 1).first
        } else {
            found = try? reader.searchBackward("", levels: [level], step: stepFilter, before: here ?? 0, limit: 1).first
        }
        guard let seq = found, seq < lineCount, let row = rowIndex.row(atOrAfter: seq, reader: reader) else {
            notice = forward ? "no more \(noun) below" : "no \(noun) above"
            return
        }
        navigate { reveal(row) }
    }

    // MARK: - Internals

    /// Sequence number of the selected line.
    var cursorSeq: Int? { rowCount > 0 ? rowIndex.seq(ofRow: cursor, reader: reader) : nil }

    private func jump(toMatch seq: Int) {
        guard let row = rowIndex.row(atOrAfter: seq, reader: reader) else { return }
        navigate { reveal(row) }
        currentMatchSeq = seq
    }

    private func firstMatch(from: Int) -> Int? {
        guard let query = searchQuery, let matcher, from < lineCount else { return nil }
        let hit = try? reader.search(query, caseInsensitive: matcher.caseInsensitive, levels: levelFilter.levels,
                                     step: stepFilter, from: max(0, from), limit: 1).first
        return hit.flatMap { $0 < lineCount ? $0 : nil }
    }

    private func lastMatch(before: Int) -> Int? {
        guard let query = searchQuery, let matcher, before > 0 else { return nil }
        return (try? reader.searchBackward(query, caseInsensitive: matcher.caseInsensitive, levels: levelFilter.levels,
                                           step: stepFilter, before: min(before, lineCount), limit: 1))?.first
    }
}
