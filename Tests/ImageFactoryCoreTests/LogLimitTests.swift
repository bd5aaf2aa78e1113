import Foundation
import Testing
@testable import ImageFactoryCore

/// A build's log stops growing at its limit: the output past it is counted, the build goes on (or fails
/// when its manifest asks), and the count reaches the build page and `build show`.
@Suite struct LogLimitTests {
    @Test func limitsParseAndPrintBackTheSameWay() throws {
        #expect(LogLimit(parsing: "1GiB") == LogLimit(maxBytes: 1 << 30))
        #expect(LogLimit(parsing: "2,000,000 lines") == LogLimit(maxLines: 2_000_000))
        #expect(LogLimit(parsing: "2_000_000 lines") == LogLimit(maxLines: 2_000_000))
        #expect(LogLimit(parsing: "512MiB or 1000 lines") == LogLimit(maxBytes: 512 << 20, maxLines: 1000))
        // A bare number could be bytes or lines: refused, as are zero and nonsense.
        for bad in ["1000", "0 lines", "lots", "", "1GiB or 2GiB", "-5 lines", "10 lines extra"] {
            #expect(LogLimit(parsing: bad) == nil, "\(bad)")
        }
        let both = LogLimit(maxBytes: 512 << 20, maxLines: 1000)
        #expect(both.description == "512 MiB or 1,000 lines")
        #expect(LogLimit(parsing: both.manifestText) == both)
        // The manifest lowers the project's limit, bound by bound; it never raises it.
        #expect(LogLimit(maxBytes: 1 << 30).tightened(by: LogLimit(maxBytes: 1 << 40, maxLines: 10)) == LogLimit(maxBytes: 1 << 30, maxLines: 10))
    }

    @Test func writerCountsOutputPastTheLimitAndKeepsTheRunnersOwnLines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loglimit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try LogWriter(directory: dir)
        writer.limit = LogLimit(maxLines: 100)
        let text = (1...1000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        Array(text.utf8).withUnsafeBytes { writer.ingest(chunk: $0, stream: .stdout, step: 0, timeMs: 0) }
        writer.append(system: "==> Step 2/2: Artifacts", timeMs: 1, step: 1)
        let commit = try writer.flush()
        #expect(commit.droppedLines == 900)
        // 100 lines of output, the line saying where it stops, and the runner's line after it.
        #expect(commit.lineCount == 102)
        let reader = try LogReader(directory: dir, committedLines: commit.lineCount)
        let lines = try reader.lines(0..<reader.lineCount)
        #expect(lines[99].text == "line 100")
        #expect(lines[100].text == "log limit 100 lines reached: further output is counted, not stored")
        #expect(lines[100].level == .warn && lines[100].stream == .system)
        #expect(lines[101].text == "==> Step 2/2: Artifacts")

        // By size: whole lines only, never more than the limit's bytes of output.
        let sized = dir.appendingPathComponent("sized")
        let bytesWriter = try LogWriter(directory: sized)
        bytesWriter.limit = LogLimit(maxBytes: 1000)
        let fixed = String(repeating: "0123456789abcdefghi\n", count: 200)   // 20 bytes a line
        Array(fixed.utf8).withUnsafeBytes { bytesWriter.ingest(chunk: $0, stream: .stderr, step: 0, timeMs: 0) }
        let c2 = try bytesWriter.flush()
        #expect(c2.lineCount == 51 && c2.droppedLines == 150)
    }

    @Test func aBuildPastItsLimitGoesOnAndSaysHowMuchWasNotStored() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try await runShellBuild(service, """
            name: chatty
            resources: { log_limit: 1000 lines }
            commands:
              - seq 1 5000
              - echo after
            """)
        #expect(build.status == .succeeded, "\(build.failureReason ?? "")")
        let lines = try allLogText(service, build)
        let output = lines.filter { $0.stream == .stdout }.map(\.text)
        // What was kept is the start of the output, in order; the rest is counted exactly.
        #expect(output == (1...output.count).map(String.init))
        #expect(Int(build.droppedLogLines) + output.count == 5001)
        #expect(build.logLines <= 1000 + 20)
        // The bound that was reached is named (the default 1 GiB still applied beside it).
        #expect(build.logLimit == "1,000 lines")
        let last = try #require(lines.last { $0.stream == .system && $0.text.hasPrefix("log limit") })
        #expect(last.text == "log limit 1,000 lines reached: \(DisplayFormat.grouped(build.droppedLogLines)) further lines not stored")
        #expect(lines.contains { $0.text == "limit: log 1.0 GiB or 1,000 lines: output past it is counted, not stored, and the build goes on" })
        // The artifacts step still ran, and its runner line is stored after the limit.
        #expect(lines.contains { $0.text.hasPrefix("==> Step") && $0.text.hasSuffix("Artifacts") })

        let page = try renderBuildPage(service, build)
        #expect(page.contains("log limit 1,000 lines reached: \(DisplayFormat.grouped(build.droppedLogLines)) lines not stored"))
    }

    @Test func aManifestMayAskToFailAtTheLimit() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let started = ContinuousClock.now
        let build = try await runShellBuild(service, """
            name: runaway
            resources:
              log_limit: 64KiB
              on_log_limit: fail
            commands:
              - "yes 'a line of a runaway build'"
            """)
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(build.status == .failed)
        #expect(build.failureReason == "log limit 64 KiB reached: the manifest asks to fail then (resources.on_log_limit: fail)")
        #expect(build.droppedLogLines > 0)
        let lines = try allLogText(service, build)
        let outputBytes = lines.filter { $0.stream == .stdout }.reduce(0) { $0 + $1.text.utf8.count + 1 }
        #expect(outputBytes <= 64 * 1024)
    }

    @Test func outputThatEndsBeforeTheNextFlushStillFailsAtTheLimit() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try await runShellBuild(service, """
            name: quick
            resources: { log_limit: 50 lines, on_log_limit: fail }
            commands: ["seq 1 500"]
            """)
        #expect(build.status == .failed)
        #expect(build.failureReason == "log limit 50 lines reached: the manifest asks to fail then (resources.on_log_limit: fail)")
        #expect(build.droppedLogLines > 0)
    }

    @Test func theProjectsLimitIsACeilingTheManifestCannotRaise() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let project = try service.project(nil)
        let updated = try service.changeProject(project, try ProjectSetting.logLimit.change("300 lines"))
        #expect(updated.logLimit == "300 lines")
        #expect(ProjectSetting.logLimit.value(in: updated) == "300 lines")
        let build = try await runShellBuild(service, """
            name: greedy
            resources: { log_limit: 10GiB }
            commands: ["seq 1 2000"]
            """)
        #expect(build.status == .succeeded)
        // The manifest's size bound is added; the project's 300 lines still hold, and are what was reached.
        #expect(build.logLimit == "300 lines")
        #expect(build.logLines <= 300 + 20 && build.droppedLogLines >= 1700)
        // Back to the default with 0; nonsense is refused, naming the setting and the value.
        #expect(try service.changeProject(updated, try ProjectSetting.logLimit.change("0")).logLimit == nil)
        var message: String?
        do { _ = try ProjectSetting.logLimit.change("lots") } catch FactoryError.invalidInput(let m) { message = m }
        #expect(message == "log-limit `lots`: not a size or a line count (1GiB, 2000000 lines; 0: the default, 1.0 GiB)")
    }

    @Test func badLimitsInAManifestAreErrorsAtTheValue() {
        let check = ManifestFixtures.check("name: a\ncommands: [x]\nresources:\n  log_limit: 5000\n  on_log_limit: maybe\n")
        #expect(check.errors.map(\.field) == ["resources.log_limit", "resources.on_log_limit"])
        #expect(check.errors.map { $0.location?.description } == ["4:14", "5:17"])
        #expect(check.errors[0].message.hasPrefix("field `resources.log_limit`: invalid log limit `5000`"))
        #expect(check.errors[1].message == "field `resources.on_log_limit`: expected `continue` or `fail`, found `maybe`")
        let good = ManifestFixtures.check("name: a\ncommands: [x]\nresources:\n  log_limit: 2000000 lines\n  on_log_limit: fail\n")
        #expect(good.isValid)
        let manifest = try? #require(good.manifest)
        #expect(manifest?.resources.logLimit == LogLimit(maxLines: 2_000_000))
        // The canonical YAML reads back the same.
        if let manifest {
            #expect(ManifestFixtures.check(manifest.yaml()).manifest?.resources == manifest.resources)
        }
    }

    @Test func anAdminSetsTheProjectsLimitAndBuildShowCountsWhatWasDropped() async throws {
        let home = try TemporaryHome()
        let set = try await runCLI(["project", "set", "log-limit", "200 lines"], home: home)
        #expect(set.status == 0, "\(set.stderr)")
        #expect(try await runCLI(["project", "show"], home: home).stdout.contains("log limit:        200 lines"))
        _ = try home.write("chatty.yaml", "name: chatty\ncommands: [\"seq 1 1000\"]\n")
        let dry = try await runCLI(["build", "dry-run", "chatty.yaml"], home: home)
        #expect(dry.stdout.contains("  - log 200 lines: output past it is counted, not stored; the build goes on"))
        let start = try await runCLI(["build", "start", "chatty.yaml", "--wait"], home: home)
        #expect(start.status == 0, "\(start.stdout)\(start.stderr)")
        let show = try await runCLI(["build", "show", "1"], home: home)
        let dropped = try #require(show.stdout.split(separator: "\n").first { $0.contains("log limit 200 lines reached") })
        // seq's 1,000 lines: the ones not stored are counted to the line.
        let logs = try await runCLI(["build", "logs", "1"], home: home)
        let kept = logs.stdout.split(separator: "\n").compactMap { Int($0) }
        #expect(!kept.isEmpty && kept == Array(1...kept.count))
        #expect(dropped.hasSuffix("\(DisplayFormat.grouped(Int64(1000 - kept.count))) further lines not stored"), "\(dropped) kept \(kept)")
        let bad = try await runCLI(["project", "set", "log-limit", "lots"], home: home)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("log-limit `lots`: not a size or a line count"))
    }
}
