import Foundation

/// What a log view reads: the build's committed lines by sequence number, filters and search. The
/// server's ``LogReader`` answers from the files; ``RemoteLogSource`` asks it through the client API,
/// a page at a time.
public protocol LogSource: AnyObject, Sendable {
    var lineCount: Int { get }
    /// Picks up lines committed since (up to `committedLines` when given).
    func refresh(committedLines: Int?) throws
    func lines(_ range: Range<Int>) throws -> [LogLine]
    func line(_ seq: Int) throws -> LogLine?
    func lastLines(_ count: Int, step: UInt16?, levels: Set<LogLevel>?) throws -> [LogLine]
    func filter(levels: Set<LogLevel>?, step: UInt16?, from: Int, limit: Int) -> [Int]
    func search(_ needle: String, caseInsensitive: Bool, levels: Set<LogLevel>?, step: UInt16?, from: Int, limit: Int) throws -> [Int]
    func searchBackward(_ needle: String, caseInsensitive: Bool, levels: Set<LogLevel>?, step: UInt16?, before: Int?, limit: Int) throws -> [Int]
    func countMatches(_ needle: String, caseInsensitive: Bool, levels: Set<LogLevel>?, step: UInt16?) throws -> Int
}

extension LogSource {
    public func refresh() throws { try refresh(committedLines: nil) }
    public func lastLines(_ count: Int) throws -> [LogLine] { try lastLines(count, step: nil, levels: nil) }
    public func lastLines(_ count: Int, step: UInt16?) throws -> [LogLine] { try lastLines(count, step: step, levels: nil) }
    public func filter(levels: Set<LogLevel>?, step: UInt16?, limit: Int) -> [Int] { filter(levels: levels, step: step, from: 0, limit: limit) }
    public func search(_ needle: String, caseInsensitive: Bool = false, levels: Set<LogLevel>? = nil, step: UInt16? = nil,
                       from: Int = 0, limit: Int) throws -> [Int] {
        try search(needle, caseInsensitive: caseInsensitive, levels: levels, step: step, from: from, limit: limit)
    }
    public func searchBackward(_ needle: String, caseInsensitive: Bool = false, levels: Set<LogLevel>? = nil, step: UInt16? = nil,
                               before: Int? = nil, limit: Int) throws -> [Int] {
        try searchBackward(needle, caseInsensitive: caseInsensitive, levels: levels, step: step, before: before, limit: limit)
    }
    public func countMatches(_ needle: String, caseInsensitive: Bool = false, levels: Set<LogLevel>? = nil, step: UInt16? = nil) throws -> Int {
        try countMatches(needle, caseInsensitive: caseInsensitive, levels: levels, step: step)
    }
}

extension LogReader: LogSource {}

/// A build's log read through the client API: pages of lines are kept in a small cache, so scrolling
/// back and forth over a screen costs no round trip; filters and search run on the server.
public final class RemoteLogSource: LogSource, @unchecked Sendable {
    public let api: any FactoryAPI
    public let build: BuildID
    private let lock = NSLock()
    private var count: Int
    private var pages: [Int: [LogLine]] = [:]
    private var pageOrder: [Int] = []
    /// Lines per request, and pages kept: a screen scrolls within a few small pages; a printer streams big ones.
    let pageSize: Int
    let maxPages: Int

    /// `committedLines` is the count the caller already knows (from the build's row); nil asks the server.
    public init(api: any FactoryAPI, build: BuildID, committedLines: Int? = nil, pageSize: Int = 256, cachedPages: Int = 64) throws {
        self.api = api
        self.build = build
        self.pageSize = max(1, min(pageSize, LogQuery.maxLines))
        self.maxPages = max(1, cachedPages)
        count = try committedLines ?? api.queryLog(build, .lines(from: 0, count: 0)).committedLines
    }

    public var lineCount: Int { lock.withLock { count } }

    public func refresh(committedLines: Int?) throws {
        let n = try committedLines ?? api.queryLog(build, .lines(from: 0, count: 0)).committedLines
        lock.withLock {
            guard n != count else { return }
            // The last page may have grown; earlier pages never change.
            if n > count { pages.removeValue(forKey: count / pageSize) } else { pages.removeAll(); pageOrder.removeAll() }
            count = n
        }
    }

    public func lines(_ range: Range<Int>) throws -> [LogLine] {
        let r = range.clamped(to: 0..<lineCount)
        guard !r.isEmpty else { return [] }
        var out: [LogLine] = []
        out.reserveCapacity(r.count)
        var page = r.lowerBound / pageSize
        while page * pageSize < r.upperBound {
            let lines = try self.page(page)
            let base = page * pageSize
            let lo = max(r.lowerBound, base) - base
            let hi = min(r.upperBound, base + lines.count) - base
            if lo < hi { out += lines[lo..<hi] }
            if lines.count < pageSize { break }
            page += 1
        }
        return out
    }

    private func page(_ index: Int) throws -> [LogLine] {
        if let cached = lock.withLock({ pages[index] }) { return cached }
        let from = index * pageSize
        let upto = min(pageSize, max(0, lineCount - from))
        let answer = try api.queryLog(build, .lines(from: from, count: upto))
        let lines = Array(answer.lines.prefix(upto))
        lock.withLock {
            if lines.count == pageSize {
                pages[index] = lines
                pageOrder.append(index)
                if pageOrder.count > maxPages { pages.removeValue(forKey: pageOrder.removeFirst()) }
            }
        }
        return lines
    }

    public func line(_ seq: Int) throws -> LogLine? { try lines(seq..<(seq + 1)).first }

    public func lastLines(_ count: Int, step: UInt16?, levels: Set<LogLevel>?) throws -> [LogLine] {
        try api.queryLog(build, .tail(count: count, step: step, levels: levels.map(sorted))).lines.filter { $0.seq < lineCount }
    }

    public func filter(levels: Set<LogLevel>?, step: UInt16?, from: Int, limit: Int) -> [Int] {
        let n = lineCount
        let answer = try? api.queryLog(build, .filter(levels: levels.map(sorted), step: step, from: from,
                                                      limit: min(limit, LogQuery.maxSeqs)))
        return (answer?.seqs ?? []).filter { $0 < n }
    }

    public func search(_ needle: String, caseInsensitive: Bool, levels: Set<LogLevel>?, step: UInt16?, from: Int, limit: Int) throws -> [Int] {
        let n = lineCount
        return try api.queryLog(build, .search(needle: needle, caseInsensitive: caseInsensitive, levels: levels.map(sorted), step: step,
                                               from: from, limit: min(limit, LogQuery.maxSeqs))).seqs.filter { $0 < n }
    }

    public func searchBackward(_ needle: String, caseInsensitive: Bool, levels: Set<LogLevel>?, step: UInt16?, before: Int?, limit: Int) throws -> [Int] {
        let n = lineCount
        return try api.queryLog(build, .searchBackward(needle: needle, caseInsensitive: caseInsensitive, levels: levels.map(sorted),
                                                       step: step, before: min(before ?? n, n), limit: min(limit, LogQuery.maxSeqs))).seqs
    }

    public func countMatches(_ needle: String, caseInsensitive: Bool, levels: Set<LogLevel>?, step: UInt16?) throws -> Int {
        try api.queryLog(build, .count(needle: needle, caseInsensitive: caseInsensitive, levels: levels.map(sorted), step: step)).count
    }

    private func sorted(_ levels: Set<LogLevel>) -> [LogLevel] { levels.sorted() }
}
