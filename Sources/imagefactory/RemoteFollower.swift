import Foundation
import ImageFactoryCore
import ImageFactoryServer

/// Follows a build through the server's subscription: lines arrive in order by sequence, pushed as the
/// runner commits them; step changes and the final status come as events.
struct RemoteFollower {
    let client: ServerClient
    let style: Style
    /// nil prints step changes instead of the log.
    let printer: LogPrinter?

    /// Follows from line `from` until the build has ended and every line up to its end is printed.
    func follow(_ build: BuildID, from: Int) async throws -> BuildRow {
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .main)
        signal(SIGINT, SIG_IGN)
        interrupt.setEventHandler {
            try? FileHandle.standardError.write(contentsOf: Data("\nstopped following; the build goes on.\n".utf8))
            Foundation.exit(130)
        }
        interrupt.resume()
        var (last, _) = try client.subscribe(build: build, fromSeq: from)
        var next = from
        var out = ""
        func flush() {
            if !out.isEmpty { print(out, terminator: ""); out = "" }
            fflush(nil)
        }
        if last.build.status.isFinished && Int(last.build.logLines) <= next { return last }
        for await item in client.frames {
            switch item {
            case .lines(let message) where message.build == build:
                for line in message.lines where line.seq >= next {
                    next = line.seq + 1
                    if let printer, printer.filter.accepts(line) { out += printer.format(line.logLine) + "\n" }
                }
                flush()
            case .event(.build(let row)) where row.build.id == build:
                last = row
            case .event(.step(let s)) where s.buildId == build && printer == nil && s.status != .pending:
                print("\(style.step(s.status)) \(s.name) \(s.status.rawValue) \(s.duration.map { Format.duration($0) } ?? "")")
            case .event(.behind(_, let at, let committed)):
                try? FileHandle.standardError.write(contentsOf: Data("(this terminal is \(committed - at) lines behind the build; still catching up)\n".utf8))
            case .event(.stopping(let reason)):
                try? FileHandle.standardError.write(contentsOf: Data("\(reason)\n".utf8))
            case .closed(let reason):
                flush()
                throw FactoryError.runtime("lost the build server" + (reason.map { ": \($0)" } ?? ""))
            default:
                break
            }
            if last.build.status.isFinished && next >= Int(last.build.logLines) { break }
        }
        flush()
        return last
    }
}

extension WireLogLine {
    /// The stored line as the printers know it (the display text keeps colours; the plain text drops them).
    var logLine: LogLine {
        LogLine(seq: seq, timeMs: timeMs, step: step, level: level, stream: .stdout, text: text.strippingSGR, display: text)
    }
}

extension LogFilter {
    func accepts(_ line: WireLogLine) -> Bool {
        if let levels, !levels.contains(line.level) { return false }
        if let step, line.step != step { return false }
        if let grep {
            let text = line.text.strippingSGR
            return ignoreCase ? text.lowercased().contains(grep.lowercased()) : text.contains(grep)
        }
        return true
    }
}

extension String {
    /// Without `ESC [ ... m` colour sequences (the only escapes stored logs keep).
    var strippingSGR: String {
        guard contains("\u{1B}") else { return self }
        var out = ""
        var inEscape = false
        for ch in unicodeScalars {
            if inEscape {
                if ch == "m" { inEscape = false }
                continue
            }
            if ch == "\u{1B}" { inEscape = true; continue }
            out.unicodeScalars.append(ch)
        }
        return out
    }
}
