import Foundation
import ImageFactoryCore
import Terminal

/// "Compare with a working build": this log against the last good one, volatile tokens masked, as a unified
/// diff per step, starting at the first step that diverges.
final class CompareScreen: Screen, ProjectScoped, @unchecked Sendable {
    let comparison: LogComparison
    let good: Build
    let bad: Build
    let projectValue: Project
    var project: Project? { projectValue }
    private let lines: [String]
    private var top = 0

    init(comparison: LogComparison, good: Build, bad: Build, project: Project) {
        self.comparison = comparison
        self.good = good
        self.bad = bad
        self.projectValue = project
        lines = comparison.unified(context: 3)
        if let first = comparison.firstDivergentStep,
           let row = lines.firstIndex(where: { $0.hasPrefix("@@ step \(first.index + 1):") }) {
            top = row
        }
    }

    let context = ScreenContext.logs
    var link: String { "/projects/\(bad.projectId)/builds/\(bad.number.rawValue)/logs" }
    var title: String { "Compare \(bad.number) with \(good.number)" }
    let isLive = false

    func load(_ api: any FactoryAPI) throws -> (@Sendable () -> Void)? { nil }

    func render(into grid: inout Grid, rect: Rect, context ctx: RenderContext) {
        let t = ctx.theme
        let header: String
        if let first = comparison.firstDivergentStep {
            header = " - \(good.number) (succeeded)  + \(bad.number) (\(bad.status.rawValue))   first divergent step: \(first.index + 1). \(first.name)"
        } else {
            header = " - \(good.number)  + \(bad.number)   no difference once timestamps, durations, hashes and paths are masked"
        }
        grid.put(header, x: rect.x, y: rect.y, style: t.accent, maxWidth: rect.width)
        let body = rect.splitTop(2).1
        top = min(top, max(0, lines.count - body.height))
        for (i, line) in lines.dropFirst(top).prefix(body.height).enumerated() {
            let style: TextStyle = line.hasPrefix("@@") ? t.title : line.hasPrefix("+") ? t.diffAdded
                : line.hasPrefix("-") ? t.diffRemoved : t.text
            grid.put(line, x: body.x + 1, y: body.y + i, style: style, maxWidth: body.width - 1)
        }
    }

    func bindings(app: TUIApp) -> [ScreenBinding] {
        [.moveDown, .moveUp, .pageDown, .pageUp, .top, .bottom].map { ScreenBinding($0) }
    }

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        switch action {
        case .moveDown: top += 1
        case .moveUp: top = max(0, top - 1)
        case .pageDown: top += 20
        case .pageUp: top = max(0, top - 20)
        case .top: top = 0
        case .bottom: top = lines.count
        default: return nil
        }
        return ScreenEffect.none
    }
}
