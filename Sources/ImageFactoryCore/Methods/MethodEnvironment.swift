import Synchronization
import Foundation

/// What this machine offers the build methods: which tools are on PATH, whether a Docker engine answers,
/// and the podman flags this host needs. Detected once per process and refreshed after a minute.
public struct MethodEnvironment: Sendable {
    public var podman: String?
    public var buildah: String?
    public var docker: String?
    /// A Docker engine answered `docker info` (the CLI alone cannot build).
    public var dockerEngine: Bool
    /// `docker buildx` answered: BuildKit with `--progress=rawjson` and multi-platform builds.
    public var dockerBuildx: Bool
    /// Docker's major version: from 23 on, `docker build` without buildx is the legacy builder.
    public var dockerMajorVersion: Int?
    /// The Docker engine has no `bridge` network (dockerd started with `--bridge=none`): RUN steps need `--network=none`.
    public var dockerWithoutBridge: Bool = false
    public var kaniko: String?
    public var packer: String?
    public var nixBuild: String?
    public var nixStore: String?
    public var skopeo: String?
    /// Global podman flags this host needs (runc where crun is missing, cgroupfs and file events without systemd).
    public var podmanFlags: [String]
    /// Every tool a method's descriptor names for doctor, by name, where it was found on PATH: a new method reads
    /// its tool with `tool(_:)` and needs no field of its own here.
    public var tools: [String: String] = [:]

    public init(podman: String? = nil, buildah: String? = nil, docker: String? = nil, dockerEngine: Bool = false,
                dockerBuildx: Bool = false, dockerMajorVersion: Int? = nil, kaniko: String? = nil, packer: String? = nil,
                nixBuild: String? = nil, nixStore: String? = nil, skopeo: String? = nil, podmanFlags: [String] = [],
                tools: [String: String] = [:]) {
        self.podman = podman
        self.buildah = buildah
        self.docker = docker
        self.dockerEngine = dockerEngine
        self.dockerBuildx = dockerBuildx
        self.dockerMajorVersion = dockerMajorVersion
        self.kaniko = kaniko
        self.packer = packer
        self.nixBuild = nixBuild
        self.nixStore = nixStore
        self.skopeo = skopeo
        self.podmanFlags = podmanFlags
        self.tools = tools
    }

    /// Where a tool named by a method's descriptor was found, or nil when it is missing.
    public func tool(_ name: String) -> String? { tools[name] }

    private static let cache = Mutex<(Date, MethodEnvironment)?>(nil)

    /// The environment of this machine, detected at most once a minute.
    public static func current() -> MethodEnvironment {
        if let (at, env) = cache.withLock({ $0 }), Date().timeIntervalSince(at) < 60 { return env }
        let env = detect()
        cache.withLock { $0 = (Date(), env) }
        return env
    }

    public static func detect(path: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") -> MethodEnvironment {
        func find(_ name: String) -> String? { BuildRunner.which(name, path: path) }
        var env = MethodEnvironment()
        env.podman = find("podman")
        env.buildah = find("buildah")
        env.kaniko = find("executor") ?? (access("/kaniko/executor", X_OK) == 0 ? "/kaniko/executor" : nil)
        env.packer = find("packer")
        env.nixBuild = find("nix-build")
        env.nixStore = find("nix-store")
        env.skopeo = find("skopeo")
        // Prefer a Docker CLI that can build: one with buildx, else one below 23 (BuildKit built in), else any.
        let dockers = ([find("docker")] + ["/usr/bin/docker", "/usr/local/bin/docker"]).compactMap { $0 }
            .reduce(into: [String]()) { if !$0.contains($1), access($1, X_OK) == 0 { $0.append($1) } }
        var best: (path: String, score: Int, major: Int?, buildx: Bool)?
        for candidate in dockers {
            let version = ProbeCommand.output([candidate, "version", "--format", "{{.Client.Version}}"], timeout: 3)
            let major = version.flatMap { Int($0.split(separator: ".").first ?? "") }
            let buildx = ProbeCommand.succeeds([candidate, "buildx", "version"], timeout: 3)
            let score = buildx ? 3 : (major.map { $0 < 23 } ?? false) ? 2 : 1
            if best == nil || score > best!.score { best = (candidate, score, major, buildx) }
        }
        if let best {
            env.docker = best.path
            env.dockerBuildx = best.buildx
            env.dockerMajorVersion = best.major
            env.dockerEngine = ProbeCommand.succeeds([best.path, "info", "--format", "{{.ServerVersion}}"], timeout: 5)
            if env.dockerEngine {
                env.dockerWithoutBridge = !ProbeCommand.succeeds([best.path, "network", "inspect", "bridge"], timeout: 5)
            }
        }
        env.podmanFlags = podmanHostFlags(path: path)
        for probe in MethodDescriptor.all.flatMap(\.tools) where env.tools[probe.name] == nil {
            env.tools[probe.name] = find(probe.name)
        }
        return env
    }

    /// Flags podman needs on hosts like this one: crun fails on a hybrid cgroup layout, and without systemd
    /// podman must manage cgroups itself and write events to a file.
    static func podmanHostFlags(path: String) -> [String] {
        var flags: [String] = []
        if let runc = BuildRunner.which("runc", path: path) { flags += ["--runtime", runc] }
        if access("/run/systemd/system", F_OK) != 0 {
            flags += ["--cgroup-manager", "cgroupfs", "--events-backend", "file"]
        }
        return flags
    }

    /// The engine that runs the docker and buildx methods for `choice`, or why none can.
    public func containerEngine(for choice: ContainerEngineChoice) -> Result<ContainerEngine, MethodUnavailable> {
        switch choice {
        case .docker:
            guard let docker else {
                return .failure(.init(tool: "docker", reason: "the project uses the Docker engine, but no docker CLI is installed",
                                      install: "apt-get install docker.io, start dockerd; or set the project's container engine to podman"))
            }
            guard dockerEngine else {
                return .failure(.init(tool: "docker", reason: "the project uses the Docker engine, but `\(docker) info` finds no running engine",
                                      install: "start dockerd (Debian: apt-get install docker.io); or set the project's container engine to podman"))
            }
            return .success(.docker(path: docker, buildx: dockerBuildx, buildKit: dockerBuildx || (dockerMajorVersion ?? 99) < 23))
        case .podman:
            guard let podman else {
                return .failure(.init(tool: "podman", reason: "the project uses podman, but it is not installed",
                                      install: "apt-get install podman runc"))
            }
            return .success(.podman(path: podman, flags: podmanFlags))
        case .auto:
            if dockerEngine, let docker {
                return .success(.docker(path: docker, buildx: dockerBuildx, buildKit: dockerBuildx || (dockerMajorVersion ?? 99) < 23))
            }
            if let podman { return .success(.podman(path: podman, flags: podmanFlags)) }
            return .failure(.init(tool: "podman", reason: "no container engine: podman is not installed and no Docker engine answers",
                                  install: "apt-get install podman runc (or docker.io and a running dockerd)"))
        }
    }
}

/// The engine behind the docker and buildx methods.
public enum ContainerEngine: Sendable, Hashable {
    case podman(path: String, flags: [String])
    /// `buildKit`: `docker build` uses BuildKit (buildx, or a CLI below 23 with DOCKER_BUILDKIT=1).
    case docker(path: String, buildx: Bool, buildKit: Bool)

    /// The engine's command with its global flags, ahead of `build`, `load`, `push`.
    public var command: [String] {
        switch self {
        case .podman(let path, let flags): [path] + flags
        case .docker(let path, _, _): [path]
        }
    }

    public var name: String {
        switch self {
        case .podman: "podman"
        case .docker(_, let buildx, let buildKit): buildx ? "docker (buildx)" : buildKit ? "docker (BuildKit)" : "docker (legacy builder)"
        }
    }
}

/// Why a method cannot run on this machine, and what to install.
public struct MethodUnavailable: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var tool: String
    public var reason: String
    public var install: String

    public var description: String { "\(reason) (to fix: \(install))" }
}

/// Short probes of installed tools: run to completion within a timeout, output discarded or captured.
enum ProbeCommand {
    static func succeeds(_ argv: [String], timeout: Double) -> Bool {
        run(argv, timeout: timeout)?.status == 0
    }

    static func output(_ argv: [String], timeout: Double) -> String? {
        guard let r = run(argv, timeout: timeout), r.status == 0 else { return nil }
        let text = r.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    static func run(_ argv: [String], timeout: Double) -> (status: Int32, output: String)? {
        let path = NSTemporaryDirectory() + "imagefactory-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        guard let pid = try? SimpleCommand.spawn(argv, newSession: true, outputPath: path) else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return nil }
            if Date() >= deadline {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            usleep(20_000)
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let code: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, text)
    }
}
