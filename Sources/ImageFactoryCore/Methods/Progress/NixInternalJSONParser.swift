import Foundation

/// Reads `nix-build --log-format internal-json -v`: `@nix {json}` activity lines on stderr, the output paths on stdout.
///
/// - `start` of a build (type 105) is a step keyed by the activity id and named by the derivation
///   (`building '/nix/store/...-x3.drv'` -> "x3"); copying a path (100), a download (101) and a substitution (108)
///   are steps too ("copy NAME", "download NAME", "substitute NAME"). Other activities are not steps.
/// - `result` type 105 (progress `[done, expected, running, failed]`) on the top-level builds activity (104) is
///   progress keyed "builds", on the copy-paths activity (103) keyed "copies"; on a step, progress of that step.
/// - `result` type 101 is a line of the builder's output: the line belongs to that step.
/// - `stop` finishes a step, unless the builds activity counted a failure while it ran: then the step waits for
///   nix's error message naming its derivation, and fails with it.
/// - `msg` at level 0 is the build's failure reason (ANSI escapes removed); level 1 is a warning.
/// - A plain line that is a store path (`/nix/store/HASH-NAME`, any store directory) is an output:
///   `.artifact(path, kind: "nix-output")` and `.fingerprint(HASH)`.
public struct NixInternalJSONParser: ToolProgressParser {
    private enum State { case running, stoppedUnsure, done }

    private struct Step {
        var state: State
        /// The derivation (or store path) the activity is about.
        var path: String?
        var failuresWhenStarted: Int64
        var failed = false
    }

    /// Nix's activity types (`ActivityType` in libutil/logging.hh).
    private enum Activity {
        static let copyPath = 100, fileTransfer = 101, copyPaths = 103, builds = 104, build = 105, substitute = 108
    }

    private var steps: [Int64: Step] = [:]
    private var order: [Int64] = []
    /// Activity ids of the top-level builds (104) and copy-paths (103) activities.
    private var aggregate: [Int64: String] = [:]
    private var lastProgress: [String: [Int64]] = [:]
    private var failedBuilds: Int64 = 0

    public init() {}

    public mutating func parse(_ line: String) -> ToolLine {
        // Fast path: a line of a builder's output (nearly every line of a long build), read without a JSON parse.
        if let id = Self.builderLogLineID(line) {
            return ToolLine(stepKey: steps[id] != nil ? String(id) : nil)
        }
        guard line.hasPrefix("@nix ") else { return plain(line) }
        guard let data = line.dropFirst(5).data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let action = object["action"] as? String
        else { return ToolLine() }

        switch action {
        case "start": return start(object)
        case "stop": return stop(object)
        case "result": return result(object)
        case "msg": return message(object)
        default: return ToolLine()
        }
    }

    public mutating func finish(succeeded: Bool) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        for id in order {
            guard let state = steps[id]?.state, state != .done else { continue }
            steps[id]?.state = .done
            events.append(succeeded ? .finished(key: String(id)) : .failed(key: String(id), message: nil))
        }
        return events
    }

    private static let resultPrefix = Array(#"@nix {"action":"result","#.utf8)
    private static let logLineSuffixes = [Array(#","type":101}"#.utf8), Array(#","type":107}"#.utf8)]
    private static let idKey = Array(#","id":"#.utf8)

    /// The activity id of `@nix {"action":"result","fields":[...],"id":N,"type":101}` (nix writes keys sorted),
    /// read from the end of the line's bytes.
    static func builderLogLineID(_ line: String) -> Int64? {
        let found: Int64?? = line.utf8.withContiguousStorageIfAvailable { b -> Int64? in
            guard b.count > resultPrefix.count + 20, b.starts(with: resultPrefix) else { return nil }
            var end = b.count
            while end > 0, b[end - 1] == 32 || b[end - 1] == 13 { end -= 1 }
            let suffixLength = logLineSuffixes[0].count
            guard end >= suffixLength,
                  logLineSuffixes.contains(where: { b[(end - suffixLength)..<end].elementsEqual($0) }) else { return nil }
            var i = end - suffixLength - 1
            var value: Int64 = 0, scale: Int64 = 1, digits = 0
            while i >= 0, b[i] >= 48, b[i] <= 57, digits < 18 {
                value += Int64(b[i] - 48) * scale
                scale *= 10
                digits += 1
                i -= 1
            }
            guard digits > 0, i + 1 >= idKey.count, b[(i + 1 - idKey.count)...i].elementsEqual(idKey) else { return nil }
            return value
        }
        return found ?? nil
    }

    // MARK: - Actions

    private mutating func start(_ object: [String: Any]) -> ToolLine {
        guard let id = Self.int64(object["id"]), let type = Self.int64(object["type"]) else { return ToolLine() }
        let fields = object["fields"] as? [Any] ?? []
        let text = object["text"] as? String ?? ""
        let firstField = fields.first as? String
        // The derivation or store path the activity is about (a download's is a URL, not a path).
        let path = Int(type) == Activity.fileTransfer ? nil : (firstField ?? Self.quoted(text))

        let name: String
        switch Int(type) {
        case Activity.builds:
            aggregate[id] = "builds"
            return ToolLine()
        case Activity.copyPaths:
            aggregate[id] = "copies"
            return ToolLine()
        case Activity.build:
            name = path.map(Self.storeName) ?? text
        case Activity.copyPath:
            name = "copy " + (path.map(Self.storeName) ?? text)
        case Activity.substitute:
            name = "substitute " + (path.map(Self.storeName) ?? text)
        case Activity.fileTransfer:
            let url = firstField ?? text
            name = "download " + (url.split(separator: "/").last.map(String.init) ?? url)
        default:
            return ToolLine()
        }
        steps[id] = Step(state: .running, path: path, failuresWhenStarted: failedBuilds)
        order.append(id)
        let key = String(id)
        return ToolLine(events: [.started(key: key, name: name, group: nil)], stepKey: key)
    }

    private mutating func stop(_ object: [String: Any]) -> ToolLine {
        guard let id = Self.int64(object["id"]), let step = steps[id], step.state == .running else { return ToolLine() }
        let key = String(id)
        if failedBuilds > step.failuresWhenStarted {
            // A build failed while this one ran: nix names the failed derivation in its error message next.
            steps[id]?.state = .stoppedUnsure
            return ToolLine(stepKey: key)
        }
        steps[id]?.state = .done
        return ToolLine(events: [.finished(key: key)], stepKey: key)
    }

    private mutating func result(_ object: [String: Any]) -> ToolLine {
        guard let id = Self.int64(object["id"]), let type = Self.int64(object["type"]) else { return ToolLine() }
        let fields = object["fields"] as? [Any] ?? []
        switch type {
        case 101, 107:
            // A line of the builder's output (107: of the post-build hook).
            return ToolLine(stepKey: steps[id] != nil ? String(id) : nil)
        case 105:
            let numbers = fields.compactMap(Self.int64)
            guard numbers.count >= 2 else { return ToolLine() }
            let key: String
            if let name = aggregate[id] {
                key = name
                if name == "builds", numbers.count >= 4 { failedBuilds = max(failedBuilds, numbers[3]) }
            } else if steps[id] != nil {
                key = String(id)
            } else {
                return ToolLine()
            }
            guard numbers[1] > 0 || numbers[0] > 0, lastProgress[key] != Array(numbers.prefix(2)) else {
                return ToolLine(stepKey: steps[id] != nil ? key : nil)
            }
            lastProgress[key] = Array(numbers.prefix(2))
            return ToolLine(events: [.progress(key: key, done: numbers[0], expected: numbers[1])],
                            stepKey: steps[id] != nil ? key : nil)
        default:
            return ToolLine(stepKey: steps[id] != nil ? String(id) : nil)
        }
    }

    private mutating func message(_ object: [String: Any]) -> ToolLine {
        let level = Self.int64(object["level"]) ?? 3
        let text = Self.stripANSI(object["msg"] as? String ?? "")
        switch level {
        case 0:
            var events: [ToolProgressEvent] = [.error(text)]
            var key: String?
            // `builder for '/nix/store/...-x.drv' failed with exit code 3` names the failed build.
            for id in order {
                guard let step = steps[id], !step.failed, let path = step.path, text.contains(path) else { continue }
                steps[id]?.state = .done
                steps[id]?.failed = true
                key = String(id)
                events.append(.failed(key: String(id), message: text))
                break
            }
            return ToolLine(events: events, stepKey: key, level: .error)
        case 1:
            return ToolLine(level: .warn)
        default:
            return ToolLine(level: .info)
        }
    }

    private func plain(_ line: String) -> ToolLine {
        let text = line.trimmingCharacters(in: .whitespaces)
        if let (path, hash) = Self.storePath(text) {
            return ToolLine(events: [.artifact(path: path, kind: "nix-output"), .fingerprint(hash)])
        }
        if text.hasPrefix("error:") { return ToolLine(events: [.error(text)], level: .error) }
        if text.hasPrefix("warning:") { return ToolLine(level: .warn) }
        return ToolLine()
    }

    // MARK: - Values

    private static func int64(_ value: Any?) -> Int64? {
        if let number = value as? NSNumber { return number.int64Value }
        if let int = value as? Int { return Int64(int) }
        return nil
    }

    /// `building '/nix/store/abc-x3.drv'` -> `/nix/store/abc-x3.drv`.
    private static func quoted(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "'") else { return nil }
        let rest = text[text.index(after: open)...]
        guard let close = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<close])
    }

    /// `/nix/store/vy0p7i0yf2x20plmk6ml4agq6xrjh0rx-x3.drv` -> "x3".
    private static func storeName(_ path: String) -> String {
        var base = Substring(path.split(separator: "/").last ?? Substring(path))
        if base.hasSuffix(".drv") { base = base.dropLast(4) }
        if let dash = base.firstIndex(of: "-"), base.distance(from: base.startIndex, to: dash) == 32 {
            base = base[base.index(after: dash)...]
        }
        return String(base)
    }

    /// `/nix/store/qcx7chpph0bfniz2ik1fq6i7kjvh641n-hello-out` -> (the path, "qcx7chpph0bfniz2ik1fq6i7kjvh641n").
    private static func storePath(_ text: String) -> (String, String)? {
        guard text.hasPrefix("/"), !text.contains(" "), let slash = text.lastIndex(of: "/") else { return nil }
        let base = text[text.index(after: slash)...]
        guard let dash = base.firstIndex(of: "-"), base.distance(from: base.startIndex, to: dash) == 32,
              base.index(after: dash) < base.endIndex else { return nil }
        let hash = base[base.startIndex..<dash]
        // Nix's base-32 alphabet: digits and lowercase letters without e, o, u, t.
        let alphabet = Set("0123456789abcdfghijklmnpqrsvwxyz")
        guard hash.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return (text, String(hash))
    }

    private static func stripANSI(_ text: String) -> String {
        guard text.contains("\u{1B}") else { return text }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\u{1B}" {
                var next = text.index(after: index)
                if next < text.endIndex, text[next] == "[" {
                    next = text.index(after: next)
                    // CSI: parameters and intermediates, then one final byte in @...~.
                    while next < text.endIndex, let ascii = text[next].asciiValue, !(0x40...0x7E).contains(ascii) {
                        next = text.index(after: next)
                    }
                    index = next < text.endIndex ? text.index(after: next) : next
                    continue
                }
                index = next
                continue
            }
            out.append(character)
            index = text.index(after: index)
        }
        return out
    }
}
