import Foundation

/// Where Image Factory keeps its database, build workspaces, logs and artifacts.
public struct DataDirectory: Sendable, Hashable {
    public var root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    /// `$IMAGEFACTORY_HOME`, else `$XDG_DATA_HOME/imagefactory`, else `~/.local/share/imagefactory`.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> DataDirectory {
        if let home = environment["IMAGEFACTORY_HOME"], !home.isEmpty {
            return DataDirectory(root: URL(fileURLWithPath: home))
        }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return DataDirectory(root: URL(fileURLWithPath: xdg).appendingPathComponent("imagefactory"))
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return DataDirectory(root: URL(fileURLWithPath: home).appendingPathComponent(".local/share/imagefactory"))
    }

    public var databaseURL: URL { root.appendingPathComponent("imagefactory.sqlite") }
    public var workspacesURL: URL { root.appendingPathComponent("workspaces") }
    public var logsURL: URL { root.appendingPathComponent("logs") }
    public var artifactsURL: URL { root.appendingPathComponent("artifacts") }

    public func workspace(for build: BuildID) -> URL { workspacesURL.appendingPathComponent("build-\(build.rawValue)") }
    public func logDirectory(for build: BuildID) -> URL { logsURL.appendingPathComponent("build-\(build.rawValue)") }
    public func artifactDirectory(for build: BuildID) -> URL { artifactsURL.appendingPathComponent("build-\(build.rawValue)") }

    /// The parent cgroup of this data directory's builds: build ids are only unique within one database,
    /// so two data directories (two users, or tests) must never share cgroups.
    public var cgroupParentName: String {
        "imagefactory-" + FileDigest.sha256(of: root.path).prefix(10)
    }

    /// Creates the directory tree, private to the user: builds and logs may hold secrets.
    public func create() throws {
        let fm = FileManager.default
        for url in [root, workspacesURL, logsURL, artifactsURL] {
            try fm.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
    }
}
