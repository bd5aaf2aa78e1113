import Foundation

/// Reads BuildKit's plain progress (`docker build --progress=plain`, `docker buildx build --progress=plain`).
///
/// - `#N name` (the first line for N) starts vertex "N"; `#N CACHED` marks it cached and finished,
///   `#N DONE 0.1s` finishes it, `#N ERROR: msg` fails it, `#N CANCELED` fails it as canceled.
/// - `#N 0.075 text` is the vertex's own output; `#N sha256:<digest>` is ignored.
/// - `#N id 1.05MB / 2.81MB 0.2s` and `#N transferring context: 30B done` are byte progress, summed over
///   the vertex's status ids.
/// - Between `------` markers BuildKit repeats the failing vertex's last output; those lines keep its key.
/// - `ERROR: failed to solve: ...`, `error: failed to solve: ...`, `failed to solve with frontend dockerfile.v0: ...`
///   is the build's failure reason.
public struct BuildKitPlainParser: ToolProgressParser {
    private enum State { case running, done }

    private struct Vertex {
        var name: String
        var state: State
        /// Per status id: bytes done and expected.
        var statuses: [String: (done: Int64, expected: Int64?)] = [:]
    }

    private var vertexes: [String: Vertex] = [:]
    private var order: [String] = []
    private var lastFailed: String?
    private var inErrorBlock = false
    /// The vertex whose output the current `------` block repeats.
    private var errorBlockKey: String?

    public init() {}

    public mutating func parse(_ line: String) -> ToolLine {
        // Fast path: `#7 0.075 text`, a known vertex's own output (nearly every line of a long build).
        if !inErrorBlock, let key = Self.vertexOutputKey(line), vertexes[key] != nil {
            return ToolLine(stepKey: key)
        }
        let text = Self.trimTrailing(line)

        if text.hasPrefix("#"), let (key, rest) = Self.splitVertexLine(text) {
            return parseVertexLine(key: key, rest: rest)
        }

        if text == "------" {
            if inErrorBlock {
                inErrorBlock = false
                let key = errorBlockKey
                errorBlockKey = nil
                return ToolLine(stepKey: key)
            }
            inErrorBlock = true
            errorBlockKey = lastFailed
            return ToolLine(stepKey: errorBlockKey)
        }
        if inErrorBlock {
            // ` > [4/7] RUN ...:` names the failing vertex; the rest is its last output.
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("> "), trimmed.hasSuffix(":") {
                let name = String(trimmed.dropFirst(2).dropLast())
                if let key = order.last(where: { vertexes[$0]?.name == name }) {
                    errorBlockKey = key
                }
            }
            return ToolLine(stepKey: errorBlockKey)
        }

        if let reason = Self.solveError(text) {
            return ToolLine(events: [.error(reason)], level: .error)
        }
        if text.hasPrefix("WARNING:") || text.hasPrefix("WARN:") {
            return ToolLine(level: .warn)
        }
        return ToolLine()
    }

    public mutating func finish(succeeded: Bool) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        for key in order where vertexes[key]?.state == .running {
            vertexes[key]?.state = .done
            events.append(succeeded ? .finished(key: key) : .failed(key: key, message: nil))
        }
        return events
    }

    // MARK: - `#N ...`

    private mutating func parseVertexLine(key: String, rest: String) -> ToolLine {
        guard var vertex = vertexes[key] else {
            if rest.isEmpty || rest == "..." { return ToolLine(stepKey: key) }
            vertexes[key] = Vertex(name: rest, state: .running)
            order.append(key)
            return ToolLine(events: [.started(key: key, name: rest, group: Self.group(ofVertexName: rest))], stepKey: key)
        }
        defer { vertexes[key] = vertex }

        if rest == "CACHED" {
            guard vertex.state == .running else { return ToolLine(stepKey: key) }
            vertex.state = .done
            return ToolLine(events: [.cached(key: key), .finished(key: key)], stepKey: key)
        }
        if rest == "DONE" || rest.hasPrefix("DONE ") {
            guard vertex.state == .running else { return ToolLine(stepKey: key) }
            vertex.state = .done
            return ToolLine(events: [.finished(key: key)], stepKey: key)
        }
        if rest.hasPrefix("ERROR:") || rest == "ERROR" {
            let message = rest.dropFirst(6).trimmingCharacters(in: .whitespaces)
            vertex.state = .done
            lastFailed = key
            return ToolLine(events: [.failed(key: key, message: message.isEmpty ? nil : message)], stepKey: key, level: .error)
        }
        if rest == "CANCELED" || rest.hasPrefix("CANCELED ") {
            guard vertex.state == .running else { return ToolLine(stepKey: key) }
            vertex.state = .done
            return ToolLine(events: [.failed(key: key, message: "canceled")], stepKey: key)
        }
        if rest == vertex.name || rest == "..." || Self.isDigestOnly(rest) {
            // The name repeated when BuildKit switches back to this vertex, or the vertex digest.
            return ToolLine(stepKey: key)
        }
        if Self.startsWithTimestamp(rest) {
            // `#7 0.075 text`: the vertex's own output.
            return ToolLine(stepKey: key)
        }
        if let status = Self.parseStatus(rest) {
            vertex.statuses[status.id] = (status.done, status.expected)
            let (done, expected) = Self.sum(vertex.statuses.values)
            return ToolLine(events: [.progress(key: key, done: done, expected: expected)], stepKey: key)
        }
        return ToolLine(stepKey: key)
    }

    /// A vertex's progress over its status ids: the statuses that know their total (layer downloads) when there
    /// are any, else all of them (`transferring context: 30B`) with no total.
    private static func sum(_ statuses: some Collection<(done: Int64, expected: Int64?)>) -> (Int64, Int64?) {
        let sized = statuses.filter { $0.expected != nil }
        if sized.isEmpty { return (statuses.reduce(0) { $0 + $1.done }, nil) }
        return (sized.reduce(0) { $0 + $1.done }, sized.reduce(0) { $0 + ($1.expected ?? 0) })
    }

    // MARK: - Line shapes

    /// The vertex of a `#N SECONDS.FRACTION text` line, read byte by byte without building substrings.
    private static func vertexOutputKey(_ line: String) -> String? {
        var bytes = line.utf8.makeIterator()
        guard bytes.next() == UInt8(ascii: "#") else { return nil }
        var vertex = 0, digits = 0
        var next = bytes.next()
        while let b = next, b >= 48, b <= 57, digits < 9 { vertex = vertex * 10 + Int(b - 48); digits += 1; next = bytes.next() }
        guard digits > 0, next == UInt8(ascii: " ") else { return nil }
        var whole = 0, fraction = 0
        next = bytes.next()
        while let b = next, b >= 48, b <= 57 { whole += 1; next = bytes.next() }
        guard whole > 0, next == UInt8(ascii: ".") else { return nil }
        next = bytes.next()
        while let b = next, b >= 48, b <= 57 { fraction += 1; next = bytes.next() }
        guard fraction > 0, next == nil || next == UInt8(ascii: " ") else { return nil }
        return String(vertex)
    }

    /// `#12 rest` -> ("12", "rest").
    private static func splitVertexLine(_ text: String) -> (String, String)? {
        let body = text.dropFirst()
        let digits = body.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        let after = body.dropFirst(digits.count)
        if after.isEmpty { return (String(digits), "") }
        guard after.first == " " else { return nil }
        return (String(digits), String(after.dropFirst()))
    }

    /// The final error of the build, without its `ERROR: ` / `error: ` prefix.
    private static func solveError(_ text: String) -> String? {
        var body = Substring(text)
        if body.hasPrefix("ERROR: ") { body = body.dropFirst(7) } else if body.hasPrefix("error: ") { body = body.dropFirst(7) }
        if body.hasPrefix("failed to solve") || body.hasPrefix("failed to build") {
            return String(body)
        }
        return nil
    }

    private static func isDigestOnly(_ rest: String) -> Bool {
        guard rest.hasPrefix("sha256:"), !rest.contains(" ") else { return false }
        return rest.count == 7 + 64
    }

    /// `0.075 total 24`: BuildKit's seconds-since-start prefix of a vertex log line.
    private static func startsWithTimestamp(_ rest: String) -> Bool {
        let token = rest.prefix { $0 != " " }
        guard let dot = token.firstIndex(of: "."), dot != token.startIndex else { return false }
        let whole = token[token.startIndex..<dot]
        let fraction = token[token.index(after: dot)...]
        return !fraction.isEmpty && whole.allSatisfy { $0.isASCII && $0.isNumber }
            && fraction.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `sha256:abc 1.05MB / 2.81MB 0.2s`, `transferring context: 30B done`, `transferring context: 2.10MB 0.1s`.
    private static func parseStatus(_ rest: String) -> (id: String, done: Int64, expected: Int64?)? {
        var tokens = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if tokens.last == "done" { tokens.removeLast() }
        if let last = tokens.last, isDuration(last) { tokens.removeLast() }
        guard tokens.count >= 2, let lastBytes = bytes(tokens[tokens.count - 1]) else { return nil }
        if tokens.count >= 4, tokens[tokens.count - 2] == "/", let doneBytes = bytes(tokens[tokens.count - 3]) {
            let id = tokens[..<(tokens.count - 3)].joined(separator: " ")
            guard !id.isEmpty else { return nil }
            return (id, doneBytes, lastBytes)
        }
        let id = tokens[..<(tokens.count - 1)].joined(separator: " ")
        return (id, lastBytes, nil)
    }

    private static func isDuration(_ token: String) -> Bool {
        guard token.hasSuffix("s") else { return false }
        let number = token.dropLast()
        return !number.isEmpty && Double(number) != nil
    }

    /// `30B`, `1.05MB`, `2kB`, `3.5MiB` -> bytes. BuildKit prints decimal units (go-units HumanSize).
    static func bytes(_ token: String) -> Int64? {
        let units: [(String, Double)] = [
            ("KiB", 1024), ("MiB", 1024 * 1024), ("GiB", 1024 * 1024 * 1024), ("TiB", 1024 * 1024 * 1024 * 1024),
            ("kB", 1e3), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
        ]
        for (suffix, factor) in units where token.hasSuffix(suffix) {
            let number = token.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." }),
                  let value = Double(number) else { return nil }
            return Int64((value * factor).rounded())
        }
        return nil
    }

    /// `[linux/arm64 2/4] RUN ...` -> "linux/arm64"; `[2/4] RUN`, `[internal] ...`, `[stage-0 1/2]` -> nil.
    private static func group(ofVertexName name: String) -> String? {
        guard name.hasPrefix("["), let close = name.firstIndex(of: "]") else { return nil }
        let inside = name[name.index(after: name.startIndex)..<close]
        guard let first = inside.split(separator: " ").first, first.contains("/") else { return nil }
        let isStepCount = first.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "/" }
        return isStepCount ? nil : String(first)
    }

    private static func trimTrailing(_ line: String) -> String {
        var end = line.endIndex
        while end > line.startIndex, line[line.index(before: end)].isWhitespace { end = line.index(before: end) }
        return String(line[..<end])
    }
}
