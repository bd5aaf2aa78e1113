import Crypto
import Foundation

/// Finds a build's artifacts in its workspace, checksums them and copies them into the artifact store.
public enum ArtifactCollector {
    public struct Collected: Sendable {
        public var artifacts: [Artifact]
        /// Patterns that matched nothing.
        public var missing: [String]
    }

    /// `optional` holds what the method itself produced (an image archive, packer's files, a nix output):
    /// workspace patterns or absolute paths, stored when they exist and skipped with a note when not.
    public static func collect(patterns: [String], workspace: URL, build: BuildID, store: DataDirectory,
                               optional: [String] = [], log: (String) -> Void) throws -> Collected {
        let destination = store.artifactDirectory(for: build)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        var artifacts: [Artifact] = []
        var missing: [String] = []
        var usedNames = Set<String>()
        // What each artifact really is, so a path reached twice (nix's `result` link and the store path the tool
        // named) is stored once.
        var stored = Set<String>()
        func firstTime(_ url: URL) -> Bool { stored.insert(url.resolvingSymlinksInPath().path).inserted }
        /// Stores a file, or a directory as one tar archive, under `name`.
        func keep(_ source: URL, relative: String, name: String) throws {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: source.path, isDirectory: &isDir)
            let artifact = isDir.boolValue
                ? try storeDirectory(source, relative: relative, name: name + ".tar", build: build, destination: destination, store: store)
                : try storeFile(source, relative: relative, name: name, build: build, destination: destination, store: store)
            log("artifact \(artifact.name): \(ByteCount(bytes: artifact.size)) \(artifact.type) sha256 \(artifact.sha256)")
            artifacts.append(artifact)
        }
        let workspacePrefix = workspace.standardizedFileURL.path + "/"
        var all = patterns.map { ($0, true) }
        for extra in optional where !patterns.contains(extra) && !all.contains(where: { $0.0 == extra }) {
            // Absolute paths inside the workspace are workspace paths.
            all.append((extra.hasPrefix(workspacePrefix) ? String(extra.dropFirst(workspacePrefix.count)) : extra, false))
        }
        for (pattern, required) in all {
            if pattern.hasPrefix("/") {
                let source = URL(fileURLWithPath: pattern)
                guard FileManager.default.fileExists(atPath: source.path) else {
                    log("not produced: \(pattern)")
                    continue
                }
                guard firstTime(source) else { continue }
                var name = source.lastPathComponent
                if usedNames.contains(name) { name = "\(artifacts.count)-\(name)" }
                usedNames.insert(name)
                try keep(source, relative: pattern, name: name)
                continue
            }
            let matches = try GlobMatcher.expand(pattern, in: workspace)
            if matches.isEmpty {
                if required { missing.append(pattern) } else { log("not produced: \(pattern)") }
                continue
            }
            for relative in matches where !artifacts.contains(where: { $0.sourcePath == relative })
                && firstTime(workspace.appendingPathComponent(relative)) {
                var name = (relative as NSString).lastPathComponent
                if usedNames.contains(name) { name = relative.replacingOccurrences(of: "/", with: "_") }
                usedNames.insert(name)
                try keep(workspace.appendingPathComponent(relative), relative: relative, name: name)
            }
        }
        return Collected(artifacts: artifacts, missing: missing)
    }

    static func storeFile(_ source: URL, relative: String, name: String, build: BuildID, destination: URL,
                          store: DataDirectory) throws -> Artifact {
        let target = destination.appendingPathComponent(name)
        let (size, digest) = try FileDigest.copy(from: source, to: target)
        return Artifact(id: nil, buildId: build, name: name, sourcePath: relative,
                        storedPath: String(target.path.dropFirst(store.root.path.count + 1)),
                        size: size, type: ArtifactType.detect(at: target), sha256: digest, status: .ready, createdAt: Date())
    }

    /// A directory artifact is stored as one tar archive, made by the system's tar.
    static func storeDirectory(_ link: URL, relative: String, name: String, build: BuildID, destination: URL,
                               store: DataDirectory) throws -> Artifact {
        // A symbolic link to a directory (nix's `result`) is stored as the directory it points to.
        let source = link.resolvingSymlinksInPath()
        let target = destination.appendingPathComponent(name)
        let status = try SimpleCommand.run(["/bin/tar", "-cf", target.path, "-C", source.deletingLastPathComponent().path,
                                            source.lastPathComponent])
        guard status == 0 else { throw FactoryError.runtime("tar of artifact directory `\(relative)` failed with status \(status)") }
        let (size, digest) = try FileDigest.sha256(of: target)
        return Artifact(id: nil, buildId: build, name: name, sourcePath: relative,
                        storedPath: String(target.path.dropFirst(store.root.path.count + 1)),
                        size: size, type: "tar archive", sha256: digest, status: .ready, createdAt: Date())
    }
}

/// Streaming SHA-256 with bounded memory, for files of any size.
public enum FileDigest {
    static let chunk = 1 << 20

    public static func sha256(of url: URL) throws -> (Int64, String) {
        guard let input = FileHandle(forReadingAtPath: url.path) else {
            throw FactoryError.notFound("cannot read \(url.path)")
        }
        defer { try? input.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let data = try input.read(upToCount: chunk), !data.isEmpty {
            hasher.update(data: data)
            size += Int64(data.count)
        }
        return (size, hex(hasher.finalize()))
    }

    /// Copies and hashes in one pass.
    public static func copy(from source: URL, to target: URL) throws -> (Int64, String) {
        guard let input = FileHandle(forReadingAtPath: source.path) else {
            throw FactoryError.notFound("cannot read \(source.path)")
        }
        defer { try? input.close() }
        _ = FileManager.default.createFile(atPath: target.path, contents: nil, attributes: [.posixPermissions: 0o600])
        guard let output = FileHandle(forWritingAtPath: target.path) else {
            throw FactoryError.storage("cannot write \(target.path)")
        }
        defer { try? output.close() }
        try output.truncate(atOffset: 0)
        var hasher = SHA256()
        var size: Int64 = 0
        while let data = try input.read(upToCount: chunk), !data.isEmpty {
            hasher.update(data: data)
            try output.write(contentsOf: data)
            size += Int64(data.count)
        }
        try output.synchronize()
        return (size, hex(hasher.finalize()))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    public static func sha256(of text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }
}

/// SHA-256 over data that arrives in pieces (an artifact streamed from the server).
public struct SHA256Stream {
    private var hasher = SHA256()
    public init() {}
    public mutating func update(_ data: Data) { hasher.update(data: data) }
    public func finalize() -> String { FileDigest.hex(hasher.finalize()) }
}
