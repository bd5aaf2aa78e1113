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
        var tools: [DoctorReport.Tool] = []
        for probe in Self.toolProbes {
            guard let found = BuildRunner.which(probe.name, path: path) else {
                tools.append(.init(name: probe.name, purpose: probe.purpose, path: nil, version: nil,
                                   status: "not installed\(Self.installHint(probe.name).map { ": \($0)" } ?? "")"))
                continue
            }
            let version = await Self.firstLine(of: found, arguments: probe.versionArguments)
            tools.append(.init(name: probe.name, purpose: probe.purpose, path: found, version: version, status: probe.foundStatus))
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

    /// Tools no single method owns: tar packs every method's directory artifacts; tmux runs the terminal tests.
    static let tar = ToolProbe(name: "tar", purpose: "directory artifacts", versionArguments: ["--version"], foundStatus: "usable",
                               install: "apt-get install tar")
    static let tmux = ToolProbe(name: "tmux", purpose: "terminal tests, watch panes", versionArguments: ["-V"], foundStatus: "usable",
                                install: "apt-get install tmux")

    /// Doctor's tool table: the methods' tools from their descriptors, tar after the shell's, tmux last.
    static var toolProbes: [ToolProbe] {
        var probes = MethodDescriptor.all.flatMap(\.tools)
        probes.insert(tar, at: min(1, probes.count))
        probes.append(tmux)
        return probes.reduce(into: []) { seen, probe in if !seen.contains(where: { $0.name == probe.name }) { seen.append(probe) } }
    }

    static func installHint(_ tool: String) -> String? {
        if tool == "buildah" { return "apt-get install buildah" }
        return toolProbes.first { $0.name == tool }?.install
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
