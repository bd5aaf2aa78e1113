import Foundation

/// The one client API: everything the interface, `watch` and the CLI do. The socket client is the real
/// implementation (the build server answers as the user its socket says the caller is, through
/// FactoryService); ``InProcessFactoryAPI`` answers in this process, for the server itself and unit tests.
///
/// Calls block until answered and may come from any thread. Errors are ``FactoryError``s whose text says
/// what and where, and whose exit status the CLI uses.
public protocol FactoryAPI: AnyObject, Sendable {
    /// Who the server took the caller to be.
    var me: User { get }

    /// Projects, recent builds, ready artifacts, the team and activity, in one answer.
    func dashboard() throws -> DashboardSnapshot

    // MARK: Projects
    func projects() throws -> [ProjectRow]
    /// A project by name, or the caller's default (their only project, else `examples`) when nil.
    func project(_ name: String?) throws -> ProjectRow
    func project(id: ProjectID) throws -> ProjectRow
    /// Creates a project; the caller becomes its owner.
    func createProject(name: String, description: String) throws -> ProjectRow
    func changeProject(_ project: ProjectID, _ change: ProjectSettingsChange) throws -> ProjectRow
    func members(of project: ProjectID) throws -> [MemberRow]
    /// Gives an OS account a role (nil removes it from the project).
    func setMember(login: String, uid: Int64?, role: Role?, in project: ProjectID) throws -> MemberRow?
    func activity(project: ProjectID?, limit: Int) throws -> [ActivityEvent]

    // MARK: Templates and manifests
    func templates(in project: ProjectID) throws -> [Template]
    func saveTemplate(name: String, manifestText: String, file: String?, team: Bool, in project: ProjectID) throws -> Template
    /// Checks and plans a manifest without running it.
    func dryRun(text: String, file: String?, in project: ProjectID, workingDirectory: String?) throws -> DryRunReport

    // MARK: Builds
    func startBuild(_ request: StartBuildRequest) throws -> BuildDetail
    func cancelBuild(_ build: BuildID) throws -> BuildDetail
    /// Queues the same manifest again.
    func rerunBuild(_ build: BuildID) throws -> BuildDetail
    /// The newest builds of a project, or of every project the caller belongs to.
    func builds(project: ProjectID?, limit: Int) throws -> [BuildRow]
    func build(_ reference: BuildReference, defaultProject: String?) throws -> BuildDetail
    func build(id: BuildID) throws -> BuildDetail
    func metrics(of build: BuildID, sinceMs: Int64) throws -> [MetricRow]
    func queryLog(_ build: BuildID, _ query: LogQuery) throws -> LogAnswer
    /// Compares a build's log with the last successful build of the same manifest (else of the same name).
    func compareWithLastGood(_ build: BuildID) throws -> LogComparisonReport

    // MARK: Artifacts
    /// `length` bytes (at most ``ArtifactChunk/size``) of a stored artifact from `offset`.
    func readArtifact(_ build: BuildID, name: String, offset: Int64, length: Int) throws -> ArtifactChunk

    // MARK: Notifications and the host
    func notifications(limit: Int) throws -> [BuildNotification]
    func doctor() throws -> DoctorReport

    // MARK: Push
    /// Events of one build (status, steps, metrics, artifacts); with `lines`, its log lines from `fromSeq` too.
    func subscribe(build: BuildID, fromSeq: Int, lines: Bool) throws
    func unsubscribe(build: BuildID) throws
    /// The caller's queued and running builds whenever they change, and project changes.
    func subscribeDashboard() throws
    /// The caller's own notifications as they happen.
    func subscribeNotifications() throws
    /// What the server pushes; one consumer. Ends when the connection does.
    var events: AsyncStream<ServerEvent> { get }
}

extension FactoryAPI {
    public func build(_ reference: BuildReference) throws -> BuildDetail { try build(reference, defaultProject: nil) }

    /// The caller's role in a project, nil when not a member.
    public func role(in project: ProjectID) -> Role? { try? self.project(id: project).role }

    /// Copies a stored artifact into `directory` through the API, verifying its SHA-256 before the copy gets
    /// its name. `progress` hears bytes copied so far. Returns where it went.
    public func downloadArtifact(_ name: String, of build: BuildID, to directory: URL, replace: Bool = true,
                                 progress: ((Int64, Int64) -> Void)? = nil) throws -> URL {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw FactoryError.notFound("destination directory \(directory.path) does not exist")
        }
        let target = directory.appendingPathComponent((name as NSString).lastPathComponent)
        if !replace, FileManager.default.fileExists(atPath: target.path) {
            throw FactoryError.conflict("\(target.path) already exists")
        }
        return try downloadArtifact(name, of: build, toFile: target, progress: progress)
    }

    /// Copies a stored artifact to the file `target` (replacing it: the caller asked first), verifying its
    /// SHA-256 before the copy takes the name.
    public func downloadArtifact(_ name: String, of build: BuildID, toFile target: URL,
                                 progress: ((Int64, Int64) -> Void)? = nil) throws -> URL {
        let first = try readArtifact(build, name: name, offset: 0, length: ArtifactChunk.size)
        let artifact = first.artifact
        let partial = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let out = FileHandle(forWritingAtPath: partial.path) else {
            throw FactoryError.invalidInput("cannot write \(partial.path): permission denied or no such directory")
        }
        var hasher = SHA256Stream()
        var chunk = first
        var written: Int64 = 0
        do {
            while true {
                guard chunk.offset == written else {
                    throw FactoryError.storage("artifact `\(name)` arrived out of order (offset \(chunk.offset), expected \(written))")
                }
                try out.write(contentsOf: chunk.data)
                hasher.update(chunk.data)
                written += Int64(chunk.data.count)
                progress?(written, artifact.size)
                if chunk.isLast || chunk.data.isEmpty { break }
                chunk = try readArtifact(build, name: name, offset: written, length: ArtifactChunk.size)
            }
            try out.close()
        } catch {
            try? out.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        let digest = hasher.finalize()
        guard digest == artifact.sha256 else {
            try? FileManager.default.removeItem(at: partial)
            throw FactoryError.storage("checksum mismatch for artifact `\(name)`: stored \(artifact.sha256), received \(digest); the copy was removed")
        }
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
        try FileManager.default.moveItem(at: partial, to: target)
        return target
    }
}
