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
    /// The manifest being written, in a file of its own so $EDITOR can open it.
    let draft: URL
    private(set) var dryRun: DryRunReport?
    private var scroll = 0
    private var nameInput: String?
    private(set) var form: ManifestForm?
    private var focused = 0
    /// Live validation of what the form holds, by field.
    private var fieldProblems: [String: ManifestDiagnostic] = [:]
    private var templateName = ""

    init(project: Project, draftDirectory: URL) {
        projectValue = project
        draft = draftDirectory.appendingPathComponent("imagefactory-draft-\(project.name)-\(getpid()).yaml")
    }

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
            grid.put(" Start from a template (Enter), then edit it in $EDITOR. Methods allowed here: \(projectValue.allowedMethodSet.map(\.rawValue).sorted().joined(separator: ", "))",
                     x: rect.x, y: rect.y, style: t.dim, maxWidth: rect.width)
            for (i, tpl) in templates.prefix(rect.height - 2).enumerated() {
                let y = rect.y + 2 + i
                let style = i == selected ? t.selection : t.text
                if i == selected { grid.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), style: style) }
                grid.put("  \(CellWidth.pad(tpl.name, to: 20)) \(CellWidth.pad(tpl.scope.rawValue, to: 8)) \(CellWidth.pad(tpl.method.rawValue, to: 7)) \(tpl.description)",
                         x: rect.x, y: y, style: style, maxWidth: rect.width)
            }
        case .form:
            renderForm(into: &grid, rect: rect, context: ctx)
        case .review:
            var lines: [(String, TextStyle)] = []
            if let dry = dryRun {
                if dry.check.diagnostics.isEmpty { lines.append((" ✓ the manifest is valid", t.success)) }
                for d in dry.check.diagnostics {
                    let field = d.field.map { "\($0): " } ?? ""
                    let pos = d.location.map { "line \($0.line), column \($0.column): " } ?? ""
                    lines.append((" \(d.severity == .error ? "error" : "warning") \(pos)\(field)\(d.message)", d.severity == .error ? t.error : t.warn))
                }
                if let blocker = dry.blocker { lines.append((" " + blocker, t.error)) }
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
            lines.append((" Manifest (\(draft.path))", t.accent))
            for l in manifestText.split(separator: "\n", omittingEmptySubsequences: false) { lines.append(("   " + l, t.dim)) }
            scroll = min(scroll, max(0, lines.count - rect.height + 1))
            for (i, (line, style)) in lines.dropFirst(scroll).prefix(rect.height - 1).enumerated() {
                grid.put(line, x: rect.x, y: rect.y + i, style: style, maxWidth: rect.width)
            }
            let prompt = nameInput.map { " Template name: \($0)_" }
                ?? " e: edit in $EDITOR   f: back to the form   s: start the build   t: save as template   Esc: form"
            grid.put(prompt, x: rect.x, y: rect.maxY - 1, style: t.hint, maxWidth: rect.width)
        }
    }

    func perform(_ action: ActionID, app: TUIApp) -> ScreenEffect? {
        switch (stage, action) {
        case (.choose, .moveDown): selected = min(selected + 1, max(0, templates.count - 1))
        case (.choose, .moveUp): selected = max(0, selected - 1)
        case (.choose, .open):
            guard let tpl = templates[safe: selected] else { return ScreenEffect.none }
            do { try tpl.manifest.write(to: draft, atomically: true, encoding: .utf8) } catch { return .message("cannot write \(draft.path): \(error)") }
            templateName = tpl.name
            return openForm(app) ?? edit(app)
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
        case (.review, .moveDown): scroll += 1
        case (.review, .moveUp): scroll = max(0, scroll - 1)
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
        guard stage == .review, case .character(let c) = key else { return nil }
        switch c {
        case "e": return perform(.editInEditor, app: app)
        case "f" where form != nil: stage = .form; return ScreenEffect.none
        case "s": return start(app)
        case "t": nameInput = ""; return ScreenEffect.none
        default: return nil
        }
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
        grid.put(" Tab/↑↓ move between fields · type to edit · Ctrl+E edit the YAML in $EDITOR · Alt+V review · Ctrl+S start",
                 x: rect.x, y: rect.y, style: t.dim, maxWidth: rect.width)
        var y = rect.y + 2
        let labelWidth = 16
        for (i, field) in form.fields.enumerated() {
            guard y < rect.maxY - 1 else { break }
            let isFocused = i == focused
            grid.put(" " + CellWidth.pad(field.label, to: labelWidth), x: rect.x, y: y, style: isFocused ? t.accent : t.text)
            let valueX = rect.x + labelWidth + 2
            let width = max(10, rect.width - labelWidth - 4)
            let lines = field.kind == .lines ? field.value.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) : [field.value]
            for (n, line) in lines.prefix(max(1, rect.maxY - 2 - y)).enumerated() {
                let style = isFocused ? t.selection : t.text
                grid.fill(Rect(x: valueX, y: y, width: width, height: 1), style: style)
                let used = grid.put(line, x: valueX, y: y, style: style, maxWidth: width)
                if isFocused, n == lines.count - 1 { grid.cursor = (valueX + used, y) }
                y += 1
            }
            if let problem = fieldProblems[field.key] {
                grid.put("  \(problem.severity == .error ? ctx.glyphs.failed : "!") \(problem.message)", x: valueX, y: y,
                         style: problem.severity == .error ? t.error : t.warn, maxWidth: width)
                y += 1
            }
        }
        if field(named: "method")?.value.isEmpty == false {
            grid.put(" methods allowed in \(projectValue.name): \(projectValue.allowedMethodSet.map(\.rawValue).sorted().joined(separator: ", "))",
                     x: rect.x, y: rect.maxY - 1, style: t.dim, maxWidth: rect.width)
        }
    }

    private func field(named key: String) -> ManifestForm.Field? { form?.fields.first { $0.key == key } }

    private func review(_ app: TUIApp) {
        stage = .review
        scroll = 0
        do {
            dryRun = try app.api.dryRun(text: manifestText, file: draft.path, in: projectValue.id!,
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
        let draftPath = draft.path
        let project = projectValue
        return .confirm(question: "Start build `\(dry.check.manifest?.name ?? "?")` in \(project.name)? [y/N]") {
            do {
                let build = try app.api.startBuild(StartBuildRequest(
                    text: text, file: draftPath, project: project.name, template: nil, priority: 0,
                    workingDirectory: FileManager.default.currentDirectoryPath)).row.build
                return .push(BuildScreen(build: build, project: project, tab: .overview))
            } catch {
                return .message("\(error)")
            }
        }
    }

    private func saveTemplate(_ name: String, app: TUIApp) -> ScreenEffect? {
        do {
            let t = try app.api.saveTemplate(name: name, manifestText: manifestText, file: draft.path, team: false, in: projectValue.id!)
            return .message("saved template \(t.name)")
        } catch {
            return .message("\(error)")
        }
    }
}
