import Foundation
import ImageFactoryCore

/// Where a server listens and keeps its pid and log files.
/// A personal server (one per user and data directory, started on demand like tmux's) lives in a 0700
/// directory under `$XDG_RUNTIME_DIR`, else under the data directory; a shared server at the path it is given.
public struct ServerEndpoint: Sendable, Hashable {
    public var socketPath: String
    public var pidFile: String
    public var logFile: String
    /// A shared server is named by its socket path; clients do not start it.
    public var shared: Bool

    public init(socketPath: String, shared: Bool) {
        self.socketPath = socketPath
        self.pidFile = socketPath + ".pid"
        self.logFile = socketPath + ".log"
        self.shared = shared
    }

    /// `IMAGEFACTORY_SOCKET` names a shared server; otherwise the personal one of this data directory.
    public static func resolve(directory: DataDirectory, socket: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> ServerEndpoint {
        if let path = socket ?? environment["IMAGEFACTORY_SOCKET"], !path.isEmpty {
            return ServerEndpoint(socketPath: URL(fileURLWithPath: path).standardizedFileURL.path, shared: true)
        }
        return personal(directory: directory, environment: environment)
    }

    public static func personal(directory: DataDirectory,
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> ServerEndpoint {
        let name = directory.cgroupParentName // imagefactory-<hash of the data directory>
        var dir: String
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty, isWritableDirectory(runtime) {
            dir = runtime + "/" + name
        } else {
            dir = directory.root.appendingPathComponent("run").path
        }
        // sockaddr_un holds 108 bytes: deep data directories fall back to a per-user directory in /tmp.
        if (dir + "/server.sock").utf8.count > 100 {
            dir = "/tmp/imagefactory-\(geteuid())/\(name)"
        }
        return ServerEndpoint(socketPath: dir + "/server.sock", shared: false)
    }

    public var directory: String { (socketPath as NSString).deletingLastPathComponent }

    /// Creates the personal socket directory as 0700 and refuses one that someone else could use.
    public func preparePrivateDirectory() throws {
        let dir = directory
        let parent = (dir as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if mkdir(dir, 0o700) != 0, errno != EEXIST {
            throw FactoryError.runtime("cannot create the server directory \(dir): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard lstat(dir, &st) == 0 else { throw FactoryError.runtime("cannot inspect \(dir): \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == geteuid() else {
            throw FactoryError.permissionDenied("server directory \(dir) is not a directory owned by you; remove it and retry")
        }
        if st.st_mode & 0o077 != 0 { chmod(dir, 0o700) }
    }

    /// The pid in the pid file when that process is alive.
    public func runningPid() -> pid_t? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        // A zombie (an exited server nobody reaped yet) is not running.
        return ProcessLiveness.isAlive(pid: pid, startTicks: nil) ? pid : nil
    }
}

private func isWritableDirectory(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue && access(path, W_OK) == 0
}
