import Foundation
import ImageFactoryCore

/// Colours for a terminal, off when output is not a terminal, NO_COLOR is set, or TERM is dumb.
struct Style: Sendable {
    let colors: Bool
    let fd: Int32

    static let stdout = Style(fd: 1)
    static let stderr = Style(fd: 2)

    init(fd: Int32) {
        self.fd = fd
        let env = ProcessInfo.processInfo.environment
        if env["IMAGEFACTORY_COLOR"] == "always" {
            colors = true
        } else {
            colors = isatty(fd) == 1 && env["NO_COLOR"].map(\.isEmpty) ?? true && env["TERM"] != "dumb"
        }
    }

    func paint(_ s: String, _ code: String) -> String { colors ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { paint(s, "1") }
    func dim(_ s: String) -> String { paint(s, "2") }
    func red(_ s: String) -> String { paint(s, "31") }
    func green(_ s: String) -> String { paint(s, "32") }
    func yellow(_ s: String) -> String { paint(s, "33") }
    func blue(_ s: String) -> String { paint(s, "34") }
    func cyan(_ s: String) -> String { paint(s, "36") }

    func level(_ level: LogLevel, _ s: String) -> String {
        switch level {
        case .info: s
        case .warn: yellow(s)
        case .error: red(s)
        }
    }

    func status(_ status: BuildStatus) -> String {
        switch status {
        case .succeeded: green("✓ succeeded")
        case .failed: red("✗ failed")
        case .cancelled: yellow("⊘ cancelled")
        case .interrupted: yellow("! interrupted")
        case .running: blue("● running")
        case .queued: dim("… queued")
        }
    }

    func step(_ status: StepStatus) -> String {
        switch status {
        case .succeeded: green("✓")
        case .failed: red("✗")
        case .cancelled: yellow("⊘")
        case .interrupted: yellow("!")
        case .running: blue("●")
        case .pending: dim("·")
        case .skipped: dim("-")
        }
    }

    func printError(_ message: String) {
        try? FileHandle.standardError.write(contentsOf: Data((paint("error:", "1;31") + " " + message + "\n").utf8))
    }

    func printWarning(_ message: String) {
        try? FileHandle.standardError.write(contentsOf: Data((paint("warning:", "1;33") + " " + message + "\n").utf8))
    }
}

enum Format {
    static func duration(_ t: TimeInterval?) -> String { DisplayFormat.duration(t) }
    static func age(_ date: Date, now: Date = Date()) -> String { DisplayFormat.age(date, now: now) }

    static let timestamp: DateFormatter = {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f
    }()

    static func table(_ rows: [[String]], header: [String], style: Style) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], visibleWidth(cell)) } }
        return all.enumerated().map { index, row in
            let line = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[i] - visibleWidth(cell)))
            }.joined(separator: "  ")
            return index == 0 ? style.bold(line) : line
        }.joined(separator: "\n")
    }

    /// Width without ANSI colour sequences.
    static func visibleWidth(_ s: String) -> Int {
        var count = 0
        var inEscape = false
        for scalar in s.unicodeScalars {
            if inEscape { if scalar == "m" { inEscape = false }; continue }
            if scalar == "\u{1B}" { inEscape = true; continue }
            count += 1
        }
        return count
    }
}
