import Foundation
import Testing
@testable import ImageFactoryCore

/// The real binary, a real data directory, real child processes.
@Suite struct CLITests {
    @Test func successfulBuildEndToEndThroughTheCommandLine() async throws {
        let home = try TemporaryHome()
        let new = try await runCLI(["build", "new", "--template", "shell-hello", "hello.yaml"], home: home)
        #expect(new.status == 0, "\(new.stderr)")
        #expect(FileManager.default.fileExists(atPath: home.url.appendingPathComponent("hello.yaml").path))

        let valid = try await runCLI(["build", "validate", "hello.yaml"], home: home)
        #expect(valid.status == 0 && valid.stdout.contains("valid"), "\(valid.stderr)")

        let dry = try await runCLI(["build", "dry-run", "hello.yaml"], home: home)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("Step 3/4: Build"))
        #expect(dry.stdout.contains("$ /bin/sh -e -c 'mkdir -p out'"))
        #expect(dry.stdout.contains("memory 512"))

        let start = try await runCLI(["build", "start", "hello.yaml", "--wait"], home: home)
        #expect(start.status == 0, "\(start.stdout)\n\(start.stderr)")
        #expect(start.stdout.contains("build examples#1 shell-hello queued"))
        #expect(start.stdout.contains("✓ succeeded"))
        #expect(start.stdout.contains("■ hello.tar.gz"))

        let show = try await runCLI(["build", "show", "examples#1"], home: home)
        #expect(show.status == 0)
        #expect(show.stdout.contains("Build #1 - examples"))
        #expect(show.stdout.contains("Install dependencies"))
        #expect(show.stdout.contains("memory 512 MiB"), "the limit as the build log states it: \(show.stdout)")

        let logs = try await runCLI(["build", "logs", "1", "--grep", "hello", "--step", "3"], home: home)
        #expect(logs.status == 0)
        #expect(logs.stdout.contains("$ tar -czf hello.tar.gz -C out ."))
        #expect(!logs.stdout.contains("mkdir"))

        let list = try await runCLI(["artifact", "list", "1"], home: home)
        #expect(list.stdout.contains("hello.tar.gz") && list.stdout.contains("gzip archive"))
        let out = home.url.appendingPathComponent("got")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let get = try await runCLI(["artifact", "get", "1", "--to", out.path], home: home)
        #expect(get.status == 0 && get.stdout.contains("sha256 verified"), "\(get.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("hello.tar.gz").path))

        let summary = try await runCLI([], home: home)
        #expect(summary.stdout.contains("Welcome back"))
        #expect(summary.stdout.contains("Last build: examples#1 shell-hello ✓ succeeded"))
    }

    @Test func failingBuildExitsNonZeroAndShowsTheFailingStepFirst() async throws {
        let home = try TemporaryHome()
        _ = try home.write("fail.yaml", """
            name: fail
            commands:
              - echo "building"
              - 'echo "E: Unable to locate package nothere" >&2; exit 100'
            """)
        let start = try await runCLI(["build", "start", "fail.yaml", "--wait"], home: home)
        #expect(start.status == 1)
        #expect(start.stdout.contains("✗ failed"))
        #expect(start.stdout.contains("E: Unable to locate package nothere"))
        let show = try await runCLI(["build", "show", "1"], home: home)
        let lines = show.stdout.split(separator: "\n").map(String.init)
        // The failure and the failing step's last lines come before the details.
        let reasonIndex = try #require(lines.firstIndex { $0.contains("command 2 of 2 failed with exit status 100") })
        let statusIndex = try #require(lines.firstIndex { $0.hasPrefix("status:") })
        #expect(reasonIndex < statusIndex)
        let errors = try await runCLI(["build", "logs", "1", "--level", "error"], home: home)
        #expect(errors.stdout.contains("E: Unable to locate package nothere"))
        #expect(!errors.stdout.contains("building"))
    }

    @Test func validateReportsPositionsAndExitStatuses() async throws {
        let home = try TemporaryHome()
        _ = try home.write("bad.yaml", "name: bad\nmethod: shell\ncomands:\n  - make\nresources:\n  memory: 2GB?\n")
        let bad = try await runCLI(["build", "validate", "bad.yaml"], home: home)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yaml:6:11"))
        #expect(bad.stderr.contains("unknown key `comands`, did you mean `commands`?"))
        #expect(bad.stderr.contains("missing required field `commands`"))

        _ = try home.write("warn.yaml", "name: ok\ncommands: [make]\ntagz: [x]\n")
        #expect(try await runCLI(["build", "validate", "warn.yaml"], home: home).status == 0)
        #expect(try await runCLI(["build", "validate", "warn.yaml", "--strict"], home: home).status == 1)

        let missing = try await runCLI(["build", "validate", "nothere.yaml"], home: home)
        #expect(missing.status == 3 && missing.stderr.contains("manifest file nothere.yaml does not exist"))
        let unknown = try await runCLI(["build", "show", "42"], home: home)
        #expect(unknown.status == 3 && unknown.stderr.contains("no build #42 in project `examples`"))
        let noProject = try await runCLI(["build", "list", "-p", "nope"], home: home)
        #expect(noProject.status == 3 && noProject.stderr.contains("no project named `nope`"))
    }

    @Test func cancelFromAnotherProcessStopsADetachedBuild() async throws {
        let home = try TemporaryHome()
        let marker = "33\(Int.random(in: 100...999))"
        _ = try home.write("long.yaml", "name: long\ncommands: [\"echo go; sleep \(marker)\"]\n")
        let start = try await runCLI(["build", "start", "long.yaml"], home: home)
        #expect(start.status == 0, "\(start.stderr)")
        #expect(await eventually { !processes(matching: "sleep \(marker)").isEmpty })
        let cancel = try await runCLI(["build", "cancel", "1", "--wait"], home: home)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(cancel.stdout.contains("build #1 cancelled"))
        #expect(await eventually(timeout: .seconds(5)) { processes(matching: "sleep \(marker)").isEmpty })
        let again = try await runCLI(["build", "cancel", "1"], home: home)
        #expect(again.status == 5 && again.stderr.contains("already cancelled"))
    }

    @Test func killedRunnerProcessIsMarkedInterruptedOnNextStart() async throws {
        let home = try TemporaryHome()
        let marker = "34\(Int.random(in: 100...999))"
        _ = try home.write("long.yaml", "name: long\ncommands: [\"echo before; sleep \(marker)\"]\n")
        #expect(try await runCLI(["build", "start", "long.yaml"], home: home).status == 0)
        #expect(await eventually { !processes(matching: "sleep \(marker)").isEmpty })
        let service = try home.service(login: Bootstrap.OSIdentity.current().login, uid: Bootstrap.OSIdentity.current().uid)
        let (build, _) = try service.resolve(BuildReference(project: nil, number: BuildNumber(1)))
        #expect(await eventually { (try? service.store.build(id: build.id!)?.logLines ?? 0) ?? 0 >= 1 })
        let runner = try #require(build.runnerPid)
        kill(Int32(runner), SIGKILL)
        #expect(await eventually { !ProcessLiveness.isAlive(pid: Int32(runner), startTicks: nil) })
        let show = try await runCLI(["build", "show", "1"], home: home)
        #expect(show.stdout.contains("interrupted"))
        #expect(await eventually(timeout: .seconds(5)) { processes(matching: "sleep \(marker)").isEmpty })
        let logs = try await runCLI(["build", "logs", "1"], home: home)
        #expect(logs.stdout.contains("before"))
        #expect(try service.store.integrityCheck() == "ok")
    }

    @Test func followPrintsLinesAsTheyComeAndEndsWithTheBuild() async throws {
        let home = try TemporaryHome()
        _ = try home.write("count.yaml", """
            name: count
            commands:
              - "for i in 1 2 3 4 5 6 7 8; do echo line-$i; sleep 0.2; done"
              - "echo 'warning: almost done' >&2"
            """)
        #expect(try await runCLI(["build", "start", "count.yaml"], home: home).status == 0)
        let follow = try await runCLI(["build", "logs", "1", "--follow"], home: home)
        #expect(follow.status == 0, "\(follow.stderr)")
        let lines = follow.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("line-") } == (1...8).map { "line-\($0)" })
        #expect(lines.contains("warning: almost done"))
        // It kept following until the build ended: the last step's lines are there.
        #expect(lines.contains("==> Step 4/4: Artifacts"))
        let warnings = try await runCLI(["build", "logs", "1", "--level", "warn"], home: home)
        #expect(warnings.stdout == "warning: almost done\n")
    }

    @Test func doctorReportsDataDirectorySchemaToolsAndLimits() async throws {
        let home = try TemporaryHome()
        let doctor = try await runCLI(["doctor"], home: home)
        #expect(doctor.status == 0, "\(doctor.stderr)")
        #expect(doctor.stdout.contains(home.directory.root.path))
        #expect(doctor.stdout.contains("schema version:  \(Schema.latestVersion)"))
        #expect(doctor.stdout.contains("integrity:       ok"))
        #expect(doctor.stdout.contains("Resource limits"))
    }
}
