import ImageFactoryCore

/// The error lines of a failed step with a few lines of context around each, capped, for a failure
/// summary or the clipboard.
public struct LogExcerpt: Sendable, Hashable {
    public var step: UInt16
    /// Runs of the step's lines in log order; lines between runs were left out.
    public var blocks: [[LogLine]]
    /// Error lines in the step.
    public var errorCount: Int
    /// Some error lines did not fit in the cap.
    public var truncated: Bool

    public var lines: [LogLine] { blocks.flatMap { $0 } }

    /// Plain text, runs separated by a "…" line.
    public var text: String {
        blocks.map { $0.map(\.text).joined(separator: "\n") }.joined(separator: "\n…\n")
    }

    /// `step` nil means the step of the last error line. Keeps the first errors (usually the cause) and
    /// always the last one (usually the runner's verdict), each with `context` lines of the same step
    /// before and after, within `maxLines`. A step without error lines gives its last lines. Nil when
    /// there is no step to take.
    public static func make(reader: any LogSource, lineCount: Int? = nil, step: UInt16? = nil,
                            context: Int = 3, maxLines: Int = 40) throws -> LogExcerpt? {
        let lineCount = min(lineCount ?? reader.lineCount, reader.lineCount)
        guard lineCount > 0, maxLines > 0 else { return nil }
        let visible = { (seq: Int) in seq < lineCount }
        var chosenStep = step
        if chosenStep == nil {
            guard let last = try reader.searchBackward("", levels: [.error], before: lineCount, limit: 1).first,
                  let line = try reader.line(last) else { return nil }
            chosenStep = line.step
        }
        let step = chosenStep!
        let errorCount = try reader.countMatches("", levels: [.error], step: step)
        let firstErrors = try reader.search("", levels: [.error], step: step, limit: maxLines).filter(visible)
        guard !firstErrors.isEmpty else {
            let tail = try reader.lastLines(maxLines, step: step).filter { visible($0.seq) }
            return tail.isEmpty ? nil : LogExcerpt(step: step, blocks: [tail], errorCount: 0, truncated: false)
        }
        let lastError = try reader.searchBackward("", levels: [.error], step: step, before: lineCount, limit: 1).first!

        func block(around seq: Int) throws -> [Int] {
            let before = try reader.searchBackward("", step: step, before: seq, limit: context).reversed()
            let after = try reader.search("", step: step, from: seq + 1, limit: context).filter(visible)
            return Array(before) + [seq] + after
        }
        let lastBlock = try block(around: lastError)
        var chosen = Set<Int>()
        var truncated = false
        for seq in firstErrors where seq != lastError {
            let candidate = try block(around: seq).filter { !chosen.contains($0) }
            let room = maxLines - chosen.count - lastBlock.filter { !chosen.contains($0) && !candidate.contains($0) }.count
            if candidate.count > room {
                truncated = true
                break
            }
            chosen.formUnion(candidate)
        }
        chosen.formUnion(lastBlock.suffix(maxLines))

        let seqs = chosen.sorted()
        var blocks: [[LogLine]] = []
        var run: [Int] = []
        func flush() throws {
            guard let first = run.first, let last = run.last else { return }
            // A run holds consecutive sequence numbers, so one read covers it.
            blocks.append(try reader.lines(first..<(last + 1)))
            run.removeAll()
        }
        for seq in seqs {
            if let last = run.last, seq != last + 1 { try flush() }
            run.append(seq)
        }
        try flush()
        let shownErrors = blocks.joined().filter { $0.level == .error }.count
        return LogExcerpt(step: step, blocks: blocks, errorCount: errorCount, truncated: truncated || shownErrors < errorCount)
    }
}
