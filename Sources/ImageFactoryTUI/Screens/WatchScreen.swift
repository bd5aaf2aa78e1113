import Foundation
import ImageFactoryCore
import Terminal

/// `imagefactory watch`: a compact live view for a narrow tmux side pane (usable at 40x15).
/// Follows the newest build when none is named.
final class WatchScreen: Screen, @unchecked Sendable {
    struct Snapshot: Sendable {
        var build: Build
        var projectName: String
        var steps: [Step]
        /// The tool's step running now (or the one that failed), shown under the plan step.
        var toolStep: ToolStep?
        var lines: [LogLine]
        var metrics: [MetricRow]
    }

    let fixed: BuildReference?
    private(set) var data: Snapshot?
    private var empty = false

    init(build: BuildReference?) { fixed = build }

    let context = ScreenContext.watch
    var link: String { data.map { "/projects/\($0.build.projectId)/builds/\($0.build.number.rawValue)" } ?? "/" }
    var title: String { data.map { "\($0.projectName)\($0.build.number)" } ?? "watch" }
    let isLive = true

    var followedBuild: BuildID? { data?.build.id }

    func load(_ api: any FactoryAPI) throws -> (@Sendable () -> Void)? {
        let detail: BuildDetail
        if let fixed {
            detail = try api.build(fixed)
        } else {
            guard let newest = try api.builds(project: nil, limit: 1).first else {
                return { [weak self] in self?.empty = true }
            }
            detail = try api.build(id: newest.build.id!)
        }
        let build = detail.row.build
        let lines = build.logLines > 0 ? try api.queryLog(build.id!, .tail(count: 50, step: nil, levels: nil)).lines : []
        let metrics = try api.metrics(of: build.id!, sinceMs: Int64(Date().timeIntervalSince1970 * 1000) - 120_000)
        let tools = detail.toolSteps ?? []
        let tool = tools.last { $0.status == .running } ?? tools.last { $0.status == .failed }
        let snapshot = Snapshot(build: build, projectName: detail.row.project, steps: detail.steps, toolStep: tool, lines: lines, metrics: metrics)
        return { [weak self] in
            self?.data = snapshot
            self?.empty = false
        }
    }

    func render(into grid: inout Grid, rect: Rect, context ctx: RenderContext) {
        let t = ctx.theme
        let g = ctx.glyphs
        guard let data else {
            grid.put(empty ? " no builds yet" : " loading…", x: rect.x, y: rect.y, style: t.dim)
            return
        }
        let b = data.build
        var y = rect.y
        grid.put(" \(g.status(b.status, frame: ctx.frame)) \(b.status.rawValue) \(b.name) \(TUIFormat.duration(b.duration))",
                 x: rect.x, y: y, style: t.style(for: b.status).with(bold: true), maxWidth: rect.width)
        y += 1
        let done = data.steps.filter { $0.status == .succeeded }.count
        let fraction = b.status == .succeeded ? 1 : (data.steps.isEmpty ? 0 : Double(done) / Double(data.steps.count))
        let label = " \(Int(fraction * 100))%"
        let bar = max(4, rect.width - CellWidth.of(label) - 2)
        let filled = Int(Double(bar) * fraction)
        grid.put(String(repeating: g.progress, count: filled), x: rect.x + 1, y: y, style: t.progressDone)
        grid.put(String(repeating: g.progress, count: bar - filled), x: rect.x + 1 + filled, y: y, style: t.progressTodo)
        grid.put(label, x: rect.x + 1 + bar, y: y, style: t.text)
        y += 1
        if let step = data.steps.first(where: { $0.status == .running || $0.status == .failed }) ?? data.steps.last(where: { $0.status != .pending && $0.status != .skipped }) {
            grid.put(" \(g.step(step.status, frame: ctx.frame)) \(step.idx + 1)/\(data.steps.count) \(step.name) \(TUIFormat.duration(step.duration))",
                     x: rect.x, y: y, style: t.style(for: step.status), maxWidth: rect.width)
        }
        y += 1
        if let tool = data.toolStep {
            let progress = tool.percent.map { " \($0)%" } ?? ""
            grid.put("   \(tool.groupName.map { "[\($0)] " } ?? "")\(tool.name)\(progress)", x: rect.x, y: y,
                     style: tool.status == .failed ? t.error : t.dim, maxWidth: rect.width)
            y += 1
        }
        let sparkWidth = max(4, rect.width - 16)
        if let last = data.metrics.last {
            grid.put(" cpu \(CellWidth.pad(String(format: "%.0f%%", last.cpuPercent), to: 5))", x: rect.x, y: y, style: t.text)
            grid.put(Sparkline.render(data.metrics.map(\.cpuPercent), width: sparkWidth, blocks: g.sparkline, ceiling: 100),
                     x: rect.x + 12, y: y, style: t.sparkline, maxWidth: rect.width - 13)
            grid.put(" mem \(CellWidth.pad(TUIFormat.bytes(last.memoryBytes), to: 9))", x: rect.x, y: y + 1, style: t.text, maxWidth: 16)
            grid.put(Sparkline.render(data.metrics.map { Double($0.memoryBytes) }, width: sparkWidth - 4, blocks: g.sparkline),
                     x: rect.x + 16, y: y + 1, style: t.sparkline, maxWidth: rect.width - 17)
        }
        y += 2
        let room = rect.maxY - y
        for (i, line) in data.lines.suffix(max(0, room)).enumerated() {
            let style: TextStyle = line.stream == .system ? t.system : line.level == .error ? t.error : line.level == .warn ? t.warn : t.text
            grid.put(" " + line.text, x: rect.x, y: y + i, style: style, maxWidth: rect.width)
        }
    }

    func bindings(app: TUIApp) -> [ScreenBinding] { [ScreenBinding(.open, disabled: data == nil ? "no build yet" : nil)] }

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        guard action == .open, let b = data?.build, let project = try? app.api.project(id: b.projectId).project else { return nil }
        return .push(BuildScreen(build: b, project: project, tab: .overview))
    }
}
