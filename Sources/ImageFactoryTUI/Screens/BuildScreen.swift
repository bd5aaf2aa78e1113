import Foundation
import ImageFactoryCore
import Terminal

/// The build page: Overview (status, progress, steps that fold open, metrics), Logs and Artifacts.
final class BuildScreen: Screen, ProjectScoped, @unchecked Sendable {
    enum Tab: Int, CaseIterable {
        case overview, logs, artifacts
        var title: String { ["Overview", "Logs", "Artifacts"][rawValue] }
        var path: String { ["", "/logs", "/artifacts"][rawValue] }
    }

    struct Snapshot: Sendable {
        var build: Build
        var steps: [Step]
        /// The build tool's own steps (BuildKit vertices, podman STEP n/m, nix builds, packer stages).
        var toolSteps: [ToolStep]
        var metrics: [MetricRow]
        var artifacts: [Artifact]
        var estimate: TimeInterval?
        /// What the progress within the running step is based on (see `BuildProgress`).
        var earlierStepDurations: [Double?] = []
        var runningCommand: CommandPosition? = nil
        var startedBy: String
        /// The last lines of each step, for folded-open steps on the overview.
        var stepTails: [Int: [LogLine]]
    }

    private(set) var build: Build
    let projectValue: Project
    var project: Project? { projectValue }
    var tab: Tab
    private(set) var data: Snapshot?
    /// Steps the user folded or unfolded by hand; the rest follow their status.
    private var manualFold: [Int: Bool] = [:]
    private var selectedStep = 0
    private var selectedArtifact = 0
    private var stepRows: [(y: Int, step: Int)] = []
    let logs: LogsPane

    init(build: Build, project: Project, tab: Tab) {
        self.build = build
        self.projectValue = project
        self.tab = tab
        self.logs = LogsPane(build: build)
    }

    var context: ScreenContext {
        switch tab {
        case .overview: .build
        case .logs: .logs
        case .artifacts: .artifacts
        }
    }

    var link: String { "/projects/\(build.projectId)/builds/\(build.number.rawValue)\(tab.path)" }
    var title: String { "Build \(build.number) - \(projectValue.name)" }
    var isLive: Bool { !(data?.build.status.isFinished ?? false) }
    var tabTitles: [String] { Tab.allCases.map(\.title) }

    func bindings(app: TUIApp) -> [ScreenBinding] {
        let current = data?.build ?? build
        var table = [
            ScreenBinding(.nextTab), ScreenBinding(.previousTab), ScreenBinding(.rerunBuild), ScreenBinding(.downloadLogs),
            ScreenBinding(.cancelBuild, disabled: current.status.isFinished ? "the build has \(current.status.rawValue)" : nil,
                          confirm: "Cancel build \(current.number)? Its processes get SIGTERM, then SIGKILL. [y/N]"),
        ]
        if tab != .logs { table.append(ScreenBinding(.showLogs)) }
        if tab != .artifacts { table.append(ScreenBinding(.showArtifacts)) }
        switch tab {
        case .overview:
            table += [.moveUp, .moveDown, .top, .bottom, .toggleStep, .open, .expandAllSteps, .collapseAllSteps].map { ScreenBinding($0) }
        case .logs:
            table += logs.bindings
        case .artifacts:
            let none = data?.artifacts.isEmpty ?? true ? "this build has no artifacts" : nil
            table += [ScreenBinding(.moveUp), ScreenBinding(.moveDown), ScreenBinding(.downloadArtifact, disabled: none),
                      ScreenBinding(.open, disabled: none)]
        }
        return table
    }

    func isExpanded(_ step: Step) -> Bool {
        if let manual = manualFold[step.idx] { return manual }
        return step.status == .running || step.status == .failed || step.status == .interrupted
    }

    var followedBuild: BuildID? { build.id }

    /// Samples already loaded: a reload asks only for newer ones.
    private let metricsCache = MetricsCache()

    func load(_ api: any FactoryAPI) throws -> (@Sendable () -> Void)? {
        let detail = try api.build(id: build.id!)
        let fresh = detail.row.build
        let steps = detail.steps
        let toolSteps = detail.toolSteps ?? []
        let metrics = try metricsCache.update { try api.metrics(of: fresh.id!, sinceMs: $0) }
        let artifacts = detail.artifacts
        let estimate = detail.estimatedDuration
        let startedBy = detail.row.startedBy ?? "?"
        var tails: [Int: [LogLine]] = [:]
        if fresh.logLines > 0 {
            for step in steps where step.status != .pending && step.status != .skipped && isExpanded(step) {
                tails[step.idx] = try api.queryLog(fresh.id!, .tail(count: 12, step: UInt16(step.idx), levels: nil)).lines
            }
        }
        let logUpdate = try logs.load(api, build: fresh)
        let snapshot = Snapshot(build: fresh, steps: steps, toolSteps: toolSteps, metrics: metrics, artifacts: artifacts, estimate: estimate,
                                earlierStepDurations: detail.earlierStepDurations ?? [], runningCommand: detail.runningCommand,
                                startedBy: startedBy, stepTails: tails)
        return { [weak self] in
            guard let self else { return }
            self.data = snapshot
            self.build = snapshot.build
            logUpdate?()
        }
    }

    func render(into grid: inout Grid, rect: Rect, context ctx: RenderContext) {
        let t = ctx.theme
        var y = rect.y
        var x = rect.x + 1
        for tab in Tab.allCases {
            x += grid.put("[\(tab.title)]", x: x, y: y, style: tab == self.tab ? t.tabActive : t.tabInactive) + 1
        }
        y += 1
        guard let data else {
            grid.put(" loading…", x: rect.x, y: y + 1, style: t.dim)
            return
        }
        y = renderSummary(data, into: &grid, x: rect.x, y: y, width: rect.width, ctx: ctx)
        let body = Rect(x: rect.x, y: y, width: rect.width, height: rect.maxY - y)
        switch tab {
        case .overview: renderOverview(data, into: &grid, rect: body, ctx: ctx)
        case .logs: logs.render(into: &grid, rect: body, context: ctx)
        case .artifacts: renderArtifacts(data, into: &grid, rect: body, ctx: ctx)
        }
    }

    private func renderSummary(_ data: Snapshot, into grid: inout Grid, x: Int, y start: Int, width: Int, ctx: RenderContext) -> Int {
        let t = ctx.theme
        let g = ctx.glyphs
        let b = data.build
        var y = start
        let elapsed = TUIFormat.duration(b.duration)
        let estimate = data.estimate.map { " / est \(TUIFormat.duration($0))" } ?? ""
        var col = x + 1
        col += grid.put("\(g.status(b.status, frame: ctx.frame)) \(b.status.rawValue)\(b.timedOut ? " (timed out)" : "")",
                        x: col, y: y, style: t.style(for: b.status).with(bold: true))
        grid.put("  \(elapsed)\(estimate)  by \(data.startedBy)  \(b.startedAt.map { Self.clock.string(from: $0) } ?? "not started")  \(b.method.rawValue)",
                 x: col, y: y, style: t.text, maxWidth: x + width - col)
        y += 1
        let progress = BuildProgress.of(status: b.status, steps: data.steps, toolSteps: data.toolSteps, command: data.runningCommand,
                                        earlierStepDurations: data.earlierStepDurations)
        let fraction = progress.fraction
        let current = data.steps.first { $0.status == .running }
        let tool = data.toolSteps.last { $0.status == .running }
        let label = " \(progress.percent)%" + (current == nil ? "" : " (\(progress.basis))") + (current.map { "  \($0.name) \(TUIFormat.duration($0.duration))" } ?? "")
            + (tool.map { "  \(g.separator) \($0.groupName.map { "[\($0)] " } ?? "")\($0.name)\($0.percent.map { " \($0)%" } ?? "")" } ?? "")
        let barWidth = max(10, min(40, width - CellWidth.of(label) - 4))
        let filled = Int(Double(barWidth) * fraction)
        grid.put(String(repeating: g.progress, count: filled), x: x + 1, y: y, style: t.progressDone)
        grid.put(String(repeating: g.progress, count: barWidth - filled), x: x + 1 + filled, y: y, style: t.progressTodo)
        grid.put(label, x: x + 1 + barWidth, y: y, style: t.text, maxWidth: width - barWidth - 2)
        y += 1
        if let fingerprint = b.fingerprint, b.status == .succeeded {
            let label = b.method == .nix ? "fingerprint (store path hash)" : "image id"
            grid.put(" \(label) \(fingerprint)", x: x, y: y, style: t.dim, maxWidth: width)
            y += 1
        }
        if b.droppedLogLines > 0 {
            grid.put(" " + Self.droppedText(b), x: x, y: y, style: t.warn, maxWidth: width)
            y += 1
        }
        if let reason = b.failureReason, b.status != .succeeded {
            for line in reason.split(separator: "\n").prefix(2) {
                grid.put(" " + line, x: x, y: y, style: b.status == .failed ? t.error : t.cancelled, maxWidth: width)
                y += 1
            }
        }
        return y + 1
    }

    /// `log limit 1.0 GiB reached: 123,456 lines not stored`
    static func droppedText(_ b: Build) -> String {
        "log limit \(b.logLimit ?? "") reached: \(DisplayFormat.grouped(b.droppedLogLines)) lines not stored"
    }

    static let clock: DateFormatter = {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        return f
    }()

    private func renderOverview(_ data: Snapshot, into grid: inout Grid, rect: Rect, ctx: RenderContext) {
        let t = ctx.theme
        let g = ctx.glyphs
        let metricsHeight = rect.height >= 16 ? 5 : 0
        let (stepsRect, metricsRect) = rect.splitBottom(metricsHeight)
        var lines: [(text: String, style: TextStyle, step: Int?, statusGlyph: (String, TextStyle)?)] = []
        for step in data.steps {
            let fold = isExpanded(step) ? g.expanded : g.collapsed
            let dur = step.startedAt == nil ? "" : TUIFormat.duration(step.duration)
            let exit = step.exitCode.map { " exit \($0)" } ?? ""
            let text = "\(fold) \(step.idx + 1). \(CellWidth.pad(step.name, to: 22)) \(CellWidth.pad(dur, to: 8))\(exit)"
            lines.append((text, step.idx == selectedStep ? t.selection : t.text, step.idx,
                          (g.step(step.status, frame: ctx.frame), t.style(for: step.status))))
            let tools = data.toolSteps.filter { $0.stepIdx == step.idx }
            for (i, tool) in tools.enumerated() {
                if let heading = ToolStep.groupHeading(before: i, in: tools) {
                    lines.append(("     \(heading)", t.text.with(bold: true), nil, nil))
                }
                let (glyph, style): (String, TextStyle) = switch tool.status {
                case .succeeded: (g.step(.succeeded, frame: ctx.frame), t.style(for: StepStatus.succeeded))
                case .failed: (g.step(.failed, frame: ctx.frame), t.style(for: StepStatus.failed))
                case .running: (g.step(.running, frame: ctx.frame), t.style(for: StepStatus.running))
                case .cached: (g.cached, t.dim)
                case .cancelled: (g.step(.cancelled, frame: ctx.frame), t.style(for: StepStatus.cancelled))
                }
                let progress = tool.status == .cached ? "CACHED" : tool.percent.map { "\($0)%" } ?? ""
                let dur = tool.status == .cached ? "" : TUIFormat.duration(tool.duration)
                let nameWidth = max(20, min(90, stepsRect.width - 24))
                let name = CellWidth.of(tool.name) > nameWidth ? String(tool.name.prefix(nameWidth - 1)) + g.ellipsis : tool.name
                lines.append(("     \(glyph) \(CellWidth.pad(name, to: nameWidth)) \(CellWidth.pad(progress, to: 6)) \(dur)",
                              tool.status == .failed ? t.error : tool.status == .cached ? t.dim : style, nil, nil))
                if tool.status == .failed, let excerpt = tool.excerpt {
                    for line in excerpt.split(separator: "\n", omittingEmptySubsequences: false).suffix(12) {
                        lines.append(("        \(g.separator) \(line)", t.text, nil, nil))
                    }
                }
            }
            if isExpanded(step), !tools.contains(where: { $0.status == .failed && $0.excerpt != nil }) {
                let tail = data.stepTails[step.idx] ?? []
                if tail.isEmpty { lines.append(("      (no output)", t.dim, nil, nil)) }
                for line in tail {
                    let style: TextStyle = line.stream == .system ? t.system
                        : line.level == .error ? t.error : line.level == .warn ? t.warn : t.text
                    lines.append(("      \(g.separator) \(line.text)", style, nil, nil))
                }
            }
        }
        // Keep the selected step on screen.
        let selectedRow = lines.firstIndex { $0.step == selectedStep } ?? 0
        let first = max(0, min(selectedRow - 1, lines.count - stepsRect.height))
        stepRows.removeAll()
        for (i, line) in lines.dropFirst(first).prefix(stepsRect.height).enumerated() {
            let y = stepsRect.y + i
            if line.step == selectedStep { grid.fill(Rect(x: stepsRect.x, y: y, width: stepsRect.width, height: 1), style: t.selection) }
            var x = stepsRect.x + 1
            if let (glyph, style) = line.statusGlyph {
                x += grid.put(glyph, x: x, y: y, style: line.step == selectedStep ? t.selection : style) + 1
            }
            grid.put(line.text, x: x, y: y, style: line.style, maxWidth: stepsRect.maxX - x)
            if let s = line.step { stepRows.append((y, s)) }
        }
        guard metricsHeight > 0 else { return }
        renderMetrics(data.metrics, finished: data.build.status.isFinished, into: &grid, rect: metricsRect, ctx: ctx)
    }

    private func renderMetrics(_ rows: [MetricRow], finished: Bool, into grid: inout Grid, rect: Rect, ctx: RenderContext) {
        let t = ctx.theme
        let note = !rows.isEmpty ? "  (last minute; network is host-wide)"
            : finished ? "  (none: the build ended before the first sample)" : "  (no samples yet)"
        grid.put(" Metrics" + note, x: rect.x, y: rect.y, style: t.accent)
        guard let last = rows.last else { return }
        let window = rows.filter { $0.timeMs >= last.timeMs - 60_000 }
        let spark = max(8, min(60, rect.width - 51))
        func line(_ i: Int, _ label: String, _ current: String, _ peak: String, _ values: [Double], ceiling: Double? = nil) {
            let y = rect.y + i
            grid.put(" \(CellWidth.pad(label, to: 5)) \(CellWidth.pad(current, to: 24)) peak \(CellWidth.pad(peak, to: 11))",
                     x: rect.x, y: y, style: t.text)
            grid.put(Sparkline.render(values, width: spark, blocks: ctx.glyphs.sparkline, ceiling: ceiling),
                     x: rect.x + 49, y: y, style: t.sparkline, maxWidth: rect.width - 50)
        }
        line(1, "CPU", String(format: "%.0f%%", last.cpuPercent), String(format: "%.0f%%", rows.map(\.cpuPercent).max() ?? 0),
             window.map(\.cpuPercent), ceiling: 100)
        line(2, "MEM", TUIFormat.bytes(last.memoryBytes), TUIFormat.bytes(rows.map(\.memoryBytes).max() ?? 0),
             window.map { Double($0.memoryBytes) })
        line(3, "DISK", "r " + TUIFormat.rate(last.diskReadBytesPerSec) + " w " + TUIFormat.rate(last.diskWriteBytesPerSec),
             TUIFormat.rate(rows.map { $0.diskReadBytesPerSec + $0.diskWriteBytesPerSec }.max() ?? 0),
             window.map { $0.diskReadBytesPerSec + $0.diskWriteBytesPerSec })
        line(4, "NET", "rx " + TUIFormat.rate(last.netReceiveBytesPerSec) + " tx " + TUIFormat.rate(last.netTransmitBytesPerSec),
             TUIFormat.rate(rows.map { $0.netReceiveBytesPerSec + $0.netTransmitBytesPerSec }.max() ?? 0),
             window.map { $0.netReceiveBytesPerSec + $0.netTransmitBytesPerSec })
    }

    private func renderArtifacts(_ data: Snapshot, into grid: inout Grid, rect: Rect, ctx: RenderContext) {
        let t = ctx.theme
        guard !data.artifacts.isEmpty else {
            grid.put(data.build.status.isFinished ? " This build has no artifacts." : " Artifacts appear when the build's last step has run.",
                     x: rect.x, y: rect.y, style: t.dim)
            return
        }
        grid.put(" " + CellWidth.pad("NAME", to: 28) + " " + CellWidth.pad("SIZE", to: 10) + " " + CellWidth.pad("TYPE", to: 22)
                 + " " + CellWidth.pad("STATUS", to: 7) + " SHA-256", x: rect.x, y: rect.y, style: t.accent)
        for (i, a) in data.artifacts.prefix(rect.height - 1).enumerated() {
            let y = rect.y + 1 + i
            let style = i == selectedArtifact ? t.selection : t.text
            if i == selectedArtifact { grid.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), style: style) }
            grid.put(" \(ctx.glyphs.artifact) " + CellWidth.pad(a.name, to: 25) + " " + CellWidth.pad(TUIFormat.bytes(a.size), to: 10) + " "
                     + CellWidth.pad(a.type, to: 22) + " " + CellWidth.pad(a.status.rawValue, to: 7) + " " + a.sha256.prefix(12),
                     x: rect.x, y: y, style: style, maxWidth: rect.width)
        }
    }

    // MARK: Actions

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        switch action {
        case .nextTab:
            tab = Tab(rawValue: (tab.rawValue + 1) % Tab.allCases.count)!
            return ScreenEffect.none
        case .previousTab:
            tab = Tab(rawValue: (tab.rawValue + Tab.allCases.count - 1) % Tab.allCases.count)!
            return ScreenEffect.none
        case .cancelBuild:
            guard !build.status.isFinished else { return .message("build \(build.number) already \(build.status.rawValue)") }
            // Asked first by the application: the action is dangerous, and the binding holds the question.
            do {
                let b = try app.api.cancelBuild(build.id!).row.build
                return .message(b.status == .cancelled ? "build \(build.number) cancelled" : "cancel requested for build \(build.number)")
            } catch {
                return .message("\(error)")
            }
        case .rerunBuild:
            return rerun(app)
        case .downloadLogs:
            return logs.save(to: app.outputDirectory, filtered: false)
        case .showLogs where tab != .logs:
            tab = .logs
            return ScreenEffect.none
        case .showArtifacts:
            tab = .artifacts
            return ScreenEffect.none
        default:
            break
        }
        switch tab {
        case .overview: return performOverview(action)
        case .logs: return logs.perform(action, app: app)
        case .artifacts: return performArtifacts(action, app: app)
        }
    }

    private func performOverview(_ action: ActionID) -> ScreenEffect? {
        guard let steps = data?.steps, !steps.isEmpty else { return nil }
        switch action {
        case .moveDown: selectedStep = min(selectedStep + 1, steps.count - 1)
        case .moveUp: selectedStep = max(0, selectedStep - 1)
        case .top: selectedStep = 0
        case .bottom: selectedStep = steps.count - 1
        case .toggleStep, .open:
            let step = steps[selectedStep]
            manualFold[step.idx] = !isExpanded(step)
        case .expandAllSteps: for s in steps { manualFold[s.idx] = true }
        case .collapseAllSteps: for s in steps { manualFold[s.idx] = false }
        default: return nil
        }
        return ScreenEffect.none
    }

    private func performArtifacts(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        guard let artifacts = data?.artifacts, !artifacts.isEmpty else { return nil }
        switch action {
        case .moveDown: selectedArtifact = min(selectedArtifact + 1, artifacts.count - 1)
        case .moveUp: selectedArtifact = max(0, selectedArtifact - 1)
        case .downloadArtifact, .open:
            let a = artifacts[selectedArtifact]
            let api = app.api
            let id = build.id!
            return .save(what: "artifact \(a.name) (\(TUIFormat.bytes(a.size)))",
                         suggested: app.outputDirectory.appendingPathComponent((a.name as NSString).lastPathComponent)) { url in
                do {
                    let done = try api.downloadArtifact(a.name, of: id, toFile: url)
                    return .message("downloaded \(done.path) (sha256 verified)")
                } catch {
                    return .message("\(error)")
                }
            }
        default: return nil
        }
        return ScreenEffect.none
    }

    func contextMenu(app: TUIApp) -> ContextMenu? { contextMenu(app: app, x: 4, y: 6) }

    func contextMenu(app: TUIApp, x: Int, y: Int) -> ContextMenu? {
        if tab == .artifacts, let a = data?.artifacts[safe: selectedArtifact] {
            return ContextMenu(title: a.name, items: [
                .init(title: "Download", action: .downloadArtifact),
                .init(title: "Copy link", action: .copyLink),
            ], x: x, y: y)
        }
        return ContextMenu(title: "Build \(build.number)", items: [
            .init(title: "Download logs", action: .downloadLogs),
            .init(title: "Re-run", action: .rerunBuild),
            .init(title: "Copy link", action: .copyLink),
            .init(title: "Cancel build", action: .cancelBuild),
        ], x: x, y: y)
    }

    private func rerun(_ app: TUIApp) -> ScreenEffect? {
        do {
            let b = try app.api.rerunBuild(build.id!).row.build
            return .push(BuildScreen(build: b, project: projectValue, tab: .overview))
        } catch {
            return .message("\(error)")
        }
    }

    func handleKey(_ key: Key, app: TUIApp) -> ScreenEffect? {
        if tab == .logs, let effect = logs.handleKey(key, app: app) { return effect }
        if case .character(let c) = key, let n = Int(String(c)), (1...3).contains(n), !(tab == .logs && logs.isPrompting) {
            tab = Tab(rawValue: n - 1)!
            return ScreenEffect.none
        }
        return nil
    }

    func handleMouse(_ event: MouseEvent, app: TUIApp) -> ScreenEffect? {
        if tab == .logs { return logs.handleMouse(event, app: app) }
        switch event.kind {
        case .wheelDown: return perform(.moveDown, app: app)
        case .wheelUp: return perform(.moveUp, app: app)
        case .leftClick:
            guard let hit = stepRows.first(where: { $0.y == event.y }) else { return nil }
            selectedStep = hit.step
            return perform(.toggleStep, app: app)
        case .rightClick:
            return contextMenu(app: app, x: event.x, y: event.y).map { .menu($0) }
        case .middleClick: return nil
        }
    }
}

/// A build's metric samples, extended with only the newer ones on each reload.
final class MetricsCache: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [MetricRow] = []

    func update(_ fetch: (Int64) throws -> [MetricRow]) throws -> [MetricRow] {
        let since = lock.withLock { rows.last.map { $0.timeMs + 1 } ?? 0 }
        let newer = try fetch(since)
        return lock.withLock {
            rows += newer.filter { $0.timeMs >= since }
            return rows
        }
    }
}
