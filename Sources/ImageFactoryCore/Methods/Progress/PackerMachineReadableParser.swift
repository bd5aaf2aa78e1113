import Foundation

/// Reads `packer build -machine-readable` (`timestamp,target,type,data...`, commas inside data written as
/// `%!(PACKER_COMMA)`, newlines as a literal `\n`), and packer's human output as well.
///
/// - `ui,say,==> NAME: text` starts a stage of build NAME: step "NAME#k" named `text`, group NAME; it finishes
///   NAME's previous stage. `ui,message,    NAME: text` belongs to NAME's current stage.
/// - `Build 'NAME' finished after ...` finishes NAME's stage; `Build 'NAME' errored after ...: msg` fails it and is
///   a failure reason. Any other `ui,error` line is a failure reason and fails the current stage, except the
///   summary packer prints at the end (`==> Some builds didn't complete successfully...`, `--> NAME: msg`).
/// - `NAME,artifact,N,builder-id,ID` then `NAME,artifact,N,file,i,PATH` -> an artifact PATH of kind ID.
public struct PackerMachineReadableParser: ToolProgressParser {
    private enum State { case running, done }

    private var states: [String: State] = [:]
    private var order: [String] = []
    private var stageCount: [String: Int] = [:]
    private var openStage: [String: String] = [:]
    private var lastStarted: String?
    /// builder-id per (build name, artifact index).
    private var artifactKinds: [String: String] = [:]
    /// In the human output, the lines after `==> Some builds didn't complete successfully` repeat the errors.
    private var inErrorSummary = false

    public init() {}

    public mutating func parse(_ line: String) -> ToolLine {
        if let record = Self.machineRecord(line) {
            return parseRecord(record)
        }
        // Human output: the same texts, not typed.
        let text = line.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return ToolLine() }
        if text.hasPrefix("==> Some builds didn't complete successfully") {
            inErrorSummary = true
            return ToolLine(level: .error)
        }
        if inErrorSummary, text.hasPrefix("--> ") {
            return ToolLine(level: .error)
        }
        if text.hasPrefix("==> ") { inErrorSummary = false }
        if text.hasPrefix("Error: ") || text.hasPrefix("error: ") {
            return failure(String(text.dropFirst(7)), build: nil)
        }
        return uiText(line)
    }

    public mutating func finish(succeeded: Bool) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        for key in order where states[key] == .running {
            states[key] = .done
            events.append(succeeded ? .finished(key: key) : .failed(key: key, message: nil))
        }
        return events
    }

    // MARK: - Machine-readable records

    private struct Record {
        var target: String
        var type: String
        var data: [String]
    }

    private mutating func parseRecord(_ record: Record) -> ToolLine {
        switch record.type {
        case "ui":
            guard let kind = record.data.first else { return ToolLine() }
            let text = record.data.dropFirst().joined(separator: ",")
            switch kind {
            case "error": return uiError(text)
            default: return uiText(text)
            }
        case "artifact":
            return artifact(target: record.target, data: record.data)
        case "error":
            // `NAME,error,msg` repeats the build's error for machines; the ui line already reported it.
            return ToolLine(stepKey: openStage[record.target], level: .error)
        default:
            return ToolLine()
        }
    }

    private mutating func artifact(target: String, data: [String]) -> ToolLine {
        guard data.count >= 2 else { return ToolLine() }
        let index = data[0]
        let slot = "\(target)\u{0}\(index)"
        switch data[1] {
        case "builder-id" where data.count >= 3:
            artifactKinds[slot] = data[2]
        case "file" where data.count >= 4:
            let path = data[3...].joined(separator: ",")
            return ToolLine(events: [.artifact(path: path, kind: artifactKinds[slot])])
        default:
            break
        }
        return ToolLine()
    }

    // MARK: - UI texts (both formats)

    private mutating func uiText(_ raw: String) -> ToolLine {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("==> "), let (build, message) = Self.prefixed(text.dropFirst(4)) {
            return ToolLine(events: startStage(build: build, name: message), stepKey: openStage[build])
        }
        if let build = Self.quotedBuild(text, after: "Build '", before: "' finished") {
            var events: [ToolProgressEvent] = []
            if let key = openStage[build], states[key] == .running {
                states[key] = .done
                events.append(.finished(key: key))
            }
            return ToolLine(events: events, stepKey: openStage[build])
        }
        if let build = Self.quotedBuild(text, after: "Build '", before: "' errored") {
            return failure(text, build: build)
        }
        if let (build, _) = Self.prefixed(Substring(text)), let key = openStage[build] {
            // `    NAME: output` (ui,message): the stage's output.
            return ToolLine(stepKey: key)
        }
        return ToolLine()
    }

    private mutating func uiError(_ raw: String) -> ToolLine {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("==> Some builds didn't complete successfully") { return ToolLine(level: .error) }
        if text.hasPrefix("--> ") { return ToolLine(level: .error) }
        if let build = Self.quotedBuild(text, after: "Build '", before: "' errored") {
            return failure(text, build: build)
        }
        if text.hasPrefix("==> "), let (build, message) = Self.prefixed(text.dropFirst(4)) {
            return failure(message, build: build)
        }
        if let (build, message) = Self.prefixed(Substring(text)), openStage[build] != nil {
            return failure(message, build: build)
        }
        return failure(text, build: nil)
    }

    /// A failure reason; it fails the build's open stage (or the last stage started when the build is unknown).
    private mutating func failure(_ text: String, build: String?) -> ToolLine {
        var events: [ToolProgressEvent] = [.error(text)]
        let key = build.flatMap { openStage[$0] } ?? (build == nil ? lastStarted : nil)
        if let key, states[key] == .running {
            states[key] = .done
            events.append(.failed(key: key, message: Self.reason(text)))
        }
        return ToolLine(events: events, stepKey: key, level: .error)
    }

    private mutating func startStage(build: String, name: String) -> [ToolProgressEvent] {
        var events: [ToolProgressEvent] = []
        if let previous = openStage[build], states[previous] == .running {
            states[previous] = .done
            events.append(.finished(key: previous))
        }
        let number = (stageCount[build] ?? 0) + 1
        stageCount[build] = number
        let key = "\(build)#\(number)"
        states[key] = .running
        order.append(key)
        openStage[build] = key
        lastStarted = key
        events.append(.started(key: key, name: name, group: build))
        return events
    }

    // MARK: - Line shapes

    /// `1795694199,,ui,say,==> null: ...` -> target "", type "ui", data ["say", "==> null: ..."], unescaped.
    private static func machineRecord(_ line: String) -> Record? {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 3, !fields[0].isEmpty, fields[0].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let type = String(fields[2])
        guard !type.isEmpty, !type.contains(" ") else { return nil }
        let data = fields.dropFirst(3).map { field in
            field.replacingOccurrences(of: "%!(PACKER_COMMA)", with: ",")
                .replacingOccurrences(of: "\\n", with: "\n")
                .replacingOccurrences(of: "\\r", with: "\r")
        }
        return Record(target: String(fields[1]), type: type, data: data)
    }

    /// `null.local: running` -> ("null.local", "running"); the build name has no spaces.
    private static func prefixed(_ text: Substring) -> (String, String)? {
        let trimmed = text.drop { $0 == " " }
        guard let colon = trimmed.range(of: ": ") else {
            if trimmed.hasSuffix(":"), !trimmed.dropLast().contains(" "), !trimmed.dropLast().isEmpty {
                return (String(trimmed.dropLast()), "")
            }
            return nil
        }
        let name = trimmed[trimmed.startIndex..<colon.lowerBound]
        guard !name.isEmpty, !name.contains(" ") else { return nil }
        return (String(name), String(trimmed[colon.upperBound...]))
    }

    /// `Build 'null' finished after 3 seconds` -> "null".
    private static func quotedBuild(_ text: String, after open: String, before close: String) -> String? {
        guard text.hasPrefix(open), let end = text.range(of: close) else { return nil }
        let name = text[text.index(text.startIndex, offsetBy: open.count)..<end.lowerBound]
        return name.isEmpty ? nil : String(name)
    }

    /// `Build 'null' errored after 5 milliseconds: Script exited ...` -> `Script exited ...`.
    private static func reason(_ text: String) -> String {
        guard text.hasPrefix("Build '"), text.contains("' errored"), let colon = text.range(of: ": ") else { return text }
        return String(text[colon.upperBound...])
    }
}
