import Foundation
import ImageFactoryCore

/// Typed calls; each throws `FactoryError.server` with the server's message and exit status.
extension ServerClient {
    public func status() throws -> ServerStatus {
        guard case .status(let s) = try call(.status) else { throw unexpected("status") }
        return s
    }

    public func startBuild(_ request: StartBuildRequest) throws -> BuildDetail {
        guard case .build(let d) = try call(.startBuild(request)) else { throw unexpected("build") }
        return d
    }

    public func cancelBuild(_ reference: String, defaultProject: String?) throws -> BuildDetail {
        guard case .build(let d) = try call(.cancelBuild(reference: reference, defaultProject: defaultProject)) else { throw unexpected("build") }
        return d
    }

    public func showBuild(_ reference: String, defaultProject: String?) throws -> BuildDetail {
        guard case .build(let d) = try call(.showBuild(reference: reference, defaultProject: defaultProject)) else { throw unexpected("build") }
        return d
    }

    public func builds(project: String?, limit: Int) throws -> [BuildRow] {
        guard case .builds(let rows) = try call(.listBuilds(project: project, limit: limit)) else { throw unexpected("builds") }
        return rows
    }

    public func readLog(_ build: BuildID, from: Int, count: Int) throws -> LogPage {
        guard case .logLines(let page) = try call(.readLog(build: build, from: from, count: count)) else { throw unexpected("log lines") }
        return page
    }

    @discardableResult
    public func subscribe(build: BuildID, fromSeq: Int) throws -> (BuildRow, Int) {
        guard case .subscribed(let row, let committed) = try call(.subscribeBuild(build: build, fromSeq: fromSeq)) else { throw unexpected("subscribed") }
        return (row, committed)
    }

    public func subscribeDashboard() throws { _ = try call(.subscribeDashboard) }
    public func subscribeNotifications() throws { _ = try call(.subscribeNotifications) }

    public func notifications(limit: Int = 50) throws -> [BuildNotification] {
        guard case .notifications(let n) = try call(.notifications(limit: limit)) else { throw unexpected("notifications") }
        return n
    }

    public func stopServer(now: Bool) throws { _ = try call(.stopServer(now: now)) }

    private func unexpected(_ what: String) -> FactoryError {
        .runtime("the build server answered with something other than \(what)")
    }
}
