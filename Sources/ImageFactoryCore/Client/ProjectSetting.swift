import Foundation

/// The settings an admin can change, as the CLI (`project set KEY VALUE`) and the Settings tab name them.
/// Text is turned into a change here, once, with a message that names the setting when it is wrong.
public enum ProjectSetting: String, CaseIterable, Sendable {
    case name, description
    case defaultMethod = "default-method"
    case allowedMethods = "allowed-methods"
    case engine
    case installer
    case cpus, memory, timeout
    case logLimit = "log-limit"
    case archived

    public var title: String {
        switch self {
        case .name: "name"
        case .description: "description"
        case .defaultMethod: "default method"
        case .allowedMethods: "allowed methods"
        case .engine: "container engine"
        case .installer: "installer command"
        case .cpus: "default cpus"
        case .memory: "default memory"
        case .timeout: "default timeout"
        case .logLimit: "log limit"
        case .archived: "archived"
        }
    }

    /// What the value looks like, for help and prompts.
    public var format: String {
        switch self {
        case .name: "letters, digits, . _ -"
        case .description: "free text"
        case .defaultMethod: BuildMethod.concrete.map(\.rawValue).joined(separator: "|")
        case .allowedMethods: "comma-separated methods"
        case .engine: "auto|podman|docker"
        case .installer: "a command with {packages}; empty: none"
        case .cpus: "1.5; 0: none"
        case .memory: "2GiB, 512MiB; 0: none"
        case .timeout: "30m, 1h30m; 0: none"
        case .logLimit: "1GiB, 2000000 lines; 0: the default, \(LogLimit.standard)"
        case .archived: "true|false"
        }
    }

    /// The setting's current value as text (what the prompt starts from).
    public func value(in p: Project) -> String {
        switch self {
        case .name: p.name
        case .description: p.description
        case .defaultMethod: p.defaultMethod.rawValue
        case .allowedMethods: BuildMethod.concrete.filter(p.allowedMethodSet.contains).map(\.rawValue).joined(separator: ",")
        case .engine: p.containerEngine.rawValue
        case .installer: p.installerCommand ?? ""
        case .cpus: p.defaultCpus.map(LimitPlan.formatCPUs) ?? "0"
        case .memory: p.defaultMemoryBytes.map { ByteCount(bytes: $0).description } ?? "0"
        case .timeout: p.defaultTimeoutSeconds.map { DurationParser.format(.seconds($0)) } ?? "0"
        case .logLimit: p.logLimit ?? LogLimit.standard.manifestText
        case .archived: p.archivedAt == nil ? "false" : "true"
        }
    }

    /// The change that sets this setting to `text`.
    public func change(_ text: String) throws -> ProjectSettingsChange {
        let v = text.trimmingCharacters(in: .whitespaces)
        func bad(_ why: String) -> FactoryError { .invalidInput("\(rawValue) `\(text)`: \(why) (\(format))") }
        func method(_ name: String) throws -> BuildMethod {
            guard let m = BuildMethod(rawValue: name), m != .default else {
                throw bad("unknown method `\(name)`")
            }
            return m
        }
        var c = ProjectSettingsChange()
        switch self {
        case .name: c.name = v
        case .description: c.description = text
        case .defaultMethod: c.defaultMethod = try method(v)
        case .allowedMethods:
            c.allowedMethods = try v.split(separator: ",").map { try method($0.trimmingCharacters(in: .whitespaces)) }
        case .engine:
            guard let e = ContainerEngineChoice(rawValue: v) else { throw bad("unknown engine") }
            c.containerEngine = e
        case .installer: c.installerCommand = v
        case .cpus:
            guard let n = Double(v), n >= 0, n.isFinite else { throw bad("not a number of CPUs") }
            c.defaultCpus = n
        case .memory:
            if v == "0" { c.defaultMemoryBytes = 0 } else {
                guard let b = ByteCount(parsing: v) else { throw bad("not a size") }
                c.defaultMemoryBytes = b.bytes
            }
        case .timeout:
            if v == "0" { c.defaultTimeoutSeconds = 0 } else {
                guard let d = DurationParser.parse(v) else { throw bad("not a duration") }
                c.defaultTimeoutSeconds = max(1, d.components.seconds)
            }
        case .logLimit:
            if v == "0" { c.logLimit = "" } else {
                guard let limit = LogLimit(parsing: v) else { throw bad("not a size or a line count") }
                c.logLimit = limit.manifestText
            }
        case .archived:
            guard let b = Bool(v.lowercased()) else { throw bad("use true or false") }
            c.archived = b
        }
        return c
    }
}
