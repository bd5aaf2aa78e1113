import Foundation

/// Reads kaniko executor logs (logrus text: `INFO[0001] message`, or `INFO[2022-02-18T03:28:31Z] message`
/// with `--log-timestamp`).
///
/// - The level comes from the prefix: INFO/DEBU/TRAC -> info, WARN -> warn, ERRO/FATA -> error.
/// - Each Dockerfile command kaniko announces (`INFO[0001] RUN echo hi`, `COPY ...`, `ENV ...`, `WORKDIR ...`,
///   `CMD ...`, ...) starts a step named by it; steps are keyed "1", "2", ... in order.
/// - A stage's base image (`Retrieving image manifest alpine`, `Downloading base image alpine`) becomes a
///   `FROM alpine` step when the stage begins (`Executing 0 build triggers`, `Unpacking rootfs ...`,
///   `Skipping unpacking ...`, `Building stage ...`, or its first command): kaniko fetches every stage's base
///   up front too, and those fetches are not steps. `Unpacking rootfs` with no base named is a step of its own.
/// - `Using caching version of cmd: X` marks step X cached (kaniko says it before running X);
///   `Found cached layer, extracting to filesystem` marks the open step cached.
/// - `error building image: ...` (and any FATA line) is the build's failure reason and fails the open step.
/// - `Pushed REF@sha256:...` gives the pushed digest as a fingerprint.
public struct KanikoProgressParser: ToolProgressParser {
    private enum State { case running, cached, done }

    private var states: [String: State] = [:]
    private var names: [String: String] = [:]
    private var order: [String] = []
    private var current: String?
    private var count = 0
    /// Commands kaniko said it will take from the cache, waiting for their step to start.
    private var cachedCommands: [String] = []
    /// The base image kaniko fetched last, before its stage began.
    private var pendingBase: String?

    private static let instructions: Set<String> = [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ]

    public init() {}

    public mutating func parse(_ line: String) -> ToolLine {
        let text = line.trimmingCharacters(in: .whitespaces)

        guard let (severity, message) = Self.splitLogrus(text) else {
            if text.hasPrefix("error building image") || text.hasPrefix("Error: error building image") {
                return fail(reason: text.hasPrefix("Error: ") ? String(text.dropFirst(7)) : text)
            }
            // The RUN command's own output, or a library's unprefixed line.
            return ToolLine(stepKey: current)
        }

        switch severity {
        case "FATA":
            return fail(reason: message)
        case "ERRO":
            if message.lowercased().hasPrefix("error building image") { return fail(reason: message) }
            return ToolLine(stepKey: current, level: .error)
        case "WARN":
            return ToolLine(stepKey: current, level: .warn)
        case "INFO":
            break
        default:
            return ToolLine(stepKey: current, level: .info)
        }

        if let image = Self.baseImage(message) {
            // Kaniko fetches every stage's base up front and again when the stage begins: the step starts
            // when the stage does.
            pendingBase = image
            return ToolLine(stepKey: current, level: .info)
        }
        if Self.beginsStage(message) {
            if let image = pendingBase {
                pendingBase = nil
                return ToolLine(events: start(name: "FROM \(image)"), stepKey: current, level: .info)
            }
            if message.hasPrefix("Unpacking rootfs"), names[current ?? ""]?.hasPrefix("FROM ") != true {
                return ToolLine(events: start(name: "Unpacking rootfs"), stepKey: current, level: .info)
            }
            return ToolLine(stepKey: current, level: .info)
        }
        if let command = Self.dockerfileCommand(message) {
            var events = startPendingBase()
            events += start(name: command)
            if let index = cachedCommands.firstIndex(of: command), let key = current {
                cachedCommands.remove(at: index)
                events += markCached(key)
            }
            return ToolLine(events: events, stepKey: current, level: .info)
        }
        if message.hasPrefix("Using caching version of cmd: ") {
            let command = String(message.dropFirst("Using caching version of cmd: ".count))
            if let key = current, names[key] == command, states[key] == .running {
                return ToolLine(events: markCached(key), stepKey: key, level: .info)
            }
            cachedCommands.append(command)
            return ToolLine(stepKey: current, level: .info)
        }
        if message.hasPrefix("Found cached layer") {
            guard let key = current else { return ToolLine(level: .info) }
            return ToolLine(events: markCached(key), stepKey: key, level: .info)
        }
        if message.hasPrefix("Pushed "), let at = message.range(of: "@sha256:") {
            let digest = message[message.index(after: at.lowerBound)...].prefix { !$0.isWhitespace }
            return ToolLine(events: [.fingerprint(String(digest))], stepKey: current, level: .info)
        }
        return ToolLine(stepKey: current, level: .info)
    }

    public mutating func finish(succeeded: Bool) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        for key in order where states[key] != .done {
            events += close(key, failed: !succeeded, message: nil)
        }
        return events
    }

    // MARK: - Steps

    private mutating func start(name: String) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        if let previous = current { events += close(previous, failed: false, message: nil) }
        count += 1
        let key = String(count)
        states[key] = .running
        names[key] = name
        order.append(key)
        current = key
        events.append(.started(key: key, name: name, group: nil))
        return events
    }

    /// A base image was fetched but its stage has not said it began: it begins now.
    private mutating func startPendingBase() -> [ToolProgressEvent] {
        guard let image = pendingBase else { return [] }
        pendingBase = nil
        return start(name: "FROM \(image)")
    }

    private mutating func markCached(_ key: String) -> [ToolProgressEvent] {
        guard states[key] == .running else { return [] }
        states[key] = .cached
        return [.cached(key: key)]
    }

    private mutating func close(_ key: String, failed: Bool, message: String?) -> [ToolProgressEvent] {
        guard let state = states[key], state != .done else { return [] }
        states[key] = .done
        return failed ? [.failed(key: key, message: message)] : [.finished(key: key)]
    }

    private mutating func fail(reason: String) -> ToolLine {
        var events = startPendingBase()
        events.append(.error(reason))
        if let key = current { events += close(key, failed: true, message: reason) }
        return ToolLine(events: events, stepKey: current, level: .error)
    }

    // MARK: - Line shapes

    /// `INFO[0001] RUN echo hi` -> ("INFO", "RUN echo hi"); logrus pads messages with spaces, which are dropped.
    private static func splitLogrus(_ text: String) -> (String, String)? {
        let severity = text.prefix(4)
        guard ["INFO", "WARN", "ERRO", "FATA", "DEBU", "TRAC", "PANI"].contains(severity) else { return nil }
        let afterSeverity = text.dropFirst(4)
        guard afterSeverity.first == "[", let close = afterSeverity.firstIndex(of: "]") else { return nil }
        let message = afterSeverity[afterSeverity.index(after: close)...].trimmingCharacters(in: .whitespaces)
        return (String(severity == "PANI" ? "FATA" : severity), message)
    }

    /// A Dockerfile instruction as kaniko logs it before running it (`RUN ...`, `Run echo hey`, `COPY ...`).
    private static func dockerfileCommand(_ message: String) -> String? {
        guard let space = message.firstIndex(of: " ") else { return nil }
        let keyword = message[..<space]
        guard instructions.contains(keyword.uppercased()), keyword.allSatisfy(\.isLetter) else { return nil }
        return message
    }

    /// Lines kaniko prints as a stage begins, after fetching its base.
    private static func beginsStage(_ message: String) -> Bool {
        if message.hasPrefix("Unpacking rootfs") || message.hasPrefix("Skipping unpacking") { return true }
        if message.hasPrefix("Building stage '") { return true }
        return message.hasPrefix("Executing ") && message.hasSuffix(" build triggers")
    }

    /// The base image kaniko is fetching: `Retrieving image manifest alpine:3.12`, `Downloading base image ubuntu`.
    private static func baseImage(_ message: String) -> String? {
        for prefix in ["Retrieving image manifest ", "Downloading base image "] where message.hasPrefix(prefix) {
            let image = message.dropFirst(prefix.count).prefix { !$0.isWhitespace }
            return image.isEmpty ? nil : String(image)
        }
        return nil
    }
}
