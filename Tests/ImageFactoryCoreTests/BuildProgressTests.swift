import Foundation
import Testing
@testable import ImageFactoryCore

@Suite("Build progress within a step")
struct BuildProgressTests {
    let now = Date(timeIntervalSince1970: 1_000_000)

    func step(_ idx: Int, _ name: String, _ status: StepStatus, startedSecondsAgo: Double? = nil) -> Step {
        Step(buildId: BuildID(rawValue: 1), idx: idx, name: name, status: status,
             startedAt: startedSecondsAgo.map { now.addingTimeInterval(-$0) }, finishedAt: nil, exitCode: nil,
             processGroup: nil, firstLine: nil, lineCount: 0)
    }

    /// Setup and dependencies done, Build running for 10 s, Artifacts to come.
    var steps: [Step] {
        [step(0, "Setup", .succeeded), step(1, "Install dependencies", .succeeded),
         step(2, "Build", .running, startedSecondsAgo: 10), step(3, "Artifacts", .pending)]
    }

    func tool(_ status: ToolStepStatus, done: Int64?, expected: Int64?) -> ToolStep {
        ToolStep(buildId: BuildID(rawValue: 1), seq: 0, stepIdx: 2, key: "k", name: "nix builds", groupName: nil, status: status,
                 done: done, expected: expected, startedAt: now, finishedAt: nil, firstLine: 0, lineCount: 0, error: nil, excerpt: nil)
    }

    @Test func withNothingKnownTheRunningStepCountsAsNotStarted() {
        let p = BuildProgress.of(status: .running, steps: steps, toolSteps: [], command: nil, earlierStepDurations: [], now: now)
        #expect(p.fraction == 0.5)
        #expect(p.basis == "step 3/4")
    }

    @Test func theCommandIndexMovesItWithinTheStep() {
        let second = BuildProgress.of(status: .running, steps: steps, toolSteps: [], command: CommandPosition(step: 2, index: 2, count: 3),
                                      earlierStepDurations: [], now: now)
        #expect(abs(second.fraction - (2 + 1.0 / 3) / 4) < 1e-9)
        #expect(second.basis == "step 3/4, command 2/3")
        #expect(second.percent == 58)
        // A position of another step, or out of range, is not used.
        for stale in [CommandPosition(step: 1, index: 2, count: 3), CommandPosition(step: 2, index: 4, count: 3)] {
            #expect(BuildProgress.of(status: .running, steps: steps, toolSteps: [], command: stale, earlierStepDurations: [], now: now).fraction == 0.5)
        }
    }

    @Test func earlierRunsEstimateTheStepWithinTheCommandsShare() {
        // 10 s of a step that took 20 s before: half of it, inside command 2/3's third.
        var p = BuildProgress.of(status: .running, steps: steps, toolSteps: [], command: CommandPosition(step: 2, index: 2, count: 3),
                                 earlierStepDurations: [0.1, 0.2, 20, 0.3], now: now)
        #expect(abs(p.fraction - 2.5 / 4) < 1e-9)
        #expect(p.basis == "step 3/4, command 2/3, ~50% of the step by earlier runs")
        // Past the earlier time, still within the command's share.
        p = BuildProgress.of(status: .running, steps: steps, toolSteps: [], command: CommandPosition(step: 2, index: 1, count: 3),
                             earlierStepDurations: [nil, nil, 5], now: now)
        #expect(abs(p.fraction - (2 + 1.0 / 3) / 4) < 1e-9)
        // Without commands: the time alone, short of the whole step.
        p = BuildProgress.of(status: .running, steps: steps, toolSteps: [], command: nil, earlierStepDurations: [nil, nil, 40], now: now)
        #expect(abs(p.fraction - 2.25 / 4) < 1e-9)
        p = BuildProgress.of(status: .running, steps: steps, toolSteps: [], command: nil, earlierStepDurations: [nil, nil, 1], now: now)
        #expect(p.fraction < 0.75)
    }

    @Test func theToolsOwnProgressComesBeforeEarlierRuns() {
        let p = BuildProgress.of(status: .running, steps: steps, toolSteps: [tool(.running, done: 30, expected: 100)], command: nil,
                                 earlierStepDurations: [nil, nil, 40], now: now)
        #expect(abs(p.fraction - 2.3 / 4) < 1e-9)
        #expect(p.basis == "step 3/4, nix builds 30%")
        // Within the command it belongs to.
        let q = BuildProgress.of(status: .running, steps: steps, toolSteps: [tool(.running, done: 1, expected: 2)],
                                 command: CommandPosition(step: 2, index: 2, count: 2), earlierStepDurations: [], now: now)
        #expect(abs(q.fraction - 2.75 / 4) < 1e-9)
        // A finished tool step, or one without an expected total, says nothing.
        for t in [tool(.succeeded, done: 30, expected: 100), tool(.running, done: 30, expected: nil)] {
            #expect(BuildProgress.of(status: .running, steps: steps, toolSteps: [t], command: nil, earlierStepDurations: [], now: now).fraction == 0.5)
        }
    }

    @Test func finishedBuilds() {
        #expect(BuildProgress.of(status: .succeeded, steps: steps, toolSteps: [], command: nil, earlierStepDurations: [], now: now).fraction == 1)
        var failed = steps
        failed[2].status = .failed
        let p = BuildProgress.of(status: .failed, steps: failed, toolSteps: [], command: nil, earlierStepDurations: [], now: now)
        #expect(p.fraction == 0.5 && p.basis == "2/4 steps")
        #expect(BuildProgress.of(status: .queued, steps: [], toolSteps: [], command: nil, earlierStepDurations: [], now: now).fraction == 0)
    }

    @Test func medianOfEarlierRuns() {
        #expect(FactoryStore.median([3]) == 3)
        #expect(FactoryStore.median([9, 1, 4]) == 4)
        #expect(FactoryStore.median([1, 2, 10, 4]) == 3)
    }

    /// A real shell build of three commands, run once to learn its step times, then again held at each command by
    /// a file the test creates: the progress moves past "2 of 4 steps" as the commands advance, on the service's
    /// answer, the build page and `build show`.
    @Test func progressMovesWithTheCommandsOfARealBuild() async throws {
        let home = try TemporaryHome()
        // The user the CLI runs as, so `build show` sees the project.
        let service = try home.service(login: Bootstrap.OSIdentity.current().login, uid: Bootstrap.OSIdentity.current().uid)
        let gates = (1...3).map { home.url.appendingPathComponent("gate-\($0)").path }
        let manifest = """
            name: three-commands
            commands:
              - "sleep 1; i=0; while [ ! -f \(gates[0]) ] && [ $i -lt 3000 ]; do i=$((i+1)); sleep 0.05; done"
              - "sleep 1; i=0; while [ ! -f \(gates[1]) ] && [ $i -lt 3000 ]; do i=$((i+1)); sleep 0.05; done"
              - "sleep 2; i=0; while [ ! -f \(gates[2]) ] && [ $i -lt 3000 ]; do i=$((i+1)); sleep 0.05; done"
            """
        for gate in gates { _ = FileManager.default.createFile(atPath: gate, contents: Data()) }
        let first = try await runShellBuild(service, manifest)
        #expect(first.status == .succeeded)
        for gate in gates { try FileManager.default.removeItem(atPath: gate) }

        // A failed expectation must not leave the build waiting.
        defer { for gate in gates { _ = FileManager.default.createFile(atPath: gate, contents: Data()) } }
        let build = try service.startBuild(text: manifest, file: nil, in: try service.project(nil))
        let run = Task { try await service.runBuild(build.id!, options: RunnerOptions(sampleInterval: .milliseconds(250), killGrace: .seconds(1))) }
        let api = InProcessFactoryAPI(service: service)
        var detail = try api.build(id: build.id!)
        func poll(_ condition: (BuildDetail) -> Bool) async throws -> Bool {
            try await eventually(timeout: .seconds(60)) {
                detail = try api.build(id: build.id!)
                return condition(detail)
            }
        }
        // Command 1: the Build step's time from the first run (at least the 4 s of sleeps) says how far it is.
        #expect(try await poll { $0.runningCommand == CommandPosition(step: 2, index: 1, count: 3) && $0.progress().fraction > 0.5 },
                "\(detail.runningCommand.map { "\($0)" } ?? "no command") \(detail.progress())")
        let buildStep = try #require(detail.earlierStepDurations?.count ?? 0 > 2 ? detail.earlierStepDurations?[2] : nil)
        #expect(buildStep >= 4)
        #expect(detail.progress().basis.hasPrefix("step 3/4, command 1/3, ~"), "\(detail.progress())")
        #expect(detail.progress().basis.hasSuffix("% of the step by earlier runs"))
        let atFirst = detail.progress().fraction

        _ = FileManager.default.createFile(atPath: gates[0], contents: Data())
        #expect(try await poll { $0.runningCommand?.index == 2 }, "\(detail.progress())")
        let atSecond = detail.progress()
        #expect(atSecond.fraction >= (2 + 1.0 / 3) / 4 && atSecond.fraction > atFirst, "\(atSecond)")
        #expect(atSecond.basis.hasPrefix("step 3/4, command 2/3"))
        let page = try renderBuildPage(service, build)
        #expect(page.contains("% (step 3/4, command 2/3"), "\(page)")
        let show = try await runCLI(["build", "show", "2"], home: home)
        #expect(show.stdout.contains("(2/4 steps; step 3/4, command 2/3"), "\(show.stdout) \(show.stderr)")

        _ = FileManager.default.createFile(atPath: gates[1], contents: Data())
        #expect(try await poll { $0.runningCommand?.index == 3 }, "\(detail.progress())")
        #expect(detail.progress().fraction >= (2 + 2.0 / 3) / 4 && detail.progress().fraction > atSecond.fraction, "\(detail.progress())")

        _ = FileManager.default.createFile(atPath: gates[2], contents: Data())
        let finished = try await run.value
        #expect(finished.status == .succeeded)
        detail = try api.build(id: build.id!)
        #expect(detail.progress().fraction == 1 && detail.runningCommand == nil && detail.earlierStepDurations == nil)
    }
}
