import Foundation
import Subprocess

/// What `imagefactory doctor` reports: where data lives, the schema, which tools and limits work here.
public struct DoctorReport: Sendable, Codable {
    public struct Tool: Sendable, Codable {
        public var name: String
        public var purpose: String
        public var path: String?
        public var version: String?
        /// What runs with it in this version, or why it does not.
        public var status: String
    }

    public var dataDirectory: String
    public var databasePath: String
    public var schemaVersion: String
    public var integrity: String
    public var user: String
    public var tools: [Tool]
    public var limits: [String]
    public var host: String
    public var methods: [MethodReadiness] = []
}

extension FactoryService {
    public func doctor() async throws -> DoctorReport {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let probes: [(String, String, [String], String)] = [
            ("sh", "shell method", ["-c", "echo POSIX sh"], "usable: runs shell builds"),
            ("tar", "directory artifacts", ["--version"], "usable"),
            ("podman", "docker, buildx methods", ["--version"], "usable when `podman info` works (see the methods)"),
            ("docker", "docker method", ["--version"], "usable with a running Docker engine (see the methods)"),
            ("skopeo", "inspecting image archives", ["--version"], "usable"),
            ("executor", "kaniko method", ["version"], "usable inside a container or VM"),
            ("packer", "packer method", ["version"], "usable"),
            ("nix-build", "nix method", ["--version"], "usable when nix.conf allows builds (see the methods)"),
            ("tmux", "terminal tests, watch panes", ["-V"], "usable"),
        ]
        var tools: [DoctorReport.Tool] = []
        for (name, purpose, args, okStatus) in probes {
            guard let found = BuildRunner.which(name, path: path) else {
                tools.append(.init(name: name, purpose: purpose, path: nil, version: nil,
                                   status: "not installed\(Self.installHint(name).map { ": \($0)" } ?? "")"))
                continue
            }
            let version = await Self.firstLine(of: found, arguments: args)
            tools.append(.init(name: name, purpose: purpose, path: found, version: version, status: okStatus))
        }
        let host = HostSnapshot.read()
        return DoctorReport(
            dataDirectory: store.directory.root.path, databasePath: store.directory.databaseURL.path,
            schemaVersion: try store.schemaVersion(), integrity: try store.integrityCheck(),
            user: "\(user.login) (uid \(user.uid.map(String.init) ?? "?"))", tools: tools,
            limits: store.limitCapabilities().report(),
            host: "\(host.cores) cores, \(ByteCount(bytes: host.memTotalBytes)) memory (\(ByteCount(bytes: host.memAvailableBytes)) available)",
            methods: methodReadiness(known: Dictionary(tools.compactMap { t in t.path.flatMap { p in t.version.map { (p, $0) } } },
                                                       uniquingKeysWith: { first, _ in first })))
    }

    static func installHint(_ tool: String) -> String? {
        switch tool {
        case "podman": "apt-get install podman"
        case "buildah": "apt-get install buildah"
        case "docker": "apt-get install docker.io"
        case "packer": "apt-get install packer"
        case "nix-build": "apt-get install nix-bin"
        case "tmux": "apt-get install tmux"
        case "tar": "apt-get install tar"
        case "executor": "no Debian package: kaniko's executor must be installed by hand"
        case "skopeo": "apt-get install skopeo"
        default: nil
        }
    }

    /// First line of a tool's version output; gives up after 5 s so a hanging tool cannot hang doctor.
    static func firstLine(of path: String, arguments: [String]) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                let result = try? await Subprocess.run(.path(.init(path)), arguments: Arguments(arguments),
                                                       output: .string(limit: 64 * 1024), error: .string(limit: 64 * 1024))
                let text = (result?.standardOutput ?? "") + (result?.standardError ?? "")
                return text.split(separator: "\n").first.map(String.init)
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
