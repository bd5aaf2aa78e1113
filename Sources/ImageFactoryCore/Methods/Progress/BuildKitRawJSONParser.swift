import Foundation

/// Reads `docker buildx build --progress=rawjson`: one BuildKit `client.SolveStatus` per line, as Go's
/// `json.Encoder` writes it (moby/buildkit `util/progress/progressui/display.go`, field names from `client/graph.go`):
///
///     {"vertexes":[{"digest","inputs","name","started","completed","cached","error","progressGroup"}],
///      "statuses":[{"id","vertex","name","total","current","timestamp","started","completed"}],
///      "logs":[{"vertex","stream","data" (base64),"timestamp"}],
///      "warnings":[{"vertex","level","short" (base64),"detail","url"}]}
///
/// A vertex is sent again, whole, each time it changes; its digest is the step key.
/// `started` starts it, `cached` marks it cached, `completed` without `error` finishes it, `error` fails it
/// (and, unless it is a cancellation, is reported as the build's error). Statuses are byte progress on their
/// vertex, summed over status ids. Lines that are not JSON objects are left alone, except that an
/// `ERROR: ...` line is marked as an error line.
public struct BuildKitRawJSONParser: ToolProgressParser {
    private enum State { case announced, running, done }

    private struct Vertex {
        var name: String
        var state: State
        var cached = false
        var failed = false
        var statuses: [String: (done: Int64, expected: Int64?)] = [:]
    }

    private var vertexes: [String: Vertex] = [:]
    private var order: [String] = []

    public init() {}

    public mutating func parse(_ line: String) -> ToolLine {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{"),
              let data = trimmed.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data),
              let status = object as? [String: Any]
        else {
            if trimmed.hasPrefix("ERROR:") || trimmed.hasPrefix("error:") { return ToolLine(level: .error) }
            return ToolLine()
        }

        var events: [ToolProgressEvent] = []
        var keys: [String] = []
        var level: LogLevel?

        for item in status["vertexes"] as? [[String: Any]] ?? [] {
            guard let digest = item["digest"] as? String, !digest.isEmpty else { continue }
            keys.append(digest)
            let (vertexEvents, isError) = updateVertex(digest: digest, item)
            events += vertexEvents
            if isError { level = .error }
        }
        for item in status["statuses"] as? [[String: Any]] ?? [] {
            guard let digest = item["vertex"] as? String, !digest.isEmpty else { continue }
            keys.append(digest)
            if let event = updateStatus(digest: digest, item) { events.append(event) }
        }
        for item in status["logs"] as? [[String: Any]] ?? [] {
            if let digest = item["vertex"] as? String, !digest.isEmpty { keys.append(digest) }
        }
        if let warnings = status["warnings"] as? [Any], !warnings.isEmpty, level == nil {
            level = .warn
        }

        let distinct = Set(keys)
        return ToolLine(events: events, stepKey: distinct.count == 1 ? keys.first : nil, level: level)
    }

    public mutating func finish(succeeded: Bool) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        for key in order where vertexes[key]?.state == .running {
            vertexes[key]?.state = .done
            events.append(succeeded ? .finished(key: key) : .failed(key: key, message: nil))
        }
        return events
    }

    // MARK: - Updates

    private mutating func updateVertex(digest: String, _ item: [String: Any]) -> ([ToolProgressEvent], Bool) {
        let name = (item["name"] as? String) ?? vertexes[digest]?.name ?? digest
        var vertex = vertexes[digest] ?? Vertex(name: name, state: .announced)
        if vertexes[digest] == nil { order.append(digest) }
        defer { vertexes[digest] = vertex }

        let started = Self.present(item["started"])
        let completed = Self.present(item["completed"])
        let cached = (item["cached"] as? Bool) ?? false
        let error = (item["error"] as? String).flatMap { $0.isEmpty ? nil : $0 }

        var events: [ToolProgressEvent] = []
        let needsStart = started || completed || cached || error != nil
        if vertex.state == .announced, needsStart {
            vertex.state = .running
            vertex.name = name
            events.append(.started(key: digest, name: name, group: Self.group(ofVertexName: name)))
        }
        if cached, !vertex.cached, vertex.state != .announced {
            vertex.cached = true
            events.append(.cached(key: digest))
        }
        if let error {
            // Reported once; a failure also overrides an earlier interval that finished.
            guard !vertex.failed else { return (events, false) }
            vertex.failed = true
            vertex.state = .done
            events.append(.failed(key: digest, message: error))
            if Self.isCancellation(error) { return (events, false) }
            events.append(.error(error))
            return (events, true)
        }
        if completed, vertex.state == .running {
            vertex.state = .done
            events.append(.finished(key: digest))
        }
        return (events, false)
    }

    private mutating func updateStatus(digest: String, _ item: [String: Any]) -> ToolProgressEvent? {
        guard var vertex = vertexes[digest] else { return nil }
        let id = (item["id"] as? String) ?? ""
        let current = Self.int64(item["current"]) ?? 0
        let total = Self.int64(item["total"])
        vertex.statuses[id] = (current, total)
        vertexes[digest] = vertex

        let (done, expected) = Self.sum(vertex.statuses.values)
        return .progress(key: digest, done: done, expected: expected)
    }

    /// A vertex's progress over its status ids: the statuses that know their total (layer downloads) when there
    /// are any, else all of them (`transferring context: 30B`) with no total.
    private static func sum(_ statuses: some Collection<(done: Int64, expected: Int64?)>) -> (Int64, Int64?) {
        let sized = statuses.filter { $0.expected != nil }
        if sized.isEmpty { return (statuses.reduce(0) { $0 + $1.done }, nil) }
        return (sized.reduce(0) { $0 + $1.done }, sized.reduce(0) { $0 + ($1.expected ?? 0) })
    }

    // MARK: - Values

    private static func present(_ value: Any?) -> Bool {
        guard let value, !(value is NSNull) else { return false }
        if let text = value as? String { return !text.isEmpty }
        return true
    }

    private static func int64(_ value: Any?) -> Int64? {
        if let number = value as? NSNumber { return number.int64Value }
        if let int = value as? Int { return Int64(int) }
        return nil
    }

    private static func isCancellation(_ error: String) -> Bool {
        error == "context canceled" || error.hasSuffix(": context canceled") || error == "canceled"
    }

    /// `[linux/arm64 2/4] RUN ...` -> "linux/arm64"; otherwise nil.
    private static func group(ofVertexName name: String) -> String? {
        guard name.hasPrefix("["), let close = name.firstIndex(of: "]") else { return nil }
        let inside = name[name.index(after: name.startIndex)..<close]
        guard let first = inside.split(separator: " ").first, first.contains("/") else { return nil }
        let isStepCount = first.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "/" }
        return isStepCount ? nil : String(first)
    }
}
