import Foundation
import ImageFactoryCore
import Terminal

/// The command palette: the screen's actions, then projects, templates, builds and artifacts.
extension TUIApp {
    func paletteEntries() -> [PaletteEntry] {
        let offer = stack.last.map(offer)
        var entries = registry.paletteEntries(context: stack.last?.context ?? .global, role: role,
                                              unavailable: offer?.disabled ?? [:], offered: offer?.actions)
        if let projects = try? api.projects() {
            learn(projects)
            for p in projects {
                entries.append(PaletteEntry(title: p.project.name, subtitle: "open project · \(p.role.rawValue)", keyHint: nil,
                                            kind: .project, disabledReason: nil, target: .project(p.project.id!.rawValue)))
                if let templates = try? api.templates(in: p.project.id!) {
                    for t in templates {
                        entries.append(PaletteEntry(title: t.name, subtitle: "\(t.scope.rawValue) template · \(t.method.rawValue)",
                                                    keyHint: nil, kind: .template, disabledReason: nil, target: .template(name: t.name)))
                    }
                }
            }
            let snapshot = try? api.dashboard()
            for row in (try? api.builds(project: nil, limit: 200)) ?? [] {
                let b = row.build
                entries.append(PaletteEntry(title: "\(b.number) \(b.name)", subtitle: "build · \(row.project) · \(b.status.rawValue)",
                                            keyHint: nil, kind: .build, disabledReason: nil,
                                            target: .build(projectID: b.projectId.rawValue, number: b.number.rawValue)))
            }
            for ready in snapshot?.artifacts ?? [] {
                let a = ready.artifact
                let b = ready.build.build
                entries.append(PaletteEntry(title: a.name, subtitle: "artifact · \(ready.build.project)\(b.number)",
                                            keyHint: nil, kind: .artifact, disabledReason: nil,
                                            target: .artifact(buildID: b.id!.rawValue, name: a.name)))
            }
        }
        return entries
    }

    func runPalette(_ entry: PaletteEntry) {
        if let reason = entry.disabledReason {
            show("\(entry.title): \(reason)")
            return
        }
        do {
            switch entry.target {
            case .action(let id): perform(id)
            case .project(let id):
                stack.append(ProjectScreen(project: try api.project(id: ProjectID(rawValue: id)).project))
            case .newBuild(let id):
                stack.append(NewBuildScreen(project: try api.project(id: ProjectID(rawValue: id)).project, drafts: drafts))
            case .build(let projectID, let number):
                let detail = try api.build(BuildReference(project: .id(ProjectID(rawValue: projectID)), number: BuildNumber(number)))
                let project = try api.project(id: ProjectID(rawValue: projectID)).project
                stack.append(BuildScreen(build: detail.row.build, project: project, tab: .overview))
            case .artifact(let buildID, _):
                let build = try api.build(id: BuildID(rawValue: buildID)).row.build
                let project = try api.project(id: build.projectId).project
                stack.append(BuildScreen(build: build, project: project, tab: .artifacts))
            case .template(let name):
                show("template \(name): write it to a file with `imagefactory build new --template \(name)`")
            }
        } catch {
            show("\(error)")
        }
    }
}
