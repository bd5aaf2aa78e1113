import Foundation
import ImageFactoryCore

/// `build show`: the build page in text. When a build failed, the failing step's last lines come first.
struct BuildPrinter {
    let api: any FactoryAPI
    let style: Style

    func show(_ detail: BuildDetail) throws {
        let build = detail.row.build
        let steps = detail.steps
        let toolSteps = detail.toolSteps ?? []
        print(style.bold("Build \(build.number) - \(detail.row.project)") + "  " + style.dim("/projects/\(build.projectId)/builds/\(build.number.rawValue)"))
        if build.status == .failed || build.status == .interrupted, let reason = build.failureReason {
            print("")
            print(style.red("✗ \(reason)"))
            if Self.printFailedToolStep(toolSteps, style: style) {
            } else if let failed = steps.first(where: { $0.status == .failed || $0.status == .interrupted }) {
                try printLastLines(of: failed, build: build, count: 12)
            }
        }
        print("")
        let estimate = detail.estimatedDuration
        print("status:      \(style.status(build.status))\(build.timedOut ? style.red(" (timed out)") : "")")
        print("name:        \(build.name)")
        print("method:      \(build.method.rawValue)")
        print("started by:  \(detail.row.startedBy ?? "?")")
        if build.status == .queued, let why = build.queueReason { print("queued:      \(why)") }
        print("created:     \(Format.timestamp.string(from: build.createdAt))")
        if let s = build.startedAt { print("started:     \(Format.timestamp.string(from: s))") }
        if let f = build.finishedAt { print("finished:    \(Format.timestamp.string(from: f))") }
        print("duration:    \(Format.duration(build.duration))\(estimate.map { " of about \(Format.duration($0)) (mean of earlier successful runs)" } ?? "")")
        if build.status == .cancelled, let reason = build.failureReason { print("reason:      \(reason)") }
        print("manifest:    sha256 \(build.manifestSha256.prefix(16))")
        if let fingerprint = build.fingerprint {
            let meaning = build.method == .nix ? "the output's store path hash: the same inputs give the same hash" : "the image id the tool reported"
            print("fingerprint: \(fingerprint)  (\(meaning))")
        }
        print("log:         \(build.logLines) lines, \(build.errorLines) errors, \(build.warnLines) warnings")
        if build.droppedLogLines > 0 {
            print("             " + style.yellow("log limit \(build.logLimit ?? "") reached: \(DisplayFormat.grouped(build.droppedLogLines)) further lines not stored"))
        }
        let done = steps.filter { $0.status == .succeeded }.count
        let progress = detail.progress()
        print("progress:    \(progress.percent)% (\(done)/\(steps.count) steps\(build.status == .running ? "; " + progress.basis : ""))")

        print("")
        print(style.bold("Steps"))
        for (i, step) in steps.enumerated() {
            let exit = step.exitCode.map { " exit \($0)" } ?? ""
            print("  \(style.step(step.status)) \(i + 1). \(step.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(step.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(Format.duration(step.duration))\(exit)  \(style.dim("\(step.lineCount) \(step.lineCount == 1 ? "line" : "lines")"))")
            printToolSteps(toolSteps.filter { $0.stepIdx == step.idx })
        }

        let samples = try api.metrics(of: build.id!, sinceMs: 0)
        print("")
        print(style.bold("Metrics") + style.dim("  (\(samples.count) samples; network is host-wide)"))
        if samples.isEmpty {
            print(build.status.isFinished ? "  none: the build ended before the first sample" : "  none yet")
        } else {
            let s = MetricSummary.summarize(samples.map(\.sample))
            print("  cpu        peak \(String(format: "%.0f%%", s.peakCpuPercent))  mean \(String(format: "%.0f%%", s.meanCpuPercent))  (100% = one core)")
            print("  memory     peak \(ByteCount(bytes: s.peakMemoryBytes))  mean \(ByteCount(bytes: Int64(s.meanMemoryBytes)))")
            print("  disk read  peak \(rate(s.peakDiskReadBytesPerSec))  mean \(rate(s.meanDiskReadBytesPerSec))")
            print("  disk write peak \(rate(s.peakDiskWriteBytesPerSec))  mean \(rate(s.meanDiskWriteBytesPerSec))")
            print("  net rx     peak \(rate(s.peakNetReceiveBytesPerSec))  mean \(rate(s.meanNetReceiveBytesPerSec))  (host-wide)")
            print("  net tx     peak \(rate(s.peakNetTransmitBytesPerSec))  mean \(rate(s.meanNetTransmitBytesPerSec))  (host-wide)")
        }

        if let plan = build.limitPlan, !plan.isEmpty {
            print("")
            print(style.bold("Limits"))
            for line in plan.split(separator: "\n") { print("  - \(line)") }
        }

        let artifacts = detail.artifacts
        print("")
        print(style.bold("Artifacts"))
        if artifacts.isEmpty { print("  none") }
        for a in artifacts {
            print("  ■ \(a.name)  \(ByteCount(bytes: a.size))  \(a.type)  \(a.status.rawValue)  sha256 \(a.sha256.prefix(12))")
        }
    }

    /// The tool's own steps under their plan step, one group per platform or packer build.
    func printToolSteps(_ tools: [ToolStep]) { Self.printToolSteps(tools, style: style) }

    static func printFailedToolStep(_ toolSteps: [ToolStep], style: Style) -> Bool {
        guard let failedTool = toolSteps.last(where: { $0.status == .failed }), let excerpt = failedTool.excerpt else { return false }
        // The tool's failing step, in its own words, before anything else.
        print(style.dim("  last lines of \(failedTool.groupName.map { "[\($0)] " } ?? "")\(failedTool.name):"))
        for line in excerpt.split(separator: "\n", omittingEmptySubsequences: false) { print("  │ " + String(line)) }
        return true
    }

    static func printToolSteps(_ tools: [ToolStep], style: Style) {
        for (i, t) in tools.enumerated() {
            if let heading = ToolStep.groupHeading(before: i, in: tools) { print("       \(style.bold(heading))") }
            let mark: String = switch t.status {
            case .succeeded: style.green("✓")
            case .cached: style.dim("↻")
            case .failed: style.red("✗")
            case .cancelled: style.dim("⊘")
            case .running: style.yellow("▶")
            }
            let progress = t.percent.map { " \($0)%" } ?? t.done.map { " \($0)" } ?? ""
            let status = t.status == .cached ? "CACHED" : t.status.rawValue
            let name = t.name.count > 60 ? String(t.name.prefix(59)) + "…" : t.name
            print("       \(mark) \(name.padding(toLength: 60, withPad: " ", startingAt: 0)) \(status)\(progress)  \(Format.duration(t.duration))")
        }
    }

    func rate(_ bytesPerSec: Double) -> String { "\(ByteCount(bytes: Int64(bytesPerSec.rounded())))/s" }

    func printLastLines(of step: Step, build: Build, count: Int) throws {
        guard build.logLines > 0 else { return }
        let printer = LogPrinter(style: style, timestamps: false, filter: LogFilter(ignoreCase: false))
        let lines = try api.queryLog(build.id!, .tail(count: count, step: UInt16(step.idx), levels: nil)).lines
        guard !lines.isEmpty else { return }
        print(style.dim("  last lines of step \(step.idx + 1) (\(step.name)):"))
        for line in lines { print("  │ " + printer.format(line)) }
    }
}

extension MetricRow {
    var sample: MetricSample {
        MetricSample(timeMs: timeMs, cpuPercent: cpuPercent, memoryBytes: memoryBytes,
                     diskReadBytesPerSec: diskReadBytesPerSec, diskWriteBytesPerSec: diskWriteBytesPerSec,
                     netReceiveBytesPerSec: netReceiveBytesPerSec, netTransmitBytesPerSec: netTransmitBytesPerSec,
                     processCount: processCount)
    }
}

/// What `imagefactory` with no subcommand prints: the start of the day in one screen.
struct SummaryPrinter {
    let api: any FactoryAPI
    let style: Style

    func print() throws {
        let d = try api.dashboard()
        let u = d.user
        Swift.print(style.bold("Welcome back, \(u.displayName)") + style.dim("  (\(u.login))"))
        if let warning = d.storageWarning { Swift.print(style.red("! \(warning)")) }
        let builds = Array(d.builds.prefix(8))
        Swift.print("")
        if let last = builds.first {
            Swift.print("Last build: \(last.project)\(last.build.number) \(last.build.name) \(style.status(last.build.status)) \(Format.age(last.build.createdAt))")
        }
        Swift.print(style.bold("Recent builds"))
        if builds.isEmpty { Swift.print("  none yet. Try: imagefactory build new --template shell-hello && imagefactory build start shell-hello.yaml --wait") }
        for r in builds {
            let b = r.build
            Swift.print("  \(style.status(b.status))  \(r.project)\(b.number)  \(b.name)  \(Format.age(b.createdAt))  \(Format.duration(b.duration))")
        }
        let active = d.builds.filter { !$0.build.status.isFinished }
        if !active.isEmpty {
            Swift.print("")
            Swift.print(style.bold("Queued and running"))
            for r in active {
                let why = r.build.status == .queued ? "  " + style.dim(r.build.queueReason ?? "waiting") : ""
                Swift.print("  \(style.status(r.build.status))  \(r.project)\(r.build.number)  \(r.build.name)\(why)")
            }
        }
        Swift.print("")
        Swift.print(style.bold("Ready artifacts"))
        if d.artifacts.isEmpty { Swift.print("  none") }
        for ready in d.artifacts.prefix(10) {
            Swift.print("  ■ \(ready.artifact.name)  \(ByteCount(bytes: ready.artifact.size))  \(style.dim("\(ready.build.project)\(ready.build.build.number)"))")
        }
        Swift.print("")
        let projects = d.projects.map { "\($0.project.name) (\($0.role.rawValue))" }
        Swift.print(style.dim("Projects: \(projects.isEmpty ? "none: imagefactory project create NAME" : projects.joined(separator: ", "))   ·   imagefactory --help for every command"))
    }
}
