import Foundation
import ImageFactoryCore
import Terminal

/// Journey 1: pick a template (or a method's example), edit the manifest in $EDITOR, review the validation
/// and the dry-run plan, then start the build (confirmed) or save the manifest as a template.
final class NewBuildScreen: Screen, ProjectScoped, @unchecked Sendable {
    enum Stage { case choose, form, review }

    struct Snapshot: Sendable {
        var templates: [Template]
    }

    let projectValue: Project
    var project: Project? { projectValue }
    private(set) var stage = Stage.choose
    private(set) var templates: [Template] = []
    private var selected = 0
    /// The manifest being written, in a file of its own (in the user's state directory) so $EDITOR can open it.
    let draft: URL
    /// Drafts an interface that died left in this project, offered first in the list.
    private(set) var orphans: [DraftStore.Orphan]
    private(set) var dryRun: DryRunReport?
    private var scroll = ScrollPosition()
    private var reviewHeight = 10
    private var nameInput: String?
    private(set) var form: ManifestForm?
    private var focused = 0
    /// Live validation of what the form holds, by field.
    private var fieldProblems: [String: ManifestDiagnostic] = [:]
    private var templateName = ""

    init(project: Project, drafts: DraftStore) {
        projectValue = project
        draft = drafts.draft(for: project)
        orphans = drafts.orphans(of: project)
    }

    func bindings(app: TUIApp) -> [ScreenBinding] {
        let scrolling: [ActionID] = [.moveUp, .moveDown, .pageUp, .pageDown, .halfPageUp, .halfPageDown, .top, .bottom]
        switch stage {
        case .choose:
            return (scrolling + [.open]).map { ScreenBinding($0) }
        case .form:
            return [.nextField, .previousField, .editInEditor, .validateManifest, .previewPlan, .startBuild, .saveAsTemplate]
                .map { ScreenBinding($0) }
        case .review:
            return (scrolling + [.editInEditor, .startBuild, .saveAsTemplate]).map { ScreenBinding($0) }
        }
    }

    /// The draft goes with the screen; a started build has its manifest stored with it.
    func willLeave() {
        try? FileManager.default.removeItem(at: draft)
    }

    /// The rows of the chooser: recovered drafts first, then the templates.
    private var choiceCount: Int { orphans.count + templates.count }

    let context = ScreenContext.newBuild
    var link: String { "/projects/\(projectValue.id!)/builds/new" }
    var title: String {
        switch stage {
        case .choose: "New build"
        case .form: "New build: \(templateName)"
        case .review: "New build: review"
        }
    }
    let isLive = false

    func load(_ api: any FactoryAPI) throws -> (@Sendable () -> Void)? {
        let snapshot = Snapshot(templates: try api.templates(in: projectValue.id!))
        return { [weak self] in self?.templates = snapshot.templates }
    }

    var manifestText: String { (try? String(contentsOf: draft, encoding: .utf8)) ?? "" }

    func render(into grid: inout Grid, rect: Rect, context ctx: RenderContext) {
        let t = ctx.theme
        switch stage {
        case .choose:
            let intro = TextWrap.wrap(" Start from a template (Enter), then fill in the form. Methods allowed here: \(projectValue.allowedMethodSet.map(\.rawValue).sorted().joined(separator: ", "))",
                                      width: rect.width, indent: " ")
            for (i, row) in intro.prefix(2).enumerated() { grid.put(row, x: rect.x, y: rect.y + i, style: t.dim, maxWidth: rect.width) }
            let listTop = rect.y + min(2, intro.count) + 1
            let visible = max(1, rect.maxY - listTop)
            // Keep the selection in view.
            let first = max(0, min(selected - visible + 1, choiceCount - visible))
            for row in 0..<min(visible, choiceCount) {
                let i = first + row
                let y = listTop + row
                let style = i == selected ? t.selection : t.text
                if i == selected { grid.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), style: style) }
                let text: String
                if i < orphans.count {
                    let o = orphans[i]
                    text = "  \(CellWidth.pad("recover draft", to: 20)) \(CellWidth.pad(Self.clock.string(from: o.modified), to: 16)) \(o.name ?? "unnamed") (left by an interface that ended)"
                } else {
                    let tpl = templates[i - orphans.count]
                    text = "  \(CellWidth.pad(tpl.name, to: 20)) \(CellWidth.pad(tpl.scope.rawValue, to: 8)) \(CellWidth.pad(tpl.method.rawValue, to: 7)) \(tpl.description)"
                }
                grid.put(text, x: rect.x, y: y, style: i < orphans.count && i != selected ? t.warn : style, maxWidth: rect.width)
            }
        case .form:
            renderForm(into: &grid, rect: rect, context: ctx)
        case .review:
            var lines: [(text: String, style: TextStyle)] = []
            if let dry = dryRun {
                if dry.check.diagnostics.isEmpty { lines.append((" ✓ the manifest is valid", t.success)) }
                for d in dry.check.diagnostics {
                    let field = d.field.map { "\($0): " } ?? ""
                    let pos = d.location.map { "line \($0.line), column \($0.column): " } ?? ""
                    lines.append((" \(d.severity == .error ? "error" : "warning") \(pos)\(field)\(d.message)", d.severity == .error ? t.error : t.warn))
                }
                if let blocker = dry.blocker { lines.append((" " + blocker, t.error)) }
                if let context = dry.plan?.manifest.context {
                    lines.append(("", t.text))
                    lines.append((" Context: \(context)", t.warn.with(bold: true)))
                    lines.append(("   copied into the build's workspace; a relative `context` is taken from the directory you started", t.text))
                    lines.append(("   imagefactory in (\(FileManager.default.currentDirectoryPath)). Change it in the form (f) if that is not what you want.", t.text))
                }
                if let plan = dry.plan {
                    lines.append(("", t.text))
                    for (i, step) in plan.steps.enumerated() {
                        lines.append((" Step \(i + 1)/\(plan.steps.count): \(step.name)", t.accent))
                        for d in step.details { lines.append(("   - \(d)", t.text)) }
                        for c in step.commands { lines.append(("   $ \(c.argv.joined(separator: " "))", t.text)) }
                    }
                    if let limits = dry.limits {
                        lines.append((" Limits", t.accent))
                        for s in limits.sentences { lines.append(("   - \(s)", t.text)) }
                    }
                }
            }
            lines.append(("", t.text))
            lines.append((" Manifest", t.accent))
            for l in manifestText.split(separator: "\n", omittingEmptySubsequences: false) { lines.append(("   " + l, t.dim)) }
            let wrapped = lines.flatMap { line in
                TextWrap.wrap(line.text, width: rect.width - 1, indent: "     ").map { (text: $0, style: line.style) }
            }
            let hint = "e: edit in $EDITOR · f: form · s: start · t: save as template · ↑↓ PgUp PgDn Home End: scroll · Esc: form"
            let hintRows = TextWrap.wrap(" " + hint, width: rect.width, indent: " ")
            let body = Rect(x: rect.x, y: rect.y, width: rect.width, height: max(1, rect.height - hintRows.count))
            reviewHeight = body.height
            ScrollView.draw(wrapped, in: body, position: &scroll, grid: &grid, marker: t.dim)
            for (i, row) in hintRows.enumerated() {
                grid.put(row, x: rect.x, y: body.maxY + i, style: t.hint, maxWidth: rect.width)
            }
        }
        renderNamePrompt(into: &grid, rect: rect, theme: t)
    }

    /// Save as template asks for a name on the bottom row, in every stage.
    private func renderNamePrompt(into grid: inout Grid, rect: Rect, theme t: Theme) {
        guard let name = nameInput else { return }
        let y = rect.maxY - 1
        grid.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), style: t.statusBar)
        let used = grid.put(" Template name: \(name)", x: rect.x, y: y, style: t.statusBar.with(bold: true), maxWidth: rect.width - 30)
        grid.cursor = (rect.x + used, y)
        grid.put("Enter: save · Esc: cancel", x: rect.maxX - 26, y: y, style: t.statusBar)
    }

    static let clock: DateFormatter = {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f
    }()

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        switch (stage, action) {
        case (.choose, .moveDown): selected = min(selected + 1, max(0, choiceCount - 1))
        case (.choose, .moveUp): selected = max(0, selected - 1)
        case (.choose, .top): selected = 0
        case (.choose, .bottom): selected = max(0, choiceCount - 1)
        case (.choose, .pageDown), (.choose, .halfPageDown): selected = min(selected + 10, max(0, choiceCount - 1))
        case (.choose, .pageUp), (.choose, .halfPageUp): selected = max(0, selected - 10)
        case (.choose, .open):
            if selected < orphans.count {
                let orphan = orphans.remove(at: selected)
                do {
                    try? FileManager.default.removeItem(at: draft)
                    try FileManager.default.moveItem(at: orphan.url, to: draft)
                } catch {
                    return .message("cannot recover the draft \(orphan.url.path): \(error.localizedDescription)")
                }
                templateName = orphan.name ?? "recovered draft"
                return openForm(app) ?? edit(app)
            }
            guard let tpl = templates[safe: selected - orphans.count] else { return ScreenEffect.none }
            return choose(tpl, app: app)
        case (.form, .nextField): focused = (focused + 1) % max(1, form?.fields.count ?? 1)
        case (.form, .previousField): focused = (focused + max(1, form?.fields.count ?? 1) - 1) % max(1, form?.fields.count ?? 1)
        case (.form, .back): stage = .choose
        case (.form, .editInEditor), (.review, .editInEditor):
            if let problem = saveForm() { return problem }
            return edit(app)
        case (.form, .validateManifest), (.form, .previewPlan):
            if let problem = saveForm() { return problem }
            review(app)
        case (.form, .startBuild), (.review, .startBuild):
            if let problem = saveForm() { return problem }
            review(app)
            return start(app)
        case (.form, .saveAsTemplate), (.review, .saveAsTemplate):
            if let problem = saveForm() { return problem }
            nameInput = ""
        case (.review, .moveDown): _ = scroll.handle(.down, page: reviewHeight)
        case (.review, .moveUp): _ = scroll.handle(.up, page: reviewHeight)
        case (.review, .pageDown): _ = scroll.handle(.pageDown, page: reviewHeight)
        case (.review, .pageUp): _ = scroll.handle(.pageUp, page: reviewHeight)
        case (.review, .halfPageDown): _ = scroll.handle(.control("d"), page: reviewHeight)
        case (.review, .halfPageUp): _ = scroll.handle(.control("u"), page: reviewHeight)
        case (.review, .top): _ = scroll.handle(.home, page: reviewHeight)
        case (.review, .bottom): _ = scroll.handle(.end, page: reviewHeight)
        case (.review, .back):
            stage = form == nil ? .choose : .form
        default: return nil
        }
        return ScreenEffect.none
    }

    func handleKey(_ key: Key, app: TUIApp) -> ScreenEffect? {
        if var name = nameInput {
            switch key {
            case .escape: nameInput = nil
            case .enter:
                nameInput = nil
                return saveTemplate(name, app: app)
            case .backspace: if !name.isEmpty { name.removeLast() }; nameInput = name
            case .character(let c): name.append(c); nameInput = name
            default: break
            }
            return ScreenEffect.none
        }
        if stage == .choose, key == .enter { return perform(.open, app: app) }
        if stage == .form { return typeIntoForm(key) }
        if stage == .review, case .mouse(let m) = key, m.kind == .wheelUp || m.kind == .wheelDown {
            _ = scroll.handle(key, page: reviewHeight)
            return ScreenEffect.none
        }
        guard stage == .review, case .character(let c) = key else { return nil }
        switch c {
        case "e": return perform(.editInEditor, app: app)
        case "f" where form != nil: stage = .form; return ScreenEffect.none
        case "s": return start(app)
        case "t": nameInput = ""; return ScreenEffect.none
        default: return nil
        }
    }

    /// Starts the draft from a template and opens its form (or $EDITOR when the YAML has no form).
    func choose(_ tpl: Template, app: TUIApp) -> ScreenEffect? {
        do { try tpl.manifest.write(to: draft, atomically: true, encoding: .utf8) } catch { return .message("cannot write \(draft.path): \(error)") }
        templateName = tpl.name
        return openForm(app) ?? edit(app)
    }

    /// Suspends the screen, runs $EDITOR (or $VISUAL, else vi) on the draft, then reviews it.
    private func edit(_ app: TUIApp) -> ScreenEffect? {
        let env = ProcessInfo.processInfo.environment
        let editor = env["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let status = app.withSuspendedScreen {
            (try? SimpleCommand.runAttached(["/bin/sh", "-c", "\(editor) \"$0\"", draft.path])) ?? 127
        }
        if status != 0 { return .message("the editor `\(editor)` exited with status \(status)") }
        // Back to the form when the YAML still has one; otherwise straight to the review of what is wrong.
        if stage != .review, openForm(app) != nil { return .message("manifest updated from $EDITOR") }
        review(app)
        return .message("manifest reviewed: \(dryRun?.check.errors.count ?? 0) errors, \(dryRun?.check.warnings.count ?? 0) warnings")
    }

    /// Shows the form for the draft; nil when the draft is not a YAML mapping.
    private func openForm(_ app: TUIApp) -> ScreenEffect? {
        guard let f = ManifestForm(yaml: manifestText) else { return nil }
        form = f
        stage = .form
        focused = min(focused, f.fields.count - 1)
        revalidate()
        return ScreenEffect.none
    }

    /// Writes the form into the draft; a message when that is impossible.
    private func saveForm() -> ScreenEffect? {
        guard stage == .form || stage == .review, let form else { return nil }
        do {
            try form.apply(to: manifestText).write(to: draft, atomically: true, encoding: .utf8)
            return nil
        } catch {
            return .message("cannot write the form to \(draft.path): \(error)")
        }
    }

    private func revalidate() {
        guard let form, let text = try? form.apply(to: manifestText) else { return }
        let check = ManifestLoader.check(text: text, file: nil, context: projectValue.validationContext)
        fieldProblems = ManifestForm.diagnosticsByField(check.diagnostics)
    }

    private func typeIntoForm(_ key: Key) -> ScreenEffect? {
        guard var f = form, f.fields.indices.contains(focused) else { return nil }
        switch key {
        case .character(let c): f.fields[focused].value.append(c)
        case .backspace: if !f.fields[focused].value.isEmpty { f.fields[focused].value.removeLast() }
        case .enter:
            if f.fields[focused].kind == .lines { f.fields[focused].value.append("\n") } else { focused = (focused + 1) % f.fields.count }
        case .down: focused = (focused + 1) % f.fields.count
        case .up: focused = (focused + f.fields.count - 1) % f.fields.count
        case .control("u"): f.fields[focused].value = ""
        default: return nil
        }
        form = f
        revalidate()
        return ScreenEffect.none
    }

    private func renderForm(into grid: inout Grid, rect: Rect, context ctx: RenderContext) {
        let t = ctx.theme
        guard let form else { return }
        let k = { (id: ActionID) in ctx.key(id, in: .newBuild) }
        let hint = " Tab/↑↓ move between fields · type to edit · \(k(.editInEditor)) edit the YAML in $EDITOR · \(k(.validateManifest)) review · \(k(.startBuild)) start · \(k(.saveAsTemplate)) save as template"
        let hintRows = TextWrap.wrap(hint, width: rect.width, indent: " ")
        for (i, row) in hintRows.enumerated() { grid.put(row, x: rect.x, y: rect.y + i, style: t.dim, maxWidth: rect.width) }
        let labelWidth = 16
        let valueX = rect.x + labelWidth + 2
        let width = max(10, rect.width - labelWidth - 4)
        // Each field's rows: its value lines, then its problem wrapped; the form scrolls to keep the focus in view.
        let blocks: [[(text: String, style: TextStyle, value: Bool)]] = form.fields.enumerated().map { i, field in
            let isFocused = i == focused
            let lines = field.kind == .lines ? field.value.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) : [field.value]
            var rows = lines.map { (text: $0, style: isFocused ? t.selection : t.text, value: true) }
            if let problem = fieldProblems[field.key] {
                let style = problem.severity == .error ? t.error : t.warn
                rows += TextWrap.wrap("\(problem.severity == .error ? ctx.glyphs.failed : "!") \(problem.message)", width: width, indent: "  ")
                    .map { (text: $0, style: style, value: false) }
            }
            return rows
        }
        let top = rect.y + hintRows.count + 1
        let bottom = rect.maxY - 1
        var first = 0
        while first < focused, blocks[first...focused].reduce(0, { $0 + $1.count }) > bottom - top { first += 1 }
        var y = top
        if first > 0 { grid.put("↑ \(first) more", x: rect.maxX - 12, y: top - 1, style: t.dim) }
        var last = first
        for i in first..<form.fields.count {
            guard y < bottom else { break }
            let isFocused = i == focused
            grid.put(" " + CellWidth.pad(form.fields[i].label, to: labelWidth), x: rect.x, y: y, style: isFocused ? t.accent : t.text)
            for (n, row) in blocks[i].enumerated() where y < bottom {
                if row.value { grid.fill(Rect(x: valueX, y: y, width: width, height: 1), style: row.style) }
                let used = grid.put(row.text, x: valueX, y: y, style: row.style, maxWidth: width)
                if isFocused, row.value, n == blocks[i].lastIndex(where: \.value) { grid.cursor = (valueX + used, y) }
                y += 1
            }
            last = i
        }
        if last < form.fields.count - 1 { grid.put("↓ \(form.fields.count - 1 - last) more", x: rect.maxX - 12, y: bottom - 1, style: t.dim) }
        if field(named: "method")?.value.isEmpty == false {
            grid.put(" methods allowed in \(projectValue.name): \(projectValue.allowedMethodSet.map(\.rawValue).sorted().joined(separator: ", "))",
                     x: rect.x, y: rect.maxY - 1, style: t.dim, maxWidth: rect.width)
        }
    }

    private func field(named key: String) -> ManifestForm.Field? { form?.fields.first { $0.key == key } }

    private func review(_ app: TUIApp) {
        stage = .review
        scroll = ScrollPosition()
        do {
            // The draft's own directory is not where the user works: a relative context is the working directory's.
            dryRun = try app.api.dryRun(text: manifestText, file: nil, in: projectValue.id!,
                                        workingDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            dryRun = nil
            app.show("review: \(error)")
        }
    }

    private func start(_ app: TUIApp) -> ScreenEffect? {
        guard let dry = dryRun, dry.check.isValid, dry.blocker == nil else {
            return .message("fix the errors first (e to edit)")
        }
        if let reason = Permission.startBuild.denialReason(for: app.role(in: projectValue.id!)) {
            return .message("Start build: \(reason)")
        }
        let text = manifestText
        let project = projectValue
        return .confirm(question: "Start build `\(dry.check.manifest?.name ?? "?")` in \(project.name)? [y/N]") {
            do {
                let build = try app.api.startBuild(StartBuildRequest(
                    text: text, file: nil, project: project.name, template: nil, priority: 0,
                    workingDirectory: FileManager.default.currentDirectoryPath)).row.build
                // The build page takes New build's place: Esc goes back to where the user came from.
                return .replace(BuildScreen(build: build, project: project, tab: .overview))
            } catch {
                return .message("\(error)")
            }
        }
    }

    private func saveTemplate(_ name: String, app: TUIApp) -> ScreenEffect? {
        do {
            let t = try app.api.saveTemplate(name: name, manifestText: manifestText, file: nil, team: false, in: projectValue.id!)
            return .message("saved template \(t.name)")
        } catch {
            return .message("\(error)")
        }
    }
}
