import Foundation
import ImageFactoryCore
import Terminal

/// The Logs tab of the build page: the whole log (never all in memory), search, level filter, error jumps,
/// follow mode, wrap, timestamps, go to line, copy, save, and compare with the last good build.
final class LogsPane: @unchecked Sendable {
    enum Prompt { case search, gotoLine }

    private(set) var build: Build
    private(set) var model: LogViewModel?
    private var reader: RemoteLogSource?
    private(set) var prompt: (kind: Prompt, text: String)?
    private var lastRect = Rect(x: 0, y: 0, width: 0, height: 0)
    private var statisticsPending = false

    init(build: Build) { self.build = build }

    var isPrompting: Bool { prompt != nil }

    /// Runs off the UI loop: makes the remote log source once; later loads only learn the committed line count.
    func load(_ api: any FactoryAPI, build fresh: Build) throws -> (@Sendable () -> Void)? {
        let needsReader = reader == nil && fresh.logLines > 0
        let newReader = needsReader ? try RemoteLogSource(api: api, build: fresh.id!, committedLines: Int(fresh.logLines)) : nil
        let committed = Int(fresh.logLines)
        return { [weak self] in
            guard let self else { return }
            self.build = fresh
            if let newReader, self.reader == nil {
                self.reader = newReader
                self.model = LogViewModel(reader: newReader, lineCount: committed, buildStart: fresh.startedAt)
                // A failed build opens at its last error, like the build page's failure excerpt.
                if fresh.status == .failed { self.model?.end(); self.model?.previousError() }
            } else if let reader = self.reader, let model = self.model, committed > model.lineCount {
                try? reader.refresh(committedLines: committed)
                model.appendCommitted(lineCount: committed)
            }
        }
    }

    func render(into grid: inout Grid, rect: Rect, context ctx: RenderContext) {
        let t = ctx.theme
        guard let model else {
            grid.put(build.status == .queued ? " The build has not started yet." : " No log lines yet.", x: rect.x, y: rect.y, style: t.dim)
            return
        }
        let (status, rest) = rect.splitTop(1)
        let (body, promptRow) = prompt == nil ? (rest, Rect(x: 0, y: 0, width: 0, height: 0)) : rest.splitBottom(1)
        lastRect = body
        model.resize(width: body.width, height: body.height)
        var parts = [model.followIndicator, "level \(model.levelFilter.label)", "\(model.lineCount) lines"]
        if let s = model.searchStatus { parts.append(s) }
        if model.wrap { parts.append("wrap") }
        if let notice = model.notice { parts.append(notice) }
        grid.fill(status, style: t.statusBar)
        grid.put(" " + parts.joined(separator: "  \(ctx.glyphs.separator)  "), x: status.x, y: status.y,
                 style: model.following ? t.statusBar : t.warn, maxWidth: status.width)
        model.render(into: &grid, rect: body, style: LogViewStyle(
            text: t.text, dim: t.dim, timestamp: t.timestamp, info: t.text, warn: t.warn, error: t.error, system: t.system,
            searchMatch: t.searchMatch, currentMatch: t.currentMatch, cursorLine: t.cursorLine))
        if let prompt {
            let label = prompt.kind == .search ? "/" : "go to line: "
            grid.fill(promptRow, style: t.statusBar)
            let used = grid.put(label + prompt.text, x: promptRow.x, y: promptRow.y, style: t.statusBar, maxWidth: promptRow.width)
            grid.cursor = (promptRow.x + used, promptRow.y)
        }
    }

    /// What the Logs tab handles (every one waits for the first line of the log).
    var bindings: [ScreenBinding] {
        let empty = model == nil ? "this build has no log yet" : nil
        return [.moveDown, .moveUp, .pageDown, .pageUp, .halfPageDown, .halfPageUp, .top, .bottom, .search, .gotoLine,
                .nextMatch, .previousMatch, .nextError, .previousError, .filterLevel, .toggleFollow, .toggleWrap,
                .toggleTimestamps, .scrollLeft, .scrollRight, .copyLine, .copyErrorExcerpt, .saveLog, .compareWithGoodBuild]
            .map { ScreenBinding($0, disabled: empty) }
    }

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        guard let model else { return nil }
        switch action {
        case .moveDown: model.moveCursor(by: 1)
        case .moveUp: model.moveCursor(by: -1)
        case .pageDown: model.pageDown()
        case .pageUp: model.pageUp()
        case .halfPageDown: model.scroll(by: max(1, model.height / 2))
        case .halfPageUp: model.scroll(by: -max(1, model.height / 2))
        case .top: model.home()
        case .bottom: model.end()
        case .search: prompt = (.search, "")
        case .gotoLine: prompt = (.gotoLine, "")
        case .nextMatch: model.nextMatch()
        case .previousMatch: model.previousMatch()
        case .nextError: model.nextError()
        case .previousError: model.previousError()
        case .filterLevel: model.cycleLevelFilter()
        case .toggleFollow: model.toggleFollow()
        case .toggleWrap: model.toggleWrap()
        case .toggleTimestamps: model.cycleTimestampMode()
        case .scrollLeft: model.scrollHorizontally(by: -8)
        case .scrollRight: model.scrollHorizontally(by: 8)
        case .copyLine:
            guard let text = model.currentLineText else { return .message("no line selected") }
            return .copy(text, what: "line")
        case .copyErrorExcerpt:
            do {
                guard let excerpt = try model.errorExcerpt() else { return .message("this log has no error lines") }
                return .copy(excerpt.text, what: "error excerpt (\(excerpt.errorCount) errors)")
            } catch {
                return .message("\(error)")
            }
        case .saveLog:
            return save(to: app.outputDirectory, filtered: true)
        case .compareWithGoodBuild:
            return compare(app)
        default:
            return nil
        }
        return ScreenEffect.none
    }

    func handleKey(_ key: Key, app: TUIApp) -> ScreenEffect? {
        guard var p = prompt else { return nil }
        switch key {
        case .escape:
            prompt = nil
        case .enter:
            prompt = nil
            guard let model else { return ScreenEffect.none }
            switch p.kind {
            case .search:
                if p.text.isEmpty { model.clearSearch() } else { model.search(p.text); countMatches(app) }
            case .gotoLine:
                guard let n = Int(p.text.trimmingCharacters(in: .whitespaces)), n > 0 else { return .message("not a line number: \(p.text)") }
                model.goToLine(n)
            }
        case .backspace:
            if p.text.isEmpty { prompt = nil } else { p.text.removeLast(); prompt = p }
        case .character(let c):
            p.text.append(c)
            prompt = p
        case .control("u"):
            p.text = ""
            prompt = p
        default:
            break
        }
        return ScreenEffect.none
    }

    func handleMouse(_ event: MouseEvent, app: TUIApp) -> ScreenEffect? {
        guard let model else { return nil }
        return model.handle(mouse: event, in: lastRect) ? ScreenEffect.none : nil
    }

    /// The full match count of a search can take a while on a huge log: it runs in the background.
    private func countMatches(_ app: TUIApp) {
        guard let model, let job = model.makeSearchStatisticsJob() else { return }
        let box = UncheckedModel(model: model)
        app.background(job) { result in
            if case .success(let index) = result { _ = box.model.installSearchStatistics(index) }
        }
    }

    /// Asks where, then writes the log (as filtered, or whole) there.
    func save(to directory: URL, filtered: Bool) -> ScreenEffect {
        guard let model else { return .message("this build has no log yet") }
        let name = "build-\(build.number.rawValue)-\(build.name).log"
        return .save(what: filtered ? "the log as shown" : "the whole log", suggested: directory.appendingPathComponent(name)) { url in
            do {
                let count = try model.save(to: url, filtered: filtered)
                return .message("saved \(count) lines to \(url.path)")
            } catch {
                return .message("cannot save the log to \(url.path): \(error)")
            }
        }
    }

    /// Diff against the last successful build of the same manifest (else of the same name), volatile tokens
    /// masked; the server compares, the screen shows.
    private func compare(_ app: TUIApp) -> ScreenEffect? {
        do {
            let report = try app.api.compareWithLastGood(build.id!)
            let project = try app.api.project(id: build.projectId).project
            return .push(CompareScreen(comparison: report.comparison, good: report.good.build, bad: report.bad.build, project: project))
        } catch {
            return .message("\(error)")
        }
    }
}

struct UncheckedModel: @unchecked Sendable { let model: LogViewModel }
