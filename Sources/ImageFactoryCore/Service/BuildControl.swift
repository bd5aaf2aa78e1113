import Foundation

/// Starting and cancelling builds, and hearing about them. Front ends get this from the build server
/// (which runs builds and identifies the caller from its socket); `LocalBuildControl` only queues.
public protocol BuildControl: Sendable {
    func start(text: String, file: String?, project: Project, template: Template?) throws -> Build
    func cancel(_ reference: BuildReference) throws -> Build
    /// The caller's notifications (their builds starting, succeeding, failing) as they happen.
    func notifications() -> AsyncStream<BuildNotification>
}

/// Queues and cancels through FactoryService in this process; a build server picks the build up.
public struct LocalBuildControl: BuildControl {
    let service: FactoryService

    public init(service: FactoryService) { self.service = service }

    public func start(text: String, file: String?, project: Project, template: Template?) throws -> Build {
        try service.startBuild(text: text, file: file, in: project, template: template)
    }

    public func cancel(_ reference: BuildReference) throws -> Build {
        try service.cancelBuild(reference)
    }

    public func notifications() -> AsyncStream<BuildNotification> { AsyncStream { $0.finish() } }
}
