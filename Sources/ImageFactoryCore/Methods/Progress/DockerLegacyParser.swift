import Foundation

/// Reads the legacy `docker build` output (DOCKER_BUILDKIT=0).
///
/// - `Step 1/4 : FROM x` starts step "1" named `FROM x` and finishes the previous step.
/// - ` ---> Using cache` marks the current step cached; ` ---> Running in abc` and
///   `Removing intermediate container abc` are noise; ` ---> 07cf32fa889a` (the step's image) finishes it.
/// - `Successfully built ID` finishes the last step and gives the image id as a fingerprint;
///   `Successfully tagged` is informational.
/// - `The command '...' returned a non-zero code: N`, `Error response from daemon: ...` and
///   `COPY failed: ...` / `ADD failed: ...` are the build's failure reason and fail the current step.
public struct DockerLegacyParser: ToolProgressParser {
    private enum State { case running, cached, done }

    private var states: [String: State] = [:]
    private var order: [String] = []
    private var current: String?

    public init() {}

    public mutating func parse(_ line: String) -> ToolLine {
        let text = Self.trimTrailing(line)

        if text.hasPrefix("Step "), let (number, instruction) = Self.parseStep(text) {
            var events: [ToolProgressEvent] = []
            if let previous = current { events += close(previous, failed: false, message: nil) }
            if states[number] == nil {
                states[number] = .running
                order.append(number)
                events.append(.started(key: number, name: instruction, group: nil))
            }
            current = number
            return ToolLine(events: events, stepKey: number)
        }

        if text.hasPrefix(" ---> ") || text == " --->" {
            guard let key = current else { return ToolLine() }
            let value = text.dropFirst(5).trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("Using cache") {
                guard states[key] == .running else { return ToolLine(stepKey: key) }
                states[key] = .cached
                return ToolLine(events: [.cached(key: key)], stepKey: key)
            }
            if value.hasPrefix("Running in ") { return ToolLine(stepKey: key) }
            if value.isEmpty || Self.isHex(value) {
                // The image this step produced (empty for `FROM scratch`): the step is over.
                return ToolLine(events: close(key, failed: false, message: nil), stepKey: key)
            }
            return ToolLine(stepKey: key)
        }

        if text.hasPrefix("Successfully built ") {
            let id = text.dropFirst("Successfully built ".count).trimmingCharacters(in: .whitespaces)
            var events: [ToolProgressEvent] = []
            if let key = current { events += close(key, failed: false, message: nil) }
            if !id.isEmpty { events.append(.fingerprint(id)) }
            return ToolLine(events: events)
        }
        if text.hasPrefix("Successfully tagged ") {
            var events: [ToolProgressEvent] = []
            if let key = current { events += close(key, failed: false, message: nil) }
            return ToolLine(events: events)
        }

        if let message = Self.failure(text) {
            var events: [ToolProgressEvent] = [.error(message)]
            if let key = current { events += close(key, failed: true, message: message) }
            return ToolLine(events: events, stepKey: current, level: .error)
        }
        if text.hasPrefix("Sending build context to Docker daemon") {
            return ToolLine()
        }
        if text.hasPrefix("Removing intermediate container ") {
            return ToolLine(stepKey: current)
        }
        if text.hasPrefix("[WARNING]") || text.hasPrefix("WARNING:") || text.hasPrefix("DEPRECATED:") {
            return ToolLine(stepKey: current, level: .warn)
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

    private mutating func close(_ key: String, failed: Bool, message: String?) -> [ToolProgressEvent] {
        guard let state = states[key], state != .done else { return [] }
        states[key] = .done
        return failed ? [.failed(key: key, message: message)] : [.finished(key: key)]
    }

    /// `Step 2/7 : COPY busybox /bin/busybox` -> ("2", "COPY busybox /bin/busybox"); old dockers print `Step 2 : ...`.
    private static func parseStep(_ text: String) -> (String, String)? {
        let body = text.dropFirst(5)
        guard let colon = body.range(of: " : ") else { return nil }
        let counter = body[body.startIndex..<colon.lowerBound]
        let number = counter.split(separator: "/").first.map(String.init) ?? ""
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }),
              counter.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "/" }) else { return nil }
        return (number, String(body[colon.upperBound...]))
    }

    private static func failure(_ text: String) -> String? {
        if text.hasPrefix("The command '"), text.contains("returned a non-zero code") { return text }
        if text.hasPrefix("Error response from daemon: ") { return String(text.dropFirst("Error response from daemon: ".count)) }
        if text.hasPrefix("COPY failed: ") || text.hasPrefix("ADD failed: ") { return text }
        if text.hasPrefix("unable to prepare context: ") { return text }
        return nil
    }

    private static func isHex(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    private static func trimTrailing(_ line: String) -> String {
        var end = line.endIndex
        while end > line.startIndex, line[line.index(before: end)].isWhitespace { end = line.index(before: end) }
        return String(line[..<end])
    }
}
