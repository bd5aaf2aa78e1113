import Foundation

/// One row of `doctor`'s method matrix: can this method build here, and can its limits be enforced.
public struct MethodReadiness: Sendable, Hashable, Codable {
    public var method: BuildMethod
    /// The tool that runs it and its version, or nil when missing.
    public var tool: String?
    /// Whether the engine actually works here (a podman that answers `podman info`, a nix that builds).
    public var usable: Bool
    public var usableNote: String
    public var limits: String
    /// What to install or do; empty when nothing is needed.
    public var install: String
}

/// What doctor's method probes share: the environment, the limits cgroups enforce here, versions already read,
/// and facts several methods need (the container engine's state), probed once.
public final class DoctorProbe {
    public let environment: MethodEnvironment
    /// The limits enforced for a method that runs as the runner's own child: `memory, cpu (cgroup)` or `rlimit only`.
    public let cgroupLimits: String
    let known: [String: String]
    private var memo: [String: Any] = [:]

    init(environment: MethodEnvironment, cgroupLimits: String, known: [String: String]) {
        self.environment = environment
        self.cgroupLimits = cgroupLimits
        self.known = known
    }

    /// The first line of a tool's version output; a version doctor's tool table already read is not asked again.
    public func version(_ argv: [String]) -> String? {
        if let seen = known[argv[0]] { return seen }
        guard let out = ProbeCommand.run(argv, timeout: 5)?.output else { return nil }
        return out.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    /// A fact computed once per doctor run, whichever method asks first.
    public func shared<T>(_ key: String, _ compute: () -> T) -> T {
        if let value = memo[key] as? T { return value }
        let value = compute()
        memo[key] = value
        return value
    }
}

extension FactoryService {
    /// Probes each method's tool for real: versions, a running engine, a trivial nix build.
    /// `known` holds versions already read (doctor's tool table), by the tool's path, so no tool is asked twice.
    public func methodReadiness(environment env: MethodEnvironment = .detect(), known: [String: String] = [:]) -> [MethodReadiness] {
        let caps = store.limitCapabilities()
        let limited = [LimitCapabilities.Resource.memory, .cpu].filter { caps.cgroupParent(for: $0) != nil }
        let cgroupLimits = limited.isEmpty ? "rlimit only" : limited.map(\.rawValue).joined(separator: ", ") + " (cgroup)"
        /// A version short enough for an 80-column table: `Docker version 20.10.24+dfsg1, build 297e128` loses its build.
        func short(_ version: String?) -> String? {
            version.map { $0.split(separator: ",").first.map(String.init) ?? $0 }
        }
        let probe = DoctorProbe(environment: env, cgroupLimits: cgroupLimits, known: known)
        return MethodDescriptor.all.map { descriptor in
            var row = descriptor.readiness(probe)
            row.tool = short(row.tool)
            return row
        }
    }
}
