import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryServer

/// Root, setpriv (to be other uids) and tmux: the shared host as its users meet it.
let sharedHostTestsCanRun = geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") && TmuxSession.available

/// One `server --socket --group` and two users, each in the real interface in tmux, everything through the socket.
@Suite(.enabled(if: sharedHostTestsCanRun, "needs root, setpriv (util-linux) and tmux to run clients as other uids in a real terminal"))
struct SharedHostEndToEndTests {
    /// The interface as another uid in tmux, with the shared socket and a home of its own.
    func interface(_ home: TemporaryHome, uid: UInt32, gid: UInt32, socket: String) throws -> TmuxSession {
        let userHome = home.url.appendingPathComponent("home-\(uid)")
        try FileManager.default.createDirectory(at: userHome, withIntermediateDirectories: true)
        chown(userHome.path, uid, gid)
        let command = "/usr/bin/setpriv --reuid \(uid) --regid \(gid) --clear-groups \(shellQuote(imagefactoryBinary))"
        return try TmuxSession(command: command, width: 120, height: 40,
                               environment: ["IMAGEFACTORY_SOCKET": socket, "HOME": userHome.path, "XDG_CONFIG_HOME": userHome.path,
                                             "IMAGEFACTORY_HOME": home.directory.root.path],
                               directory: userHome)
    }

    /// Each sees only their projects; a build arrives live on the other's dashboard; a viewer is refused with
    /// the role needed; the data directory stays closed; an admin's setting change reaches the other at once.
    @Test func twoUsersOneServer() async throws {
        let home = try TemporaryHome()
        chmod(home.url.path, 0o755)
        let socket = home.url.appendingPathComponent("shared.sock").path
        let gid = UInt32(48_000 + Int.random(in: 0...900) * 3)
        let (alice, bob) = (gid + 1, gid + 2)
        let server = try await ServerProcess.start(home: home, arguments: ["--group", String(gid)], socket: socket)
        let env = ["IMAGEFACTORY_SOCKET": socket]
        func cli(_ args: [String], as user: UInt32? = nil) async throws -> CLIResult {
            try await runCLI(args, home: home, extraEnv: env, asUser: user.map { ($0, gid) })
        }

        // The service user sets the team up: a project for alice (admin) and bob (viewer); another for neither.
        for (args, what) in [(["project", "create", "alpha", "--description", "the alpha images"], "create alpha"),
                             (["project", "create", "beta"], "create beta"),
                             (["member", "add", "alice", "--uid", String(alice), "--role", "admin", "-p", "alpha"], "add alice"),
                             (["member", "add", "bob", "--uid", String(bob), "--role", "viewer", "-p", "alpha"], "add bob")] {
            let r = try await cli(args)
            #expect(r.status == 0, "\(what): \(r.stderr)")
        }

        // The data directory stays closed to both: everything they see comes through the socket.
        for user in [alice, bob] {
            for path in [home.directory.databaseURL.path, home.directory.root.path] {
                let readable = try SimpleCommand.run(["/usr/bin/setpriv", "--reuid", String(user), "--regid", String(gid), "--clear-groups",
                                                      "/usr/bin/test", "-r", path])
                #expect(readable != 0, "uid \(user) can read \(path)")
            }
        }

        let a = try interface(home, uid: alice, gid: gid, socket: socket)
        let b = try interface(home, uid: bob, gid: gid, socket: socket)
        var (found, screen) = await a.waitFor("Welcome back, alice")
        #expect(found, "\(screen)")
        // Each sees only their projects: alpha, not beta and not the service user's examples.
        (found, screen) = await a.waitFor("alpha            admin")
        #expect(found, "\(screen)")
        #expect(!screen.contains("beta") && !screen.contains("examples"), "\(screen)")
        (found, screen) = await b.waitFor("alpha            viewer")
        #expect(found, "\(screen)")
        #expect(!screen.contains("beta") && !screen.contains("examples"), "\(screen)")

        // A viewer's `n` is refused with the role it needs.
        try b.send("n")
        (found, screen) = await b.waitFor("New build: requires Member")
        #expect(found, "\(screen)")

        // A build alice starts appears live on bob's dashboard, with no key pressed there.
        let manifest = try shellManifest(home, "team-build", commands: ["echo from alice"])
        chmod(manifest, 0o644)
        let started = try await cli(["build", "start", manifest, "-p", "alpha", "--wait"], as: alice)
        #expect(started.status == 0, "\(started.stdout)\(started.stderr)")
        (found, screen) = await b.waitFor("alpha          team-build")
        #expect(found, "bob's dashboard: \(screen)\nserver log: \(server.log)")

        // Alice (admin) changes the description on the Settings tab; bob, on the project's page, sees it change.
        try b.send("Enter")
        (found, screen) = await b.waitFor("the alpha images")
        #expect(found, "\(screen)")
        try b.send("5")
        (found, screen) = await b.waitFor("Read-only: requires Admin (you are Viewer)")
        #expect(found, "\(screen)")
        try b.send("1")
        try a.send("Enter")
        (found, screen) = await a.waitFor("[Settings]")
        try a.send("5")
        (found, screen) = await a.waitFor("Enter changes the selected setting")
        #expect(found, "\(screen)")
        try a.send("Enter")
        try a.send("C-u")
        try a.type("built nightly by the team")
        try a.send("Enter")
        (found, screen) = await a.waitFor("description set to built nightly by the team")
        #expect(found, "\(screen)")
        (found, screen) = await b.waitFor("built nightly by the team")
        #expect(found, "bob's project page after alice's change: \(screen)")
        // The change is in the project's trail, said by who made it.
        let trail = try await cli(["project", "show", "alpha"], as: bob)
        #expect(trail.stdout.contains("built nightly by the team"), "\(trail.stdout)")
        let activity = try FactoryStore(directory: home.directory).activity(project: nil, limit: 20)
        #expect(activity.contains { $0.kind == "project.settings" && $0.message.hasPrefix("alice set the description") })
        _ = server
    }
}

