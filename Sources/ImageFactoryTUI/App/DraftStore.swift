import Foundation
import ImageFactoryCore

/// Manifests being written in New build live in the user's state directory, never where the interface was
/// started: `$XDG_STATE_HOME/imagefactory/drafts` (else `~/.local/state/imagefactory/drafts`), one file per
/// project and interface process. A draft goes when its build starts or the user leaves; one left by an
/// interface that died is offered back the next time New build opens in that project.
public struct DraftStore: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> DraftStore {
        let base: String
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = (home as NSString).appendingPathComponent(".local/state")
        }
        return DraftStore(directory: URL(fileURLWithPath: base).appendingPathComponent("imagefactory/drafts"))
    }

    /// This process's draft for a project (the directory is made, private to the user, when needed).
    func draft(for project: Project) -> URL {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        return directory.appendingPathComponent("\(Self.safe(project.name))-\(getpid()).yaml")
    }

    /// A draft an interface that is no longer running left behind in this project.
    struct Orphan: Sendable {
        let url: URL
        let modified: Date
        let name: String?
    }

    func orphans(of project: Project) -> [Orphan] {
        let prefix = Self.safe(project.name) + "-"
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        return files.compactMap { url in
            let file = url.lastPathComponent
            guard file.hasPrefix(prefix), file.hasSuffix(".yaml"),
                  let pid = Int32(file.dropFirst(prefix.count).dropLast(5)), pid != getpid(),
                  kill(pid, 0) != 0 && errno == ESRCH else { return nil }
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            let name = text.split(separator: "\n").first { $0.hasPrefix("name:") }
                .map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
            let modified = (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            return Orphan(url: url, modified: modified, name: name)
        }.sorted { $0.modified > $1.modified }
    }

    private static func safe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}
