import ArgumentParser
import Foundation
import ImageFactoryCore

enum DiagnosticPrinter {
    static func print(_ diagnostics: [ManifestDiagnostic], file: String) {
        let style = Style.stderr
        for var d in diagnostics {
            if d.file == nil { d.file = file }
            let text = d.description
            let colored = d.severity == .error
                ? text.replacingOccurrences(of: "error:", with: style.paint("error:", "1;31"))
                : text.replacingOccurrences(of: "warning:", with: style.paint("warning:", "1;33"))
            try? FileHandle.standardError.write(contentsOf: Data((colored + "\n").utf8))
        }
    }
}

enum PlanPrinter {
    static func print(_ plan: BuildPlan, limits: LimitPlan, style: Style) {
        Swift.print(style.bold("Plan for `\(plan.manifest.name)` (method \(plan.method.rawValue))"))
        if let note = plan.engineNote { Swift.print("  \(note)") }
        for (i, step) in plan.steps.enumerated() {
            Swift.print("")
            Swift.print(style.bold("Step \(i + 1)/\(plan.steps.count): \(step.name)"))
            for d in step.details { Swift.print("  - \(d)") }
            for c in step.commands {
                let env = c.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(shellQuote($0.value)) " }.joined()
                Swift.print("  $ " + env + c.argv.map(shellQuote).joined(separator: " ") + (c.mayFail ? "   # may fail" : ""))
            }
            if let parser = step.parser { Swift.print("  progress: read as \(parser.rawValue) output") }
            for f in step.files {
                Swift.print("  file \(f.path):")
                var lines = f.contents.split(separator: "\n", omittingEmptySubsequences: false)
                if lines.last?.isEmpty == true { lines.removeLast() }
                for line in lines { Swift.print("    | \(line)") }
            }
        }
        if !plan.producedArtifacts.isEmpty {
            Swift.print("")
            Swift.print("Produced by the method and stored as artifacts: " + plan.producedArtifacts.joined(separator: ", "))
        }
        Swift.print("")
        Swift.print(style.bold("Limits"))
        for s in limits.sentences { Swift.print("  - \(s)") }
        if let timeout = plan.timeout {
            Swift.print("  - timeout \(DurationParser.format(timeout)): enforced by the runner (SIGTERM to every process of the build, SIGKILL 5s later)")
        } else {
            Swift.print("  - no timeout")
        }
        Swift.print("  - log \(plan.logLimit): " + (plan.onLogLimit == .fail
            ? "the build fails when its output reaches it (on_log_limit: fail)"
            : "output past it is counted, not stored; the build goes on"))
        if !plan.warnings.isEmpty {
            Swift.print("")
            Swift.print(style.bold("Warnings"))
            for w in plan.warnings { Swift.print("  - \(w.location.map { "\($0.line):\($0.column): " } ?? "")\(w.message)") }
        }
    }
}

struct LogFilter {
    var minimum: LogLevel?
    var grep: String?
    var ignoreCase: Bool
    var step: UInt16?

    var levels: Set<LogLevel>? { minimum.map { m in Set(LogLevel.allCases.filter { $0 >= m }) } }
}

/// Prints committed log lines in pages, never the whole log in memory.
struct LogPrinter {
    let style: Style
    let timestamps: Bool
    let filter: LogFilter

    /// Prints lines from sequence `from` up to the build's committed count; returns where it stopped.
    /// Pages come from the server; the filters and search run there.
    func printCommitted(api: any FactoryAPI, build: Build, from: Int, tail: Int?) throws -> Int {
        guard build.logLines > 0 else { return from }
        let reader = try RemoteLogSource(api: api, build: build.id!, committedLines: Int(build.logLines), pageSize: 4096, cachedPages: 2)
        let end = reader.lineCount
        guard from < end else { return from }
        var selected: [Int] = []
        let page = 4096
        var out = ""
        func emit(_ seqs: [Int]) throws {
            guard !seqs.isEmpty else { return }
            // Read contiguous runs in one call.
            var runStart = seqs[0]
            var prev = seqs[0]
            var runs: [Range<Int>] = []
            for s in seqs.dropFirst() {
                if s != prev + 1 { runs.append(runStart..<(prev + 1)); runStart = s }
                prev = s
            }
            runs.append(runStart..<(prev + 1))
            for r in runs {
                for line in try reader.lines(r) { out += format(line) + "\n" }
                if out.utf8.count > 1 << 16 { print(out, terminator: ""); out = "" }
            }
        }
        let needsSearch = filter.grep != nil || filter.levels != nil || filter.step != nil
        var cursor = from
        while cursor < end {
            if needsSearch {
                let hits: [Int]
                if let grep = filter.grep {
                    hits = try reader.search(grep, caseInsensitive: filter.ignoreCase, levels: filter.levels, step: filter.step,
                                             from: cursor, limit: page)
                } else {
                    hits = reader.filter(levels: filter.levels, step: filter.step, from: cursor, limit: page)
                }
                let inRange = hits.filter { $0 < end }
                if tail != nil { selected.append(contentsOf: inRange) } else { try emit(inRange) }
                if hits.count < page || inRange.count < hits.count { break }
                cursor = hits.last! + 1
            } else {
                let upper = min(end, cursor + page)
                if tail != nil { selected.append(contentsOf: cursor..<upper) } else { try emit(Array(cursor..<upper)) }
                cursor = upper
            }
            if let tail, selected.count > tail * 2 { selected.removeFirst(selected.count - tail) }
        }
        if let tail { try emit(Array(selected.suffix(tail))) }
        print(out, terminator: "")
        return end
    }

    func format(_ line: LogLine) -> String {
        var prefix = ""
        if timestamps {
            let ms = Int(line.timeMs)
            prefix = style.dim(String(format: "%02d:%02d.%03d ", ms / 60000, (ms / 1000) % 60, ms % 1000))
        }
        if line.stream == .system { return prefix + style.cyan(line.text) }
        if style.colors {
            // Lines that carry their own colours keep them; others are coloured by level.
            if line.display != line.text { return prefix + line.display + "\u{1B}[0m" }
            return prefix + style.level(line.level, line.text)
        }
        return prefix + line.text
    }
}

