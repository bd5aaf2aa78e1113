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

extension FactoryService {
    /// Probes each method's tool for real: versions, a running engine, a trivial nix build.
    /// `known` holds versions already read (doctor's tool table), by the tool's path, so no tool is asked twice.
    public func methodReadiness(environment env: MethodEnvironment = .detect(), known: [String: String] = [:]) -> [MethodReadiness] {
        let caps = store.limitCapabilities()
        let limited = [LimitCapabilities.Resource.memory, .cpu].filter { caps.cgroupParent(for: $0) != nil }
        let cgroupLimits = limited.isEmpty ? "rlimit only" : limited.map(\.rawValue).joined(separator: ", ") + " (cgroup)"
        func version(_ argv: [String]) -> String? {
            if let seen = known[argv[0]] { return seen }
            guard let out = ProbeCommand.run(argv, timeout: 5)?.output else { return nil }
            return out.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        /// A version short enough for an 80-column table: `Docker version 20.10.24+dfsg1, build 297e128` loses its build.
        func short(_ version: String?) -> String? {
            version.map { $0.split(separator: ",").first.map(String.init) ?? $0 }
        }
        var rows: [MethodReadiness] = []
        rows.append(.init(method: .shell, tool: "/bin/sh", usable: true, usableNote: "yes",
                          limits: cgroupLimits, install: ""))

        let podmanVersion = env.podman.flatMap { version([$0, "--version"]) }
        let podmanWorks = env.podman.map { ProbeCommand.succeeds([$0] + env.podmanFlags + ["info", "--format", "{{.Host.OCIRuntime.Name}}"], timeout: 15) } ?? false
        let dockerVersion = env.docker.flatMap { version([$0, "--version"]) }
        let engine: (String?, Bool, String, String) = {
            if env.dockerEngine, let v = dockerVersion { return (v, true, "Docker engine answers" + (env.dockerBuildx ? " (buildx)" : ""), "") }
            if let v = podmanVersion {
                return (v, podmanWorks, podmanWorks ? "podman \(env.podmanFlags.joined(separator: " "))" : "`podman info` fails",
                        podmanWorks ? "" : "check `podman info`; on hosts without systemd podman needs runc and cgroupfs")
            }
            if let v = dockerVersion { return (v + " (client only)", false, "no Docker engine answers `docker info`", "apt-get install podman runc, or start dockerd") }
            return (nil, false, "no container engine", "apt-get install podman runc (or docker.io and a running dockerd)")
        }()
        rows.append(.init(method: .docker, tool: engine.0, usable: engine.1, usableNote: engine.2,
                          limits: engine.1 ? "memory, cpu per RUN container" : "-", install: engine.3))

        let binfmt = access("/proc/sys/fs/binfmt_misc/qemu-aarch64", F_OK) == 0
        let buildxUsable = env.dockerEngine && env.dockerBuildx || podmanWorks
        let buildxNote: String = env.dockerEngine && env.dockerBuildx ? "docker buildx"
            : podmanWorks ? (binfmt ? "podman --platform --manifest; qemu-aarch64 registered" : "podman --platform --manifest; other platforms' RUN steps need qemu-user-static")
            : "no engine"
        rows.append(.init(method: .buildx, tool: env.dockerBuildx ? dockerVersion : podmanVersion, usable: buildxUsable, usableNote: buildxNote,
                          limits: buildxUsable ? "memory, cpu per RUN container" : "-",
                          install: binfmt || !podmanWorks ? engine.3 : "apt-get install qemu-user-static binfmt-support; update-binfmts --enable qemu-aarch64"))

        rows.append(.init(method: .kaniko, tool: env.kaniko.flatMap { version([$0, "version"]) ?? $0 }, usable: env.kaniko != nil,
                          usableNote: env.kaniko != nil ? "executor found (run it inside a container or VM only)" : "not installed",
                          limits: env.kaniko != nil ? cgroupLimits : "-", install: env.kaniko == nil ? ContainerMethod.kanikoMissing.install : ""))

        let packerVersion = env.packer.flatMap { version([$0, "version"]) }
        rows.append(.init(method: .packer, tool: packerVersion, usable: packerVersion != nil,
                          usableNote: packerVersion != nil ? "null, file and shell-local work anywhere; qemu needs accelerator = \"tcg\" without KVM, and a VM's size comes from the template's memory and cpus" : "not installed",
                          limits: packerVersion != nil ? cgroupLimits : "-",
                          install: packerVersion == nil ? "apt-get install packer" : ""))

        let nixVersion = env.nixBuild.flatMap { version([$0, "--version"]) }
        var nixWorks = false
        if let nixBuild = env.nixBuild {
            let probe = "derivation { name = \"imagefactory-doctor\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo ok > $out\" ]; }"
            nixWorks = ProbeCommand.succeeds([nixBuild, "--no-out-link", "-E", probe], timeout: 30)
        }
        rows.append(.init(method: .nix, tool: nixVersion, usable: nixWorks,
                          usableNote: nixVersion == nil ? "not installed" : nixWorks ? "builds a builtins-only derivation" : "nix-build of a trivial derivation fails",
                          limits: nixWorks ? cgroupLimits : "-",
                          install: nixVersion == nil ? "apt-get install nix-bin, then /etc/nix/nix.conf (see the README)"
                              : nixWorks ? "" : "see /etc/nix/nix.conf: without a nixbld group set `build-users-group =`, and `sandbox = false`"))
        return rows.map { var row = $0; row.tool = short(row.tool); return row }
    }
}
