import Foundation
import GRDB

extension FactoryStore {
    /// The median duration of each step (by `Step.idx`) in the latest `limit` successful builds of the same manifest
    /// before `build`, for the progress within a running step; nil where no earlier build ran that step.
    public func medianStepDurations(project: ProjectID, manifestSha256: String, before build: BuildID,
                                    limit: Int = 5) throws -> [Double?] {
        let steps: [Step] = try pool.read { db in
            try Step.fetchAll(db, sql: """
                SELECT step.* FROM step WHERE step.status = ? AND step.buildId IN (
                    SELECT id FROM build WHERE projectId = ? AND manifestSha256 = ? AND status = ? AND id < ?
                    ORDER BY id DESC LIMIT ?)
                """, arguments: [StepStatus.succeeded, project.rawValue, manifestSha256, BuildStatus.succeeded, build.rawValue, limit])
        }
        var byStep: [Int: [Double]] = [:]
        for step in steps {
            guard let start = step.startedAt, let end = step.finishedAt else { continue }
            byStep[step.idx, default: []].append(max(0, end.timeIntervalSince(start)))
        }
        guard let last = byStep.keys.max() else { return [] }
        return (0...last).map { idx in byStep[idx].map(Self.median) }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
