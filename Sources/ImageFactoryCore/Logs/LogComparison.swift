import Foundation

/// Compares one build's log with another's (typically the last successful build on the left and the
/// failing one on the right), step by step, on lines with their volatile tokens masked
/// (``VolatileMask``), so what remains are real differences.
///
/// Steps are paired by name (in order), so a step added to or removed from the manifest shows as a
/// wholly added or removed step instead of shifting every later pairing. Logs up to `maxLines` lines
/// keep every line of the alignment; bigger logs are compared by line hashes in bounded chunks and keep
/// only the differences with a little context (see ``notices``).
public struct LogComparison: Sendable, Hashable, Codable {
    public enum LineKind: String, Sendable, Hashable, Codable {
        case same
        /// Only on the right.
        case added
        /// Only on the left.
        case removed
    }

    public struct Line: Sendable, Hashable, Codable {
        public var kind: LineKind
        public var leftSeq: Int?
        public var rightSeq: Int?
        /// Original text on each side (nil on the side the line is missing from).
        public var leftText: String?
        public var rightText: String?
        /// The text compared: equal on both sides for `same` lines.
        public var masked: String

        public init(kind: LineKind, leftSeq: Int?, rightSeq: Int?, leftText: String?, rightText: String?, masked: String) {
            self.kind = kind
            self.leftSeq = leftSeq
            self.rightSeq = rightSeq
            self.leftText = leftText
            self.rightText = rightText
            self.masked = masked
        }
    }

    /// Consecutive aligned lines of one step. `leftStart` and `rightStart` count the step's lines on
    /// each side from 0; lines between two hunks (bounded comparisons only) are the same on both sides.
    public struct Hunk: Sendable, Hashable, Codable {
        public var leftStart: Int
        public var rightStart: Int
        public var lines: [Line]

        public init(leftStart: Int, rightStart: Int, lines: [Line]) {
            self.leftStart = leftStart
            self.rightStart = rightStart
            self.lines = lines
        }
    }

    public struct Step: Sendable, Hashable, Codable {
        public var name: String
        /// The step's index in each log (nil when the step is missing from that build).
        public var leftStep: UInt16?
        public var rightStep: UInt16?
        public var leftLineCount: Int
        public var rightLineCount: Int
        public var hunks: [Hunk]
        public var added: Int
        public var removed: Int
        public var same: Int

        public var differs: Bool { added + removed > 0 }
        /// The step's 0-based index (the right build's, else the left's).
        public var index: Int { Int(rightStep ?? leftStep ?? 0) }
        /// The 1-based number shown, as in the runner's "==> Step 2/5" lines.
        public var number: Int { index + 1 }
    }

    public struct StepReference: Sendable, Hashable, Codable {
        /// The step's 0-based index (see ``Step/index``); shown as `index + 1`.
        public var index: Int
        public var name: String
        /// Its position in ``steps``.
        public var position: Int

        public init(index: Int, name: String, position: Int) {
            self.index = index
            self.name = name
            self.position = position
        }
    }

    public enum RowKind: String, Sendable, Hashable, Codable {
        /// A step's title, on both sides.
        case header
        case same
        /// A removed line beside the added line that replaced it.
        case changed
        case added
        case removed
        /// Identical lines left out (bounded comparisons).
        case gap
    }

    public private(set) var steps: [Step]
    public private(set) var firstDivergentStep: StepReference?
    public private(set) var added: Int
    public private(set) var removed: Int
    public private(set) var same: Int
    /// Part of the alignment is approximate (big logs, or a stretch too costly to align exactly).
    public private(set) var isApproximate: Bool
    /// What was bounded, for the user.
    public private(set) var notices: [String]

    public var isEqual: Bool { added == 0 && removed == 0 }

    /// Context lines kept around differences in bounded comparisons.
    static let boundedContext = 5

    // MARK: - Comparing

    /// `leftSteps[i]` names step `i` of the left log (likewise right); steps beyond the lists are named
    /// "unnamed step". Logs over `maxLines` lines get a bounded comparison. `leftBuild` and `rightBuild`
    /// are the two logs' builds: each side's lines are masked with its own build's tokens too (its
    /// directories, cgroup, id and number), so those do not count as differences.
    public static func compare(left: LogReader, right: LogReader, leftSteps: [String], rightSteps: [String],
                               leftBuild: VolatileMask.BuildTokens? = nil, rightBuild: VolatileMask.BuildTokens? = nil,
                               maxLines: Int = 200_000) throws -> LogComparison {
        let maxLines = max(100, maxLines)
        let bounded = left.lineCount > maxLines || right.lineCount > maxLines
        var interner = Interner()
        let leftSide = try Side.read(left, build: leftBuild, bounded: bounded, interner: &interner)
        let rightSide = try Side.read(right, build: rightBuild, bounded: bounded, interner: &interner)
        let pairs = pairSteps(left: leftSide.stepOrder, leftNames: leftSteps, right: rightSide.stepOrder, rightNames: rightSteps)

        var result = LogComparison(steps: [], firstDivergentStep: nil, added: 0, removed: 0, same: 0,
                                   isApproximate: bounded, notices: [])
        if bounded {
            result.notices.append(
                "logs over \(grouped(maxLines)) lines: compared in chunks by line hash; alignment is approximate and "
                    + "only differences with \(boundedContext) lines of context are kept")
        }
        var keptLines = 0
        var stoppedKeeping = false
        for (leftStep, rightStep) in pairs {
            let leftLines = leftStep.flatMap { leftSide.steps[$0] } ?? StepLines()
            let rightLines = rightStep.flatMap { rightSide.steps[$0] } ?? StepLines()
            let name = rightStep.map { stepName($0, rightSteps) } ?? leftStep.map { stepName($0, leftSteps) } ?? ""
            let (runs, approximate) = diffRuns(leftLines.keys, rightLines.keys, chunk: bounded ? maxLines / 2 : nil)
            if approximate && !bounded && !result.isApproximate {
                result.notices.append("some stretches were too costly to align exactly and are shown as replaced")
            }
            result.isApproximate = result.isApproximate || approximate
            var step = Step(name: name, leftStep: leftStep, rightStep: rightStep,
                            leftLineCount: leftLines.seqs.count, rightLineCount: rightLines.seqs.count,
                            hunks: [], added: 0, removed: 0, same: 0)
            for run in runs {
                switch run.kind {
                case .same: step.same += run.count
                case .added: step.added += run.count
                case .removed: step.removed += run.count
                }
            }
            if bounded {
                if !stoppedKeeping {
                    step.hunks = try boundedHunks(runs, leftLines, rightLines, left: left, right: right,
                                                  leftBuild: leftBuild, rightBuild: rightBuild, budget: maxLines - keptLines)
                    keptLines += step.hunks.reduce(0) { $0 + $1.lines.count }
                    if keptLines >= maxLines {
                        stoppedKeeping = true
                        result.notices.append("more than \(grouped(maxLines)) differing lines: later differences are counted but not shown")
                    }
                }
            } else {
                step.hunks = fullHunk(runs, leftLines, rightLines)
            }
            if step.differs && result.firstDivergentStep == nil {
                result.firstDivergentStep = StepReference(index: step.index, name: name, position: result.steps.count)
            }
            result.added += step.added
            result.removed += step.removed
            result.same += step.same
            result.steps.append(step)
        }
        return result
    }

    static func stepName(_ step: UInt16, _ names: [String]) -> String {
        Int(step) < names.count ? names[Int(step)] : "unnamed step"
    }

    /// Pairs the steps of the two logs by name, keeping their order (longest common subsequence of
    /// the names); unpaired steps stand alone in order.
    static func pairSteps(left: [UInt16], leftNames: [String], right: [UInt16], rightNames: [String]) -> [(UInt16?, UInt16?)] {
        let leftAll = mergeSteps(left, count: leftNames.count)
        let rightAll = mergeSteps(right, count: rightNames.count)
        let l = leftAll.map { stepName($0, leftNames) }
        let r = rightAll.map { stepName($0, rightNames) }
        // Step lists are short: the quadratic table is fine.
        var table = [[Int]](repeating: [Int](repeating: 0, count: r.count + 1), count: l.count + 1)
        for i in stride(from: l.count - 1, through: 0, by: -1) {
            for j in stride(from: r.count - 1, through: 0, by: -1) {
                table[i][j] = l[i] == r[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var pairs: [(UInt16?, UInt16?)] = []
        var i = 0
        var j = 0
        while i < l.count || j < r.count {
            if i < l.count && j < r.count && l[i] == r[j] {
                pairs.append((leftAll[i], rightAll[j]))
                i += 1
                j += 1
            } else if j == r.count || (i < l.count && table[i + 1][j] >= table[i][j + 1]) {
                pairs.append((leftAll[i], nil))
                i += 1
            } else {
                pairs.append((nil, rightAll[j]))
                j += 1
            }
        }
        return pairs
    }

    /// Named steps 0..<count plus any other step found in the log, in step order.
    private static func mergeSteps(_ found: [UInt16], count: Int) -> [UInt16] {
        var all = Set(found)
        for i in 0..<min(count, Int(UInt16.max) + 1) { all.insert(UInt16(i)) }
        return all.sorted()
    }

    /// Runs of the diff; with `chunk`, the middle (after the common ends) is cut into proportional
    /// chunks of at most that many lines a side, each diffed alone.
    static func diffRuns(_ a: [Int], _ b: [Int], chunk: Int?) -> ([LogComparisonDiff.Run], Bool) {
        guard let chunk, a.count > chunk || b.count > chunk else {
            let diff = LogComparisonDiff.diff(a, b)
            return (diff.runs, diff.approximate)
        }
        var prefix = 0
        while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
            suffix += 1
        }
        var runs: [LogComparisonDiff.Run] = []
        if prefix > 0 { runs.append(.init(kind: .same, a: 0, b: 0, count: prefix)) }
        let aMiddle = a.count - prefix - suffix
        let bMiddle = b.count - prefix - suffix
        let pieces = max(1, (max(aMiddle, bMiddle) + chunk - 1) / chunk)
        var approximate = pieces > 1
        for piece in 0..<pieces {
            let aLo = prefix + aMiddle * piece / pieces
            let aHi = prefix + aMiddle * (piece + 1) / pieces
            let bLo = prefix + bMiddle * piece / pieces
            let bHi = prefix + bMiddle * (piece + 1) / pieces
            let diff = LogComparisonDiff.diff(Array(a[aLo..<aHi]), Array(b[bLo..<bHi]))
            approximate = approximate || diff.approximate
            for run in diff.runs {
                append(.init(kind: run.kind, a: run.a + aLo, b: run.b + bLo, count: run.count), to: &runs)
            }
        }
        if suffix > 0 { append(.init(kind: .same, a: a.count - suffix, b: b.count - suffix, count: suffix), to: &runs) }
        return (runs, approximate)
    }

    /// Appends a run, joining it to the last one when they continue each other across a chunk boundary.
    private static func append(_ run: LogComparisonDiff.Run, to runs: inout [LogComparisonDiff.Run]) {
        if let last = runs.last, last.kind == run.kind,
           last.a + (run.kind == .added ? 0 : last.count) == run.a, last.b + (run.kind == .removed ? 0 : last.count) == run.b {
            runs[runs.count - 1].count += run.count
        } else {
            runs.append(run)
        }
    }

    /// Every line of the step, aligned.
    private static func fullHunk(_ runs: [LogComparisonDiff.Run], _ left: StepLines, _ right: StepLines) -> [Hunk] {
        var lines: [Line] = []
        lines.reserveCapacity(max(left.seqs.count, right.seqs.count))
        for run in runs {
            for i in 0..<run.count {
                switch run.kind {
                case .same:
                    lines.append(Line(kind: .same, leftSeq: left.seqs[run.a + i], rightSeq: right.seqs[run.b + i],
                                      leftText: left.texts[run.a + i], rightText: right.texts[run.b + i],
                                      masked: right.masked[run.b + i]))
                case .removed:
                    lines.append(Line(kind: .removed, leftSeq: left.seqs[run.a + i], rightSeq: nil,
                                      leftText: left.texts[run.a + i], rightText: nil, masked: left.masked[run.a + i]))
                case .added:
                    lines.append(Line(kind: .added, leftSeq: nil, rightSeq: right.seqs[run.b + i],
                                      leftText: nil, rightText: right.texts[run.b + i], masked: right.masked[run.b + i]))
                }
            }
        }
        return lines.isEmpty ? [] : [Hunk(leftStart: 0, rightStart: 0, lines: lines)]
    }

    /// Differences with a few lines of context, texts read back from the logs, at most `budget` lines.
    private static func boundedHunks(_ runs: [LogComparisonDiff.Run], _ leftLines: StepLines, _ rightLines: StepLines,
                                     left: LogReader, right: LogReader, leftBuild: VolatileMask.BuildTokens?,
                                     rightBuild: VolatileMask.BuildTokens?, budget: Int) throws -> [Hunk] {
        let context = boundedContext
        var hunks: [Hunk] = []
        var kept = 0
        func text(_ reader: LogReader, _ seq: Int) throws -> String { try reader.line(seq)?.text ?? "" }
        func line(_ kind: LineKind, _ a: Int?, _ b: Int?) throws -> Line {
            let leftSeq = a.map { leftLines.seqs[$0] }
            let rightSeq = b.map { rightLines.seqs[$0] }
            let leftText = try leftSeq.map { try text(left, $0) }
            let rightText = try rightSeq.map { try text(right, $0) }
            return Line(kind: kind, leftSeq: leftSeq, rightSeq: rightSeq, leftText: leftText, rightText: rightText,
                        masked: rightText.map { VolatileMask.mask($0, build: rightBuild) }
                            ?? VolatileMask.mask(leftText ?? "", build: leftBuild))
        }
        var current: Hunk?
        for (index, run) in runs.enumerated() {
            if kept >= budget { break }
            if run.kind == .same {
                let isFirst = index == 0
                let isLast = index == runs.count - 1
                // Trailing context for the open hunk, leading context for the next difference.
                let trailing = isFirst ? 0 : min(context, run.count)
                let leading = isLast ? 0 : min(context, run.count - trailing)
                if var hunk = current {
                    for i in 0..<trailing { hunk.lines.append(try line(.same, run.a + i, run.b + i)) }
                    kept += trailing
                    if run.count > trailing + leading || isLast {
                        hunks.append(hunk)
                        current = nil
                    } else {
                        current = hunk
                    }
                }
                if !isLast && leading > 0 {
                    let start = run.count - leading
                    if current == nil { current = Hunk(leftStart: run.a + start, rightStart: run.b + start, lines: []) }
                    for i in start..<run.count { current!.lines.append(try line(.same, run.a + i, run.b + i)) }
                    kept += leading
                }
                continue
            }
            if current == nil { current = Hunk(leftStart: run.a, rightStart: run.b, lines: []) }
            let count = min(run.count, max(0, budget - kept))
            for i in 0..<count {
                current!.lines.append(try run.kind == .added ? line(.added, nil, run.b + i) : line(.removed, run.a + i, nil))
            }
            kept += count
        }
        if let current { hunks.append(current) }
        return hunks
    }

    // MARK: - Output

    /// `diff -u`-style lines: `--- left`, `+++ right`, then per difference `@@ step N: name @@` (N the
    /// 1-based ``Step/number``) and the lines prefixed with " ", "-" or "+" (original texts; context lines show the right's). Empty when
    /// the logs compare equal.
    public func unified(context: Int = 3, leftLabel: String = "left", rightLabel: String = "right") -> [String] {
        guard !isEqual else { return [] }
        var out = ["--- \(leftLabel)", "+++ \(rightLabel)"]
        let context = max(0, context)
        for step in steps where step.differs {
            for hunk in step.hunks {
                let lines = hunk.lines
                // Ranges of lines to print: each difference widened by the context, overlapping merged.
                var ranges: [Range<Int>] = []
                for (i, line) in lines.enumerated() where line.kind != .same {
                    let range = max(0, i - context)..<min(lines.count, i + context + 1)
                    if let last = ranges.last, range.lowerBound <= last.upperBound {
                        ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
                    } else {
                        ranges.append(range)
                    }
                }
                for range in ranges {
                    out.append("@@ step \(step.number): \(step.name) @@")
                    for line in lines[range] {
                        switch line.kind {
                        case .same: out.append(" " + (line.rightText ?? line.leftText ?? ""))
                        case .removed: out.append("-" + (line.leftText ?? ""))
                        case .added: out.append("+" + (line.rightText ?? ""))
                        }
                    }
                }
            }
        }
        return out
    }

    /// Rows for a two-column view: a header per step, same lines on both sides, a run of removed lines
    /// beside the added lines that follow it as `changed`, the rest alone, and a gap row where
    /// identical lines were left out.
    public func sideBySide() -> [(left: String?, right: String?, kind: RowKind)] {
        var rows: [(left: String?, right: String?, kind: RowKind)] = []
        for step in steps {
            let title = "step \(step.number): \(step.name)"
            rows.append((step.leftStep == nil ? nil : title, step.rightStep == nil ? nil : title, .header))
            var leftNext = 0
            for hunk in step.hunks {
                let skipped = hunk.leftStart - leftNext
                if skipped > 0 { rows.append(("… \(Self.grouped(skipped)) identical lines", "…", .gap)) }
                var i = 0
                let lines = hunk.lines
                while i < lines.count {
                    switch lines[i].kind {
                    case .same:
                        rows.append((lines[i].leftText, lines[i].rightText, .same))
                        i += 1
                    case .added:
                        rows.append((nil, lines[i].rightText, .added))
                        i += 1
                    case .removed:
                        var removedEnd = i
                        while removedEnd < lines.count && lines[removedEnd].kind == .removed { removedEnd += 1 }
                        var addedEnd = removedEnd
                        while addedEnd < lines.count && lines[addedEnd].kind == .added { addedEnd += 1 }
                        let paired = min(removedEnd - i, addedEnd - removedEnd)
                        for k in 0..<paired { rows.append((lines[i + k].leftText, lines[removedEnd + k].rightText, .changed)) }
                        for k in (i + paired)..<removedEnd { rows.append((lines[k].leftText, nil, .removed)) }
                        for k in (removedEnd + paired)..<addedEnd { rows.append((nil, lines[k].rightText, .added)) }
                        i = addedEnd
                    }
                }
                leftNext = hunk.leftStart + lines.filter { $0.kind != .added }.count
            }
            let trailing = step.leftLineCount - leftNext
            if step.differs && step.hunks.isEmpty {
                rows.append(("… differences not kept (see notices)", "…", .gap))
            } else if trailing > 0 {
                rows.append(("… \(Self.grouped(trailing)) identical lines", "…", .gap))
            }
        }
        return rows
    }

    static func grouped(_ value: Int) -> String { DisplayFormat.grouped(value) }
}

extension LogComparison {
    /// One step's lines on one side, in log order.
    struct StepLines {
        var seqs: [Int] = []
        var keys: [Int] = []
        /// Original and masked texts: full comparisons only.
        var texts: [String] = []
        var masked: [String] = []
    }

    /// Masked line → small integer, shared by both sides so equal lines get equal keys.
    struct Interner {
        private var ids: [String: Int] = [:]
        mutating func id(_ masked: String) -> Int {
            if let id = ids[masked] { return id }
            let id = ids.count
            ids[masked] = id
            return id
        }
    }

    struct Side {
        var steps: [UInt16: StepLines] = [:]
        var stepOrder: [UInt16] = []

        /// Reads every line a page at a time. Bounded comparisons keep a 64-bit hash per line instead
        /// of its texts (the texts of the lines shown are read again later).
        static func read(_ reader: LogReader, build: VolatileMask.BuildTokens?, bounded: Bool,
                         interner: inout Interner) throws -> Side {
            var side = Side()
            let count = reader.lineCount
            let page = 4096
            var start = 0
            while start < count {
                for line in try reader.lines(start..<min(count, start + page)) {
                    let masked = VolatileMask.mask(line.text, build: build)
                    if side.steps[line.step] == nil { side.stepOrder.append(line.step) }
                    side.steps[line.step, default: StepLines()].seqs.append(line.seq)
                    if bounded {
                        side.steps[line.step]!.keys.append(Int(truncatingIfNeeded: fnv1a(masked)))
                    } else {
                        side.steps[line.step]!.keys.append(interner.id(masked))
                        side.steps[line.step]!.texts.append(line.text)
                        side.steps[line.step]!.masked.append(masked)
                    }
                }
                start += page
            }
            return side
        }

        static func fnv1a(_ s: String) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in s.utf8 {
                hash ^= UInt64(b)
                hash &*= 0x100_0000_01b3
            }
            return hash
        }
    }
}
