import Foundation
import ImageFactoryCore

/// BuildControl through the build server: the server queues the build as the socket's user and schedules it.
public final class ServerBuildControl: BuildControl, @unchecked Sendable {
    public let client: ServerClient
    private let stream: AsyncStream<BuildNotification>
    private let pump: Task<Void, Never>

    /// Takes over the client's event stream (it carries only notifications for this use).
    public init(client: ServerClient) throws {
        self.client = client
        let (stream, continuation) = AsyncStream<BuildNotification>.makeStream()
        self.stream = stream
        pump = Task {
            for await item in client.events {
                if case .event(.notification(let n)) = item { continuation.yield(n) }
            }
            continuation.finish()
        }
        try client.subscribeNotifications()
    }

    deinit { pump.cancel() }

    public func start(text: String, file: String?, project: Project, template: Template?) throws -> Build {
        try client.startBuild(StartBuildRequest(text: text, file: file, project: project.name, template: template?.name,
                                                priority: 0, workingDirectory: FileManager.default.currentDirectoryPath)).row.build
    }

    public func cancel(_ reference: BuildReference) throws -> Build {
        try client.cancelBuild(reference.description, defaultProject: nil).row.build
    }

    public func notifications() -> AsyncStream<BuildNotification> { stream }
}
