import Foundation

/// Which command a running build's step is in, for its progress: the runner logs `$ <command>` (a system line)
/// as each command of a step starts, and the plan says how many the step has. Reads only the log lines added
/// since the last question about the same build, so a page that refreshes every second costs little.
final class RunningCommandTracker: @unchecked Sendable {
    private struct Scan {
        var step: Int
        var scannedTo: Int
        var started: Int
    }

    private let lock = NSLock()
    /// Commands per plan step (0 for steps without commands), per build.
    private var counts: [BuildID: [Int]] = [:]
    private var scans: [BuildID: Scan] = [:]

    /// nil when the build is not running a step of more than one command, or the log does not say yet.
    func position(of build: Build, steps: [Step], service: FactoryService, reader: () throws -> LogReader?) throws -> CommandPosition? {
        guard build.status == .running, let id = build.id, let step = steps.first(where: { $0.status == .running }) else { return nil }
        let counts = try plannedCounts(of: build, service: service)
        guard step.idx < counts.count, counts[step.idx] > 1, let reader = try reader() else { return nil }
        var scan = lock.withLock { scans[id] }
        if scan?.step != step.idx { scan = Scan(step: step.idx, scannedTo: Int(step.firstLine ?? 0), started: 0) }
        guard var current = scan else { return nil }
        let end = reader.lineCount
        if current.scannedTo < end {
            for seq in try reader.search("$ ", step: UInt16(step.idx), from: current.scannedTo, limit: Int.max) where seq < end {
                if let line = try reader.line(seq), line.stream == .system, line.text.hasPrefix("$ ") { current.started += 1 }
            }
            current.scannedTo = end
        }
        lock.withLock {
            scans[id] = current
            if scans.count > 16 { scans = scans.filter { $0.key == id } }
        }
        guard current.started > 0 else { return nil }
        return CommandPosition(step: step.idx, index: min(current.started, counts[step.idx]), count: counts[step.idx])
    }

    /// The plan the runner follows, made again from the stored manifest (as the runner makes it).
    private func plannedCounts(of build: Build, service: FactoryService) throws -> [Int] {
        let id = build.id!
        if let known = lock.withLock({ counts[id] }) { return known }
        var result: [Int] = []
        if let project = try service.store.project(id: build.projectId) {
            let check = ManifestLoader.check(text: build.manifest, file: nil, context: project.validationContext)
            if let manifest = check.manifest, let planner = BuildMethodCatalog.planner(for: manifest.method),
               let plan = try? planner.plan(manifest, project: project, warnings: check.warnings) {
                result = plan.steps.map { $0.kind == .commands ? $0.commands.count : 0 }
            }
        }
        lock.withLock {
            counts[id] = result
            if counts.count > 16 { counts = counts.filter { $0.key == id } }
        }
        return result
    }
}
