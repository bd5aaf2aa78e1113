import Foundation

/// Reads `podman build` / `buildah bud` output (the buildah imagebuildah printer).
///
/// - `STEP n/m: INSTR` starts step "n" named `INSTR`; with a platform prefix
///   (`[linux/arm64] STEP 2/5: ...`) the key is "linux/arm64#2" and the group "linux/arm64".
///   Starting a step finishes the previous open step of the same group.
/// - `COMMIT name` (or `[platform] COMMIT`) is a step of its own, keyed "commit" ("linux/arm64#commit").
/// - `--> Using cache <id>` marks the current step cached; `--> <id>` (the layer it produced) finishes it.
/// - `Error: ...` and `error building at STEP "...": ...` are the build's failure reason and fail the current step
///   (inside a RUN step, whose own output may say `Error:`, only podman's `building at STEP` form counts).
/// - `[Warning] ...`, `WARN[...]`, `WARNING: ...` are warnings; `ERRO[...]` an error line.
/// - A bare 64-hex line (outside a RUN step's output) is the image id podman prints last: a fingerprint.
public struct PodmanProgressParser: ToolProgressParser {
    private enum State { case running, cached, done }

    private var states: [String: State] = [:]
    private var names: [String: String] = [:]
    /// The open step of each group ("" for no group).
    private var openByGroup: [String: String] = [:]
    /// The most recently started step: where unprefixed lines (`-->`, the RUN output) belong.
    private var current: String?
    private var order: [String] = []

    public init() {}

    public mutating func parse(_ line: String) -> ToolLine {
        // Fast path: a RUN step's own output, which starts like none of the shapes below, belongs to the open step.
        let bytes = line.utf8
        guard let first = bytes.first else { return ToolLine(stepKey: current) }
        switch first {
        case UInt8(ascii: "["), UInt8(ascii: "S"), UInt8(ascii: "C"), UInt8(ascii: "-"), UInt8(ascii: "E"),
             UInt8(ascii: "e"), UInt8(ascii: "W"):
            break
        default:
            // The only other shape is a 64-digit image id (perhaps with trailing blanks).
            if bytes.count < 64 || bytes.count > 72 { return ToolLine(stepKey: current) }
        }
        let text = Self.trimTrailing(line)
        var rest = Substring(text)
        var platform: String?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]"),
           rest.index(after: close) < rest.endIndex, rest[rest.index(after: close)] == " " {
            let inside = rest[rest.index(after: rest.startIndex)..<close]
            // Only a platform (os/arch[/variant]) prefix, not `[Warning]`.
            if inside.contains("/"), !inside.contains(" ") {
                platform = String(inside)
                rest = rest[rest.index(close, offsetBy: 2)...]
            }
        }

        if rest.hasPrefix("STEP "), let step = Self.parseStep(rest) {
            let key = platform.map { "\($0)#\(step.number)" } ?? step.number
            return ToolLine(events: start(key: key, name: step.instruction, group: platform), stepKey: key)
        }
        if rest == "COMMIT" || rest.hasPrefix("COMMIT ") {
            let key = platform.map { "\($0)#commit" } ?? "commit"
            return ToolLine(events: start(key: key, name: String(rest), group: platform), stepKey: key)
        }
        if let platform {
            // Some other platform-prefixed line: it belongs to that platform's open step.
            return ToolLine(stepKey: openByGroup[platform] ?? current)
        }

        if rest.hasPrefix("--> ") {
            let value = rest.dropFirst(4).trimmingCharacters(in: .whitespaces)
            guard let key = current else { return ToolLine() }
            if value.hasPrefix("Using cache") {
                if states[key] == .running {
                    states[key] = .cached
                    return ToolLine(events: [.cached(key: key)], stepKey: key)
                }
                return ToolLine(stepKey: key)
            }
            if Self.isHex(value) {
                // The layer (or image) the step produced: the step is over.
                return ToolLine(events: close(key, failed: false, message: nil), stepKey: key)
            }
            return ToolLine(stepKey: key)
        }

        if let message = Self.errorMessage(rest), isToolError(message) {
            var events: [ToolProgressEvent] = [.error(message)]
            if let key = current, states[key] != .done {
                events += close(key, failed: true, message: message)
            }
            return ToolLine(events: events, stepKey: current, level: .error)
        }
        if rest.hasPrefix("[Warning]") || rest.hasPrefix("WARN[") || rest.hasPrefix("WARNING:") {
            return ToolLine(stepKey: current, level: .warn)
        }
        if rest.hasPrefix("ERRO[") {
            return ToolLine(stepKey: current, level: .error)
        }
        if rest.utf8.count == 64, Self.isHex(String(rest)), !insideRunStep {
            // The image id podman prints last (a RUN step's own output could look the same).
            return ToolLine(events: [.fingerprint(String(rest))])
        }
        if rest.hasPrefix("Successfully tagged ") {
            return ToolLine()
        }
        return ToolLine(stepKey: current)
    }

    public mutating func finish(succeeded: Bool) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        for key in order where states[key] != .done {
            events += close(key, failed: !succeeded, message: nil)
        }
        return events
    }

    // MARK: - Steps

    private mutating func start(key: String, name: String, group: String?) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        if let previous = openByGroup[group ?? ""], previous != key, states[previous] != .done {
            events += close(previous, failed: false, message: nil)
        }
        if states[key] == nil {
            order.append(key)
            states[key] = .running
            names[key] = name
            events.append(.started(key: key, name: name, group: group))
        }
        openByGroup[group ?? ""] = key
        current = key
        return events
    }

    private mutating func close(_ key: String, failed: Bool, message: String?) -> [ToolProgressEvent] {
        guard let state = states[key], state != .done else { return [] }
        states[key] = .done
        if failed { return [.failed(key: key, message: message)] }
        return [.finished(key: key)]
    }

    /// Whether unprefixed lines are, for now, a RUN step's own output.
    private var insideRunStep: Bool {
        guard let key = current, states[key] != .done else { return false }
        return names[key]?.hasPrefix("RUN") == true
    }

    /// A RUN step's own output may say `Error: ...`; there only podman's `building at STEP` is podman's.
    private func isToolError(_ message: String) -> Bool {
        !insideRunStep || message.hasPrefix("building at STEP") || message.hasPrefix("error building at STEP")
    }

    // MARK: - Line shapes

    private static func parseStep(_ rest: Substring) -> (number: String, instruction: String)? {
        // STEP n/m: INSTR
        let body = rest.dropFirst(5)
        guard let slash = body.firstIndex(of: "/"), let colon = body.firstIndex(of: ":"), slash < colon else { return nil }
        let number = body[body.startIndex..<slash]
        let total = body[body.index(after: slash)..<colon]
        guard Self.isDigits(number), Self.isDigits(total) else { return nil }
        let instruction = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return (String(number), instruction)
    }

    /// `Error: building at STEP "...": ...`, `error building at STEP "...": ...`, `Error: creating build container: ...`.
    private static func errorMessage(_ rest: Substring) -> String? {
        if rest.hasPrefix("Error: ") {
            return String(rest.dropFirst(7))
        }
        if rest.hasPrefix("error building at ") {
            return String(rest)
        }
        return nil
    }

    private static func isHex(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    private static func isDigits(_ value: Substring) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { (48...57).contains($0) }
    }

    private static func trimTrailing(_ line: String) -> String {
        var end = line.endIndex
        while end > line.startIndex, line[line.index(before: end)].isWhitespace { end = line.index(before: end) }
        return String(line[..<end])
    }
}

