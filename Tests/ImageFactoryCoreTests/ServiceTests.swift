import Foundation
import GRDB
import Testing
@testable import ImageFactoryCore

@Suite struct ServiceTests {
    @Test func firstStartCreatesUserTenantAndExamplesWithOneTemplatePerMethod() throws {
        let home = try TemporaryHome()
        let service = try home.service()
        #expect(service.user.login == "alice")
        let projects = try service.projects()
        #expect(projects.map(\.project.name) == ["examples"])
        #expect(projects[0].role == .owner)
        let templates = try service.templates(in: projects[0].project)
        #expect(Set(templates.map(\.method)) == Set(BuildMethod.concrete))
        for t in templates {
            let check = try service.validate(text: t.manifest, file: t.name, in: projects[0].project)
            #expect(check.isValid, "example \(t.name) must validate: \(check.diagnostics)")
        }
        #expect(try service.store.schemaVersion() == Schema.latestVersion)
        #expect(FileManager.default.fileExists(atPath: home.directory.databaseURL.path))
    }

    @Test func reopeningKeepsDataAndDoesNotDuplicateExamples() throws {
        let home = try TemporaryHome()
        _ = try home.service()
        let again = try home.service()
        #expect(try again.projects().count == 1)
        #expect(try again.templates(in: again.project(nil)).count == 6)
        #expect(try again.store.integrityCheck() == "ok")
    }

    @Test func viewerCannotStartOrCancelBuildsAndSeesTheReason() throws {
        let home = try TemporaryHome()
        let owner = try home.service()
        let viewer = try home.service(login: "victor", uid: 5000)
        let project = try owner.project(nil)
        try owner.store.pool.write { db in
            try Membership(projectId: project.id!, userId: viewer.user.id!, role: .viewer, createdAt: Date()).insert(db)
        }
        let manifest = "name: x\nmethod: shell\ncommands: [\"true\"]\n"
        #expect {
            _ = try viewer.startBuild(text: manifest, file: nil, in: project)
        } throws: { error in
            "\(error)".contains("cannot start builds in project `examples`: requires Member (you are Viewer)")
        }
        let build = try owner.startBuild(text: manifest, file: nil, in: project)
        var denied: String?
        do {
            _ = try viewer.cancelBuild(BuildReference(project: .name("examples"), number: build.number))
        } catch FactoryError.permissionDenied(let message) {
            denied = message
        }
        #expect(denied == "cannot cancel builds in project `examples`: requires Member (you are Viewer)")
        // Viewing is allowed.
        #expect(try viewer.resolve(BuildReference(project: nil, number: build.number)).0.id == build.id)
    }

    @Test func memberCannotSaveTeamTemplatesButCanSaveTheirOwn() throws {
        let home = try TemporaryHome()
        let owner = try home.service()
        let member = try home.service(login: "mia", uid: 5001)
        let project = try owner.project(nil)
        try owner.store.pool.write { db in
            try Membership(projectId: project.id!, userId: member.user.id!, role: .member, createdAt: Date()).insert(db)
        }
        let manifest = "name: mine\ncommands: [make]\n"
        var denied: String?
        do {
            _ = try member.saveTemplate(name: "team-one", manifestText: manifest, file: nil, team: true, in: project)
        } catch FactoryError.permissionDenied(let message) {
            denied = message
        }
        #expect(denied == "cannot save team templates in project `examples`: requires Admin (you are Member)")
        let saved = try member.saveTemplate(name: "mine", manifestText: manifest, file: nil, team: false, in: project)
        #expect(saved.scope == .saved)
        // Saved templates are private to their owner.
        #expect(try owner.templates(in: project).contains { $0.name == "mine" } == false)
        let team = try owner.saveTemplate(name: "team-one", manifestText: manifest, file: nil, team: true, in: project)
        #expect(team.scope == .team)
        #expect(try member.template(named: "team-one", in: project).id == team.id)
    }

    @Test func strangersDoNotSeeProjectsTheyAreNotMembersOf() throws {
        let home = try TemporaryHome()
        _ = try home.service()
        let stranger = try home.service(login: "sam", uid: 5002)
        // Not "permission denied": to a stranger the project is not there at all.
        var missing: String?
        do { _ = try stranger.project("examples") } catch FactoryError.notFound(let message) { missing = message }
        #expect(missing == "no project named `examples` that you are a member of")
        #expect(try stranger.builds(in: nil).isEmpty)
    }

    @Test func invalidManifestIsRejectedWithPositionsAndNothingIsStored() throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let project = try service.project(nil)
        let bad = "name: broken\nmethod: shell\nresources:\n  memory: 2GB?\n"
        #expect {
            _ = try service.startBuild(text: bad, file: "bad.yaml", in: project)
        } throws: { error in
            guard case FactoryError.invalidManifest(_, let diagnostics) = error else { return false }
            return diagnostics.contains { $0.location?.line == 4 && $0.field == "resources.memory" }
        }
        #expect(try service.builds(in: project).isEmpty)
    }

    @Test func buildReferencesParseNumbersProjectsAndLinks() {
        #expect(BuildReference(parsing: "7") == BuildReference(project: nil, number: BuildNumber(7)))
        #expect(BuildReference(parsing: "#7") == BuildReference(project: nil, number: BuildNumber(7)))
        #expect(BuildReference(parsing: "examples#12") == BuildReference(project: .name("examples"), number: BuildNumber(12)))
        #expect(BuildReference(parsing: "/projects/3/builds/9/logs") == BuildReference(project: .id(ProjectID(rawValue: 3)), number: BuildNumber(9)))
        #expect(BuildReference(parsing: "abc") == nil)
        #expect(BuildReference(parsing: "#0") == nil)
    }

    @Test func schemaRejectsRowsThatBreakItsConstraints() throws {
        let home = try TemporaryHome()
        let service = try home.service()
        #expect(throws: DatabaseError.self) {
            try service.store.pool.write { db in
                // Since v6 the CHECK no longer lists the methods, but `default` is never a project's method.
                try db.execute(sql: "UPDATE project SET defaultMethod = 'default'")
            }
        }
        #expect(throws: DatabaseError.self) {
            try service.store.pool.write { db in
                try db.execute(sql: "INSERT INTO membership (projectId, userId, role, createdAt) VALUES (999, 999, 'owner', '2026-01-01')")
            }
        }
    }
}
