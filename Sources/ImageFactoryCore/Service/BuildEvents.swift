import Foundation

/// What changed in a build, as seen by a watcher.
public enum BuildEvent: Sendable {
    case status(Build)
    case step(Step)
    /// Lines up to (not including) this sequence number are committed and can be read.
    case logAppended(build: BuildID, lineCount: Int)
    case metric(MetricRow)
    case artifact(Artifact)
}

extension FactoryService {
    /// A live feed of one build's changes. The build may run in this or another process: the feed reads
    /// the store every `interval`, so every front end sees the same thing. Ends after the build finishes.
    public func events(for build: Build, interval: Duration = .milliseconds(150)) throws -> AsyncThrowingStream<BuildEvent, Error> {
        try authorize(.viewBuild, in: try store.project(id: build.projectId)!)
        let store = self.store
        let id = build.id!
        return AsyncThrowingStream { continuation in
            let task = Task {
                var lastBuild: Build?
                var lastSteps: [Int: Step] = [:]
                var lastLines = -1
                var lastMetricMs: Int64 = 0
                var seenArtifacts = Set<String>()
                do {
                    while !Task.isCancelled {
                        guard let current = try store.build(id: id) else {
                            throw FactoryError.notFound("build id \(id) was deleted")
                        }
                        for step in try store.steps(of: id) where lastSteps[step.idx] != step {
                            lastSteps[step.idx] = step
                            continuation.yield(.step(step))
                        }
                        if Int(current.logLines) != lastLines {
                            lastLines = Int(current.logLines)
                            continuation.yield(.logAppended(build: id, lineCount: lastLines))
                        }
                        for row in try store.metrics(of: id, sinceMs: lastMetricMs) {
                            lastMetricMs = row.timeMs
                            continuation.yield(.metric(row))
                        }
                        if current.status.isFinished {
                            for artifact in try store.artifacts(of: id) where !seenArtifacts.contains(artifact.name) {
                                seenArtifacts.insert(artifact.name)
                                continuation.yield(.artifact(artifact))
                            }
                        }
                        if current != lastBuild {
                            lastBuild = current
                            continuation.yield(.status(current))
                        }
                        if current.status.isFinished { break }
                        try await Task.sleep(for: interval)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
