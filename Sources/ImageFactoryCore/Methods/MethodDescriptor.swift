import Foundation

/// Everything about one build method in one place: its manifest options and required fields, the line the help
/// guide shows, the tools doctor probes and how it judges the method usable, its example template, and its planner.
/// Validation, dry-run, doctor, the help page and the `examples` project read these; nothing else lists methods.
///
/// To add a method: a case in `BuildMethod`, a file in Methods/ with its planner, its option keys and its
/// descriptor, and the descriptor in `MethodDescriptor.all`. Its planner finds its tool with
/// `environment.tool(name)` for any tool the descriptor names.
public struct MethodDescriptor: Sendable {
    public var method: BuildMethod
    /// One line for the help guide: what the method needs and which options it reads.
    public var summary: String
    /// The method-specific manifest keys it reads, in the order `Manifest.yaml()` writes them.
    public var options: [MethodOption]
    /// The fields a manifest for this method must have.
    public var requirement: MethodRequirement
    /// The tools doctor's tool table probes for this method.
    public var tools: [ToolProbe]
    /// Doctor's method-matrix row: probes the tools for real (versions, a running engine, a trivial build).
    public var readiness: @Sendable (DoctorProbe) -> MethodReadiness
    /// The method's template in the `examples` project.
    public var example: MethodExample
    /// The planner for this machine; `environment` detects the machine only when called.
    public var planner: @Sendable (_ environment: () -> MethodEnvironment) -> any BuildMethodPlanner

    /// Every method with a descriptor, in the order the help guide, doctor and the examples list them.
    public static let all: [MethodDescriptor] = [.shell, .docker, .buildx, .kaniko, .packer, .nix]

    public static func `for`(_ method: BuildMethod) -> MethodDescriptor? {
        all.first { $0.method == method }
    }

    public func declares(_ key: String) -> Bool { options.contains { $0.key == key } }
}

/// The value type of a method option, checked by the validator.
public enum MethodOptionType: Sendable, Hashable {
    case string, stringList, stringMap, anyMap, bool
}

/// One method-specific manifest key.
public struct MethodOption: Sendable, Hashable {
    public var key: String
    public var type: MethodOptionType
    public var help: String
}

/// A typed handle on a method option, declared once (`ContainerOption.target`) and read with
/// `manifest.option(_:)`: a misspelt key is a compile error, and the key's text lives only in its declaration.
public struct OptionKey<Value: Sendable>: Sendable {
    public let declaration: MethodOption
    let read: @Sendable (ManifestValue) -> Value?
    public var key: String { declaration.key }
}

extension OptionKey where Value == String {
    static func string(_ key: String, help: String) -> Self {
        .init(declaration: .init(key: key, type: .string, help: help), read: { $0.stringValue })
    }
}

extension OptionKey where Value == [String] {
    static func stringList(_ key: String, help: String) -> Self {
        .init(declaration: .init(key: key, type: .stringList, help: help), read: { $0.stringListValue })
    }
}

extension OptionKey where Value == [String: ManifestValue] {
    /// A map whose values the validator checked are strings.
    static func stringMap(_ key: String, help: String) -> Self {
        .init(declaration: .init(key: key, type: .stringMap, help: help), read: { if case .map(let m) = $0 { m } else { nil } })
    }

    /// A map of any values.
    static func anyMap(_ key: String, help: String) -> Self {
        .init(declaration: .init(key: key, type: .anyMap, help: help), read: { if case .map(let m) = $0 { m } else { nil } })
    }
}

extension OptionKey where Value == Bool {
    static func bool(_ key: String, help: String) -> Self {
        .init(declaration: .init(key: key, type: .bool, help: help), read: { $0.boolValue })
    }
}

extension Manifest {
    /// The value of a method option, when the manifest sets it with the option's type.
    public func option<Value>(_ option: OptionKey<Value>) -> Value? {
        methodOptions[option.key].flatMap(option.read)
    }

    /// Whether the manifest sets the option at all.
    public func sets<Value>(_ option: OptionKey<Value>) -> Bool {
        methodOptions[option.key] != nil
    }
}

/// The fields a method needs beyond `name`.
public enum MethodRequirement: Sendable {
    case nameOnly
    /// `commands` with at least one command.
    case commands
    /// At least one of `keys` (`commands` counts when it is not empty). The error is reported at the first key;
    /// with `firstUnlessOthers` it names the first key, "unless" the others are given, else all of them.
    case oneOf(_ keys: [String], firstUnlessOthers: Bool = false)
}

/// A tool in doctor's tool table.
public struct ToolProbe: Sendable, Hashable {
    public var name: String
    /// What needs it ("packer method").
    public var purpose: String
    /// Arguments that print its version.
    public var versionArguments: [String]
    /// The status shown when it is found.
    public var foundStatus: String
    /// What to install when it is missing.
    public var install: String?
}

/// A method's template in the `examples` project: a manifest that validates.
public struct MethodExample: Sendable, Hashable {
    public var name: String
    public var description: String
    public var manifest: String
}

public enum BuildMethodCatalog {
    public static func planner(for method: BuildMethod, environment: MethodEnvironment? = nil) -> (any BuildMethodPlanner)? {
        MethodDescriptor.for(method)?.planner { environment ?? .current() }
    }

    public static func unsupportedReason(_ method: BuildMethod) -> String {
        "build method `\(method.rawValue)` must be resolved to the project's default method before planning"
    }
}
