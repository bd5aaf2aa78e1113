#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSystemShims

/// Guesses a line's level from what real build tools print. Stateful (one per stream and step) because
/// Python tracebacks, Go panics, Java stack traces and BuildKit error excerpts span several lines.
///
/// Stderr alone is not an error: most tools write progress there. Words count only as whole words
/// (`-Werror`, `error_log.c`, `stderr` do not), and counts of zero (`0 errors`, `Errors: 0`,
/// `warning(s): none`, `no errors`) do not. Structured levels (logfmt `level=`, JSON `"level":`,
/// nix `@nix` messages) win over words in the message.
///
/// Cost: one C pass over the line looks for trigrams of the keywords below (case-folded); lines
/// without any, and without a special first byte, return `.info` straight away.
public struct LogLevelClassifier: Sendable {
    private enum Block: Sendable, Equatable {
        case none
        case pythonTraceback
        case goPanic
        case javaStack
        case buildKitExcerpt(lines: Int)
    }

    private var block = Block.none
    /// The previous line closed a BuildKit excerpt: a following `Dockerfile:N` belongs to the error.
    private var afterExcerpt = false
    private var lowered: [UInt8] = []

    /// BuildKit shows a few lines of output in an excerpt; a longer "block" was a false start.
    private static let maximumExcerptLines = 100

    public init() {}

    /// Forgets multi-line state, e.g. when a new step starts.
    public mutating func reset() {
        block = .none
        afterExcerpt = false
    }

    public mutating func classify(_ plainLine: UnsafeRawBufferPointer, stream: LogStream) -> LogLevel {
        guard let base = plainLine.baseAddress, plainLine.count > 0 else { return classifyEmptyLine() }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = plainLine.count
        let triggers = if_log_level_triggers(p, n)
        if triggers == 0 && block == .none && !afterExcerpt && !Self.mayStartSpecially(p[0]) {
            return .info
        }
        return classifySlow(p, n, triggers)
    }

    public mutating func classify(_ line: String, stream: LogStream) -> LogLevel {
        var copy = line
        return copy.withUTF8 { classify(UnsafeRawBufferPointer($0), stream: stream) }
    }

    /// The C prefilter's keyword families for `line`; `portable` forces the non-SIMD scan (tests compare them).
    static func keywordTriggers(_ line: UnsafeBufferPointer<UInt8>, portable: Bool = false) -> UInt32 {
        portable ? if_log_level_triggers_portable(line.baseAddress, line.count) : if_log_level_triggers(line.baseAddress, line.count)
    }

    @inline(__always)
    private static func mayStartSpecially(_ b: UInt8) -> Bool {
        // apt "E: " / "W: ", BuildKit "------" excerpts, and prefixes ("#12 ", "[linux/arm64] ") before them.
        b == UInt8(ascii: "E") || b == UInt8(ascii: "W") || b == UInt8(ascii: "-") || b == UInt8(ascii: "#")
            || b == UInt8(ascii: "[")
    }

    private mutating func classifyEmptyLine() -> LogLevel {
        afterExcerpt = false
        switch block {
        case .pythonTraceback, .javaStack: block = .none
        case .buildKitExcerpt(let lines): return continueExcerpt(lines)
        case .goPanic, .none: break
        }
        return .info
    }

    private mutating func continueExcerpt(_ lines: Int) -> LogLevel {
        if lines >= Self.maximumExcerptLines {
            block = .none
            return .info
        }
        block = .buildKitExcerpt(lines: lines + 1)
        return .error
    }

    private mutating func classifySlow(_ p: UnsafePointer<UInt8>, _ n: Int, _ triggers: UInt32) -> LogLevel {
        var start = 0
        switch Self.stripPrefixes(p, n, &start) {
        case .packerError: return .error
        case .packerData: return .info
        case .text: break
        }
        let t = p + start
        let m = n - start
        let wasAfterExcerpt = afterExcerpt
        afterExcerpt = false
        if m == 0 { return classifyEmptyLine() }

        if let level = continueBlock(t, m, wasAfterExcerpt: wasAfterExcerpt) { return level }

        // Line-start forms.
        if m >= 3 && t[1] == UInt8(ascii: ":") && t[2] == UInt8(ascii: " ") {
            if t[0] == UInt8(ascii: "E") { return .error }  // apt
            if t[0] == UInt8(ascii: "W") { return .warn }
        }
        if Self.isExcerptRule(t, m) {
            block = .buildKitExcerpt(lines: 0)
            return .error
        }
        if triggers == 0 { return .info }
        if triggers & UInt32(IF_LOG_TRACEBACK) != 0 && Self.hasPrefix(t, m, "Traceback (most recent call last):") {
            block = .pythonTraceback
            return .error
        }
        if triggers & UInt32(IF_LOG_PANIC) != 0 && Self.hasPrefix(t, m, "panic: ") {
            block = .goPanic
            return .error
        }
        if triggers & UInt32(IF_LOG_GOROUTINE) != 0 && Self.isGoroutineHeader(t, m) {
            block = .goPanic
            return .error
        }
        if triggers & UInt32(IF_LOG_EXCEPTION) != 0 && Self.hasPrefix(t, m, "Exception in thread ") {
            block = .javaStack
            return .error
        }
        if Self.hasPrefix(t, m, "@nix ") { return Self.nixLevel(t, m) }
        if triggers & UInt32(IF_LOG_LEVELKEY) != 0, let level = lowercased(t, m, { Self.structuredLevel(t, $0, m) }) {
            return level
        }
        if triggers & UInt32(IF_LOG_ERR | IF_LOG_EXCEPTION | IF_LOG_WARN) != 0,
           let (level, startsJavaTrace) = Self.exceptionIdentifier(t, m) {
            if startsJavaTrace { block = .javaStack }
            return level
        }
        return lowercased(t, m) { l in Self.keywordLevel(Scan(t: t, l: l, m: m), triggers) }
    }

    /// Lines inside a multi-line block; nil when the block has ended and the line needs the normal rules.
    private mutating func continueBlock(_ t: UnsafePointer<UInt8>, _ m: Int, wasAfterExcerpt: Bool) -> LogLevel? {
        switch block {
        case .none:
            if wasAfterExcerpt && (Self.isDockerfileReference(t, m, "Dockerfile:")
                || Self.isDockerfileReference(t, m, "Containerfile:")) {
                return .error
            }
            return nil
        case .pythonTraceback:
            // Frames are indented; the first unindented line is the exception itself and ends the block.
            if t[0] != UInt8(ascii: " ") && t[0] != 0x09 { block = .none }
            return .error
        case .goPanic:
            if Self.isGoStackLine(t, m) {
                if Self.hasPrefix(t, m, "exit status ") { block = .none }
                return .error
            }
            block = .none
            return nil
        case .javaStack:
            if Self.hasPrefix(t, m, "\tat ") || Self.hasPrefix(t, m, "    at ") || Self.hasPrefix(t, m, "\t... ")
                || Self.hasPrefix(t, m, "Caused by: ") || Self.hasPrefix(t, m, "\tCaused by: ")
                || Self.hasPrefix(t, m, "Suppressed: ") || Self.hasPrefix(t, m, "\tSuppressed: ") {
                return .error
            }
            block = .none
            return nil
        case .buildKitExcerpt(let lines):
            if Self.isExcerptRule(t, m) {
                block = .none
                afterExcerpt = true
                return .error
            }
            return continueExcerpt(lines)
        }
    }

    private mutating func lowercased<R>(_ t: UnsafePointer<UInt8>, _ m: Int, _ body: (UnsafePointer<UInt8>) -> R) -> R {
        if lowered.count < m { lowered = [UInt8](repeating: 0, count: max(m, 256)) }
        return lowered.withUnsafeMutableBufferPointer { buffer in
            if_ascii_lower(buffer.baseAddress!, t, m)
            return body(UnsafePointer(buffer.baseAddress!))
        }
    }

    // MARK: - Prefixes

    private enum PrefixKind { case text, packerError, packerData }

    /// Skips BuildKit's `#12 ` / `#12 0.123 `, a platform tag `[linux/arm64] `, and packer's
    /// machine-readable `timestamp,target,ui,kind,` (whose kind `error` decides the level).
    private static func stripPrefixes(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: inout Int) -> PrefixKind {
        var s = 0
        if p[0] == UInt8(ascii: "#") {
            let digitsEnd = skipDigits(p, n, 1)
            if digitsEnd > 1 && digitsEnd < n && p[digitsEnd] == UInt8(ascii: " ") {
                s = digitsEnd + 1
                let secondsEnd = skipDigits(p, n, s)
                if secondsEnd > s && secondsEnd < n && p[secondsEnd] == UInt8(ascii: ".") {
                    let fractionEnd = skipDigits(p, n, secondsEnd + 1)
                    if fractionEnd > secondsEnd + 1 && fractionEnd < n && p[fractionEnd] == UInt8(ascii: " ") {
                        s = fractionEnd + 1
                    }
                }
            }
        }
        if s < n && p[s] == UInt8(ascii: "[") {
            var j = s + 1
            var sawSlash = false
            while j < n && j < s + 48 && p[j] != UInt8(ascii: "]") && p[j] != UInt8(ascii: " ") {
                if p[j] == UInt8(ascii: "/") { sawSlash = true }
                j += 1
            }
            if sawSlash && j + 1 < n && p[j] == UInt8(ascii: "]") && p[j + 1] == UInt8(ascii: " ") { s = j + 2 }
        }
        if s < n && isDigit(p[s]) {
            let timeEnd = skipDigits(p, n, s)
            if timeEnd - s >= 9 && timeEnd < n && p[timeEnd] == UInt8(ascii: ",") {
                var j = timeEnd + 1
                while j < n && p[j] != UInt8(ascii: ",") { j += 1 }
                j += 1
                guard j < n else { start = s; return .text }
                if hasPrefix(p + j, n - j, "ui,") {
                    let kind = j + 3
                    if hasPrefix(p + kind, n - kind, "error,") { return .packerError }
                    var k = kind
                    while k < n && p[k] != UInt8(ascii: ",") { k += 1 }
                    start = min(n, k + 1)
                    return .text
                }
                return .packerData
            }
        }
        start = s
        return .text
    }

    // MARK: - Line shapes

    private static func isExcerptRule(_ t: UnsafePointer<UInt8>, _ m: Int) -> Bool {
        // BuildKit frames the failing step's output with exactly 6 dashes and the Dockerfile excerpt with 20.
        guard m == 6 || m == 20 else { return false }
        for i in 0..<m where t[i] != UInt8(ascii: "-") { return false }
        return true
    }

    private static func isDockerfileReference(_ t: UnsafePointer<UInt8>, _ m: Int, _ name: StaticString) -> Bool {
        guard hasPrefix(t, m, name) else { return false }
        let s = name.utf8CodeUnitCount
        return s < m && skipDigits(t, m, s) == m
    }

    private static func isGoroutineHeader(_ t: UnsafePointer<UInt8>, _ m: Int) -> Bool {
        guard hasPrefix(t, m, "goroutine ") else { return false }
        let end = skipDigits(t, m, 10)
        return end > 10 && end + 1 < m && t[end] == UInt8(ascii: " ") && t[end + 1] == UInt8(ascii: "[")
    }

    /// A line of a Go panic trace: frames `pkg.fn(...)`, tab-indented file lines, goroutine headers.
    private static func isGoStackLine(_ t: UnsafePointer<UInt8>, _ m: Int) -> Bool {
        if t[0] == 0x09 { return true }
        if hasPrefix(t, m, "goroutine ") || hasPrefix(t, m, "created by ") || hasPrefix(t, m, "exit status ")
            || hasPrefix(t, m, "[signal ") || hasPrefix(t, m, "panic: ") || hasPrefix(t, m, "...") {
            return true
        }
        // Function frame: no space before the first '(' and the line ends with ')'.
        guard t[m - 1] == UInt8(ascii: ")") else { return false }
        for i in 0..<m {
            if t[i] == UInt8(ascii: "(") { return i > 0 }
            if t[i] == UInt8(ascii: " ") { return false }
        }
        return false
    }

    /// `ValueError: ...`, `subprocess.CalledProcessError: ...`, `java.lang.IllegalStateException: ...`,
    /// `UserWarning: ...` at the start of a line.
    private static func exceptionIdentifier(_ t: UnsafePointer<UInt8>, _ m: Int) -> (LogLevel, Bool)? {
        var j = 0
        var dotted = false
        while j < m {
            let c = t[j]
            if c == UInt8(ascii: ".") { dotted = true } else if !(isAlnum(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "$")) { break }
            j += 1
        }
        guard j == m || t[j] == UInt8(ascii: ":") else { return nil }
        let word = UnsafeBufferPointer(start: t, count: j)
        if hasSuffix(word, "Exception") && j > 9 { return (.error, dotted) }
        if hasSuffix(word, "Error") && j > 5 { return (.error, dotted) }
        if hasSuffix(word, "Warning") && j > 7 { return (.warn, false) }
        return nil
    }

    // MARK: - Structured levels

    /// `@nix {"action":"msg","level":0,...}`: nix's verbosity 0 is an error, 1 a warning.
    private static func nixLevel(_ t: UnsafePointer<UInt8>, _ m: Int) -> LogLevel {
        guard find(t, m, 0, "\"action\":\"msg\"") != nil, let key = find(t, m, 0, "\"level\":") else { return .info }
        let v = key + 8
        guard v < m else { return .info }
        switch t[v] {
        case UInt8(ascii: "0"): return .error
        case UInt8(ascii: "1"): return .warn
        default: return .info
        }
    }

    /// logfmt `level=error`, `lvl=warn`, `severity=ERROR` and JSON `"level":"warning"`, `"severity": "error"`,
    /// pino/bunyan numeric levels in JSON lines (40 warn, 50 and up error).
    private static func structuredLevel(_ t: UnsafePointer<UInt8>, _ l: UnsafePointer<UInt8>, _ m: Int) -> LogLevel? {
        for key: StaticString in ["level", "severity", "lvl"] {
            var from = 0
            while let i = find(l, m, from, key) {
                from = i + 1
                var j = i + key.utf8CodeUnitCount
                if hasPrefix(l + j, m - j, "name") { j += 4 }
                guard j < m else { break }
                let before: UInt8 = i > 0 ? t[i - 1] : UInt8(ascii: " ")
                var v: Int
                if t[j] == UInt8(ascii: "=") && (before == UInt8(ascii: " ") || before == 0x09 || before == UInt8(ascii: ",")) {
                    v = j + 1
                    if v < m && t[v] == UInt8(ascii: "\"") { v += 1 }
                } else if before == UInt8(ascii: "\"") && t[j] == UInt8(ascii: "\"") {
                    v = skipSpaces(t, m, j + 1)
                    guard v < m && t[v] == UInt8(ascii: ":") else { continue }
                    v = skipSpaces(t, m, v + 1)
                    guard v < m else { continue }
                    if isDigit(t[v]) {
                        guard t[0] == UInt8(ascii: "{") else { continue }
                        let end = skipDigits(t, m, v)
                        guard end - v == 2 else { continue }
                        let number = Int(t[v] - 48) * 10 + Int(t[v + 1] - 48)
                        return number >= 50 ? .error : number >= 40 ? .warn : .info
                    }
                    guard t[v] == UInt8(ascii: "\"") else { continue }
                    v += 1
                } else {
                    continue
                }
                var e = v
                while e < m && isAlpha(l[e]) { e += 1 }
                if let level = levelName(UnsafeBufferPointer(start: l + v, count: e - v)) { return level }
            }
        }
        return nil
    }

    private static func levelName(_ w: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        for name: StaticString in ["error", "err", "fatal", "panic", "critical", "crit", "emerg", "emergency", "alert", "severe"]
            where equals(w, name) {
            return .error
        }
        if equals(w, "warn") || equals(w, "warning") { return .warn }
        for name: StaticString in ["info", "debug", "trace", "notice", "verbose", "fine", "dbug"] where equals(w, name) {
            return .info
        }
        return nil
    }

    // MARK: - Keywords

    /// The original line `t` and its ASCII-lowercased copy `l`, both `m` bytes.
    private struct Scan {
        let t: UnsafePointer<UInt8>
        let l: UnsafePointer<UInt8>
        let m: Int

        func boundaryBefore(_ i: Int) -> Bool {
            guard i > 0 else { return true }
            let c = t[i - 1]
            return !(isAlnum(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
                || c == UInt8(ascii: "/") || c == UInt8(ascii: "\\") || c == UInt8(ascii: "=") || c == UInt8(ascii: "@")
                || c == UInt8(ascii: "$") || c == UInt8(ascii: "%") || c == UInt8(ascii: "&"))
        }

        func alphaEnd(_ i: Int) -> Int {
            var j = i
            while j < m && isAlpha(l[j]) { j += 1 }
            return j
        }

        /// Index after the word (past a plural "(s)"), or nil when the word continues as an identifier,
        /// flag, path or file name (`error_log`, `error-prone`, `errors.go`, `errors/`).
        func boundaryAfter(_ j: Int) -> Int? {
            guard j < m else { return j }
            let c = t[j]
            if isDigit(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "/")
                || c == UInt8(ascii: "=") || c == UInt8(ascii: "\\") {
                return nil
            }
            if c == UInt8(ascii: ".") && j + 1 < m && isAlnum(t[j + 1]) { return nil }
            if c == UInt8(ascii: "(") {
                return hasPrefix(l + j, m - j, "(s)") ? j + 3 : nil
            }
            return j
        }

        /// The blank-separated word before the word (empty when something else precedes it, as the
        /// "00" of "10:00:00").
        func previousToken(_ i: Int) -> UnsafeBufferPointer<UInt8> {
            var e = i
            while e > 0 && (t[e - 1] == UInt8(ascii: " ") || t[e - 1] == 0x09) { e -= 1 }
            var s = e
            while s > 0 && isAlnum(t[s - 1]) { s -= 1 }
            if s > 0 && !(t[s - 1] == UInt8(ascii: " ") || t[s - 1] == 0x09 || t[s - 1] == UInt8(ascii: "(")
                || t[s - 1] == UInt8(ascii: ",")) {
                return UnsafeBufferPointer(start: l + s, count: 0)
            }
            return UnsafeBufferPointer(start: l + s, count: e - s)
        }

        /// `0 errors`, `no warnings`, `Errors: 0`, `failed=0`, `warning(s): none`.
        func isZeroCount(_ i: Int, after next: Int) -> Bool {
            let before = previousToken(i)
            if !before.isEmpty {
                if before.allSatisfy({ $0 == UInt8(ascii: "0") }) { return true }
                if equals(before, "no") || equals(before, "without") { return true }
            }
            var q = skipSpaces(t, m, next)
            if q < m && (t[q] == UInt8(ascii: ":") || t[q] == UInt8(ascii: "=")) { q = skipSpaces(t, m, q + 1) }
            guard q < m else { return false }
            if t[q] == UInt8(ascii: "0") && (q + 1 == m || !isDigit(t[q + 1])) { return true }
            return hasPrefix(l + q, m - q, "none")
        }

        /// A nonzero number right before the word: `2 errors`, `1 warning generated`.
        func hasCountBefore(_ i: Int) -> Bool {
            let before = previousToken(i)
            return !before.isEmpty && before.allSatisfy(isDigit) && !before.allSatisfy({ $0 == UInt8(ascii: "0") })
        }

        /// The word opens the message: only `tool:` labels, `==>` arrows, `npm` or `CMake` precede it
        /// (`error: x`, `dpkg: error processing`, `gcc: error:`, `npm warn`, `CMake Error at`).
        func isLead(_ i: Int) -> Bool {
            var k = 0
            var tokens = 0
            while k < i {
                k = skipSpaces(t, i, k)
                if k >= i { break }
                var e = k
                while e < i && t[e] != UInt8(ascii: " ") && t[e] != 0x09 { e += 1 }
                if e == i { return false }
                let last = t[e - 1]
                let token = UnsafeBufferPointer(start: l + k, count: e - k)
                guard last == UInt8(ascii: ":") || last == UInt8(ascii: "]") || equals(token, "==>")
                    || equals(token, "-->") || equals(token, "npm") || equals(token, "cmake") else { return false }
                tokens += 1
                if tokens > 4 { return false }
                k = e
            }
            return true
        }

        func isBracketed(_ i: Int, _ j: Int) -> Bool {
            i > 0 && t[i - 1] == UInt8(ascii: "[") && j < m && t[j] == UInt8(ascii: "]")
        }

        func isUpper(_ i: Int, _ j: Int) -> Bool {
            for k in i..<j where !(t[k] >= UInt8(ascii: "A") && t[k] <= UInt8(ascii: "Z")) { return false }
            return true
        }

        func byte(_ k: Int) -> UInt8 { k < m ? t[k] : 0 }
    }

    /// A keyword occurrence that passed the word-boundary and zero-count checks.
    private struct Word {
        let start: Int
        let end: Int
        let next: Int
        let upper: Bool
    }

    /// Calls `body` for each whole-word occurrence starting with `stem`; stops at the first non-nil result.
    private static func words(
        _ s: Scan, _ stem: StaticString, _ body: (Word, UnsafeBufferPointer<UInt8>) -> LogLevel?
    ) -> LogLevel? {
        var best: LogLevel?
        var from = 0
        while let i = find(s.l, s.m, from, stem) {
            from = i + 1
            guard s.boundaryBefore(i) else { continue }
            let end = s.alphaEnd(i)
            guard let next = s.boundaryAfter(end), !s.isZeroCount(i, after: next) else { continue }
            let word = Word(start: i, end: end, next: next, upper: s.isUpper(i, end))
            if let level = body(word, UnsafeBufferPointer(start: s.l + i, count: end - i)) {
                if level == .error { return .error }
                best = max(best ?? level, level)
            }
        }
        return best
    }

    /// The Go compiler and vet print errors without the word: `./main.go:5:2: undefined: foo`.
    private static func isGoCompilerDiagnostic(_ s: Scan) -> Bool {
        guard let i = find(s.t, s.m, 0, ".go:") else { return false }
        for k in 0..<i where s.t[k] == UInt8(ascii: " ") || s.t[k] == 0x09 { return false }
        let line = skipDigits(s.t, s.m, i + 4)
        guard line > i + 4, line < s.m, s.t[line] == UInt8(ascii: ":") else { return false }
        let column = skipDigits(s.t, s.m, line + 1)
        return column > line + 1 && column + 1 < s.m && s.t[column] == UInt8(ascii: ":") && s.t[column + 1] == UInt8(ascii: " ")
    }

    private static func keywordLevel(_ s: Scan, _ triggers: UInt32) -> LogLevel {
        var result = LogLevel.info
        func has(_ family: Int) -> Bool { triggers & UInt32(family) != 0 }
        let packerArrow = hasPrefix(s.t, s.m, "==> ")

        if has(IF_LOG_ERR), let level = words(s, "err", { w, word in
            let after = s.byte(w.next)
            if equals(word, "err") {
                return w.upper || after == UInt8(ascii: ":") ? .error : nil
            }
            if equals(word, "erro") { return w.upper ? .error : nil }  // logrus "ERRO[0001]"
            if equals(word, "errored") { return .error }
            if equals(word, "error") {
                if w.upper || after == UInt8(ascii: ":") || after == UInt8(ascii: "[") || after == UInt8(ascii: "!")
                    || packerArrow || s.isBracketed(w.start, w.end) || s.isLead(w.start) {
                    return .error
                }
                // make's "Error 2"
                if after == UInt8(ascii: " ") && isDigit(s.byte(w.next + 1)) && s.byte(w.next + 1) != UInt8(ascii: "0") {
                    return .error
                }
                if w.start >= 6 && hasPrefix(s.l + w.start - 6, 6, "fatal ") { return .error }
                return s.hasCountBefore(w.start) ? .error : nil  // clang "1 error generated."
            }
            if equals(word, "errors") {
                if w.upper || after == UInt8(ascii: ":") || packerArrow || s.hasCountBefore(w.start) || s.isLead(w.start) {
                    return .error
                }
                // gcc -Werror: "cc1: all warnings being treated as errors"
                if w.start >= 17 && hasPrefix(s.l + w.start - 17, 17, "being treated as ") { return .error }
            }
            return nil
        }) {
            if level == .error { return .error }
            result = max(result, level)
        }

        if has(IF_LOG_FAIL), words(s, "fail", { w, word in
            if w.upper && (equals(word, "fail") || equals(word, "failed") || equals(word, "failure")) { return .error }
            if equals(word, "failed") { return .error }
            if equals(word, "failure") || equals(word, "failures") {
                let after = s.byte(w.next)
                if after == UInt8(ascii: ":") || s.hasCountBefore(w.start) || s.isLead(w.start) { return .error }
            }
            return nil
        }) != nil {
            return .error
        }

        if has(IF_LOG_FATAL), words(s, "fat", { w, word in
            if equals(word, "fata") { return w.upper ? .error : nil }  // logrus "FATA[0000]"
            guard equals(word, "fatal") else { return nil }
            if w.upper || s.byte(w.next) == UInt8(ascii: ":") || s.isLead(w.start)
                || hasPrefix(s.l + w.next, s.m - w.next, " error") {
                return .error
            }
            return nil
        }) != nil {
            return .error
        }

        if has(IF_LOG_PANIC), words(s, "pan", { w, word in
            if equals(word, "panicked") { return .error }  // Rust: thread 'main' panicked at
            if equals(word, "panic") && (w.upper || s.byte(w.next) == UInt8(ascii: ":")) { return .error }
            return nil
        }) != nil {
            return .error
        }

        if has(IF_LOG_CRITICAL), words(s, "critical", { w, word in
            equals(word, "critical") && (w.upper || s.byte(w.next) == UInt8(ascii: ":")) ? .error : nil
        }) != nil {
            return .error
        }

        if has(IF_LOG_NOTFOUND) {
            var from = 0
            while let i = find(s.l, s.m, from, "not found") {
                from = i + 1
                // "sh: 1: foo: not found", "bash: foo: command not found"
                if i >= 2 && s.t[i - 2] == UInt8(ascii: ":") && s.t[i - 1] == UInt8(ascii: " ") { return .error }
                if i >= 8 && hasPrefix(s.l + i - 8, 8, "command ") { return .error }
            }
        }
        if has(IF_LOG_NOSUCH) && find(s.l, s.m, 0, "no such file or directory") != nil { return .error }
        if has(IF_LOG_STARS) {
            var from = 0
            while let i = find(s.t, s.m, from, "***") {
                from = i + 1
                // make: "make: *** [all] Error 2", "make[1]: *** No rule to make target"
                if i >= 2 && s.t[i - 2] == UInt8(ascii: ":") && s.t[i - 1] == UInt8(ascii: " ")
                    && (i + 3 == s.m || s.t[i + 3] == UInt8(ascii: " ")) {
                    return .error
                }
            }
        }
        if has(IF_LOG_NONZERO) {
            var from = 0
            while let i = find(s.l, s.m, from, "non-zero ") {
                from = i + 1
                let k = i + 9
                for next: StaticString in ["exit", "code", "status", "return"] where hasPrefix(s.l + k, s.m - k, next) {
                    return .error
                }
            }
        }
        if has(IF_LOG_GOFILE) && isGoCompilerDiagnostic(s) { return .error }
        if has(IF_LOG_SEGFAULT) && find(s.l, s.m, 0, "segmentation fault") != nil { return .error }
        if has(IF_LOG_COREDUMP) && find(s.l, s.m, 0, "core dumped") != nil { return .error }

        if has(IF_LOG_WARN), let level = words(s, "warn", { w, word in
            guard equals(word, "warn") || equals(word, "warning") || equals(word, "warnings") else { return nil }
            let after = s.byte(w.next)
            if w.upper || after == UInt8(ascii: ":") || after == UInt8(ascii: "!") || s.isBracketed(w.start, w.end)
                || s.isLead(w.start) || s.hasCountBefore(w.start) {
                return .warn
            }
            return nil
        }) {
            result = max(result, level)
        }
        if has(IF_LOG_DEPRECAT) {
            var from = 0
            while let i = find(s.l, s.m, from, "deprecat") {
                from = i + 1
                if s.boundaryBefore(i) { return max(result, .warn) }
            }
        }
        return result
    }
}

// MARK: - Byte helpers

/// Kept as static members so they cannot clash with helpers elsewhere in the module.
extension LogLevelClassifier {
    @inline(__always) fileprivate static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }
    @inline(__always) fileprivate static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- 97 < 26 }
    @inline(__always) fileprivate static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }

    fileprivate static func skipDigits(_ p: UnsafePointer<UInt8>, _ n: Int, _ from: Int) -> Int {
        var j = from
        while j < n && isDigit(p[j]) { j += 1 }
        return j
    }

    fileprivate static func skipSpaces(_ p: UnsafePointer<UInt8>, _ n: Int, _ from: Int) -> Int {
        var j = from
        while j < n && (p[j] == UInt8(ascii: " ") || p[j] == 0x09) { j += 1 }
        return j
    }

    fileprivate static func hasPrefix(_ p: UnsafePointer<UInt8>, _ n: Int, _ prefix: StaticString) -> Bool {
        let k = prefix.utf8CodeUnitCount
        return n >= k && memcmp(p, prefix.utf8Start, k) == 0
    }

    fileprivate static func hasSuffix(_ w: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
        let k = suffix.utf8CodeUnitCount
        guard w.count >= k, let base = w.baseAddress else { return false }
        return memcmp(base + (w.count - k), suffix.utf8Start, k) == 0
    }

    fileprivate static func equals(_ w: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        let k = text.utf8CodeUnitCount
        guard w.count == k, let base = w.baseAddress else { return false }
        return memcmp(base, text.utf8Start, k) == 0
    }

    fileprivate static func find(_ p: UnsafePointer<UInt8>, _ n: Int, _ from: Int, _ needle: StaticString) -> Int? {
        guard from < n, let hit = if_memmem(p + from, n - from, needle.utf8Start, needle.utf8CodeUnitCount) else {
            return nil
        }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(p)
    }
}
