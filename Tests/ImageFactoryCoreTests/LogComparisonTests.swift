import Foundation
import Testing
import ImageFactoryCore

/// Log directories under the temporary directory, removed when the test ends.
private final class ComparisonFixture {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("logcompare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Writes `(step, text)` lines as a log and opens it.
    func log(_ name: String, _ lines: [(UInt16, String)]) throws -> LogReader {
        let url = root.appendingPathComponent(name)
        let writer = try LogWriter(directory: url)
        for (i, (step, text)) in lines.enumerated() {
            let level: LogLevel = text.hasPrefix("error") ? .error : .info
            Array(text.utf8).withUnsafeBytes {
                writer.append(plain: $0, display: nil, timeMs: UInt32(i), step: step, level: level, stream: .stdout)
            }
        }
        try writer.flush()
        return try LogReader(directory: url)
    }
}

@Suite struct VolatileMaskTests {
    @Test(arguments: [
        ("2026-11-26T12:00:01Z started", "<time> started"),
        ("at 2026-11-26T12:00:01.123+01:00.", "at <time>."),
        ("date 2026-11-26 12:00:01,5 done", "date <time> done"),
        ("[12:00:01.123] compiling", "[<time>] compiling"),
        ("Thu, 26 Nov 2026 12:00:01 GMT x", "<time> x"),
        ("Thu Nov 26 12:00:01 UTC 2026", "<time>"),
        ("Nov 26 12:00:01 host sshd", "<time> host sshd"),
        ("took 1.23s", "took <dur>"),
        ("done in 450ms, 2m3s total", "done in <dur>, <dur> total"),
        ("finished in 0.4s", "finished in <dur>"),
        ("waited 3 seconds", "waited <dur>"),
        ("real 0m1.234s", "real <dur>"),
        ("#5 0.215 RUN make", "#<n> <dur> RUN make"),
        ("#5 DONE 0.3s", "#<n> DONE <dur>"),
        ("build #12 started", "build #<n> started"),
        ("image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "image sha256:<hash>"),
        ("container 4f3c2b1a0d9e started", "container <hash> started"),
        ("HEAD is now at a1b2c3d fix", "HEAD is now at <hash> fix"),
        ("id 123e4567-e89b-12d3-a456-426614174000 ok", "id <uuid> ok"),
        ("wrote /tmp/tmp.Xa81kq/out.o", "wrote <tmp>/out.o"),
        ("cd /var/tmp/build-9x2/src", "cd <tmp>/src"),
        ("in /var/folders/q1/zz8k_2x/T/cache", "in <tmp>/cache"),
        ("cp /home/ci/.imagefactory/workspaces/build-12/app.bin out", "cp <tmp>/app.bin out"),
        ("dockerd[1234]: ready", "dockerd[<pid>]: ready"),
        ("started pid 4242", "started pid <pid>"),
        ("sent 12.3 MB in total, 512KiB left", "sent <size> in total, <size> left"),
        ("Downloading 45% 1.2MB/s", "Downloading <pct> <size>/s"),
    ])
    func masks(_ input: String, _ expected: String) {
        #expect(VolatileMask.mask(input) == expected)
    }

    @Test(arguments: [
        "exit code 1",
        "Step 3/5 : RUN make -j4",
        "gcc -O2 -o app main.c",
        "version 1.2.3 installed",
        "x86_64-linux-gnu arm64v8",
        "deadbeef is a word here",
        "/usr/local/bin/tool",
        "compiled 1234 files",
    ])
    func keepsRealContent(_ input: String) {
        #expect(VolatileMask.mask(input) == input)
    }
}

/// A build's own tokens (issue 15): build 12, #5, of a data directory at /data.
@Suite struct VolatileMaskOwnBuildTests {
    static let build = VolatileMask.BuildTokens(id: 12, number: 5, workspace: ["/data/workspaces/build-12"],
                                                logs: ["/data/logs/build-12/"], artifacts: ["/data/artifacts/build-12"])

    @Test(arguments: [
        ("workspace: /data/workspaces/build-12", "workspace: <workspace>"),
        ("cp /data/workspaces/build-12/app.bin /data/artifacts/build-12/app.bin", "cp <workspace>/app.bin <artifacts>/app.bin"),
        ("PWD=/data/workspaces/build-12", "PWD=<workspace>"),
        ("log in /data/logs/build-12: ok", "log in <logs>: ok"),
        ("enforced at /sys/fs/cgroup/memory/imagefactory-bc69fd8a96/build-12", "enforced at /sys/fs/cgroup/memory/imagefactory-<hash>/build-<n>"),
        ("4:memory:/imagefactory-bc69fd8a96/build-12", "4:memory:/imagefactory-<hash>/build-<n>"),
        ("IMAGEFACTORY_BUILD_ID=12", "IMAGEFACTORY_BUILD_ID=<n>"),
        ("build 5 linker started", "build <n> linker started"),
        ("Build number: 5", "Build number: <n>"),
        ("build id 12 at 2026-11-26T12:00:01Z", "build id <n> at <time>"),
        ("wrote /data/artifacts/build-12.tar", "wrote /data/artifacts/build-<n>.tar"),
    ])
    func masksTheBuildsOwnTokens(_ input: String, _ expected: String) {
        #expect(VolatileMask.mask(input, build: Self.build) == expected)
        // Without the build, they stay (apart from the usual volatile tokens).
        #expect(!VolatileMask.mask(input).contains("<workspace>"))
        #expect(!VolatileMask.mask(input).contains("<n>"))
    }

    @Test(arguments: [
        "exit status 12",
        "build 13 linker started",
        "rebuild 12 files",
        "build 5.1 of the compiler",
        "make -j 12",
        "/data/logs/build-120/index",
        "cgroup /imagefactory/build-7",
    ])
    func keepsOtherNumbersAndPaths(_ input: String) {
        #expect(VolatileMask.mask(input, build: Self.build) == input)
    }
}

@Suite struct LogComparisonTests {
    private let names = ["checkout", "build", "test"]

    @Test func eachSideIsMaskedWithItsOwnBuildsTokens() throws {
        let fixture = try ComparisonFixture()
        func log(_ name: String, id: Int64, real: String) throws -> LogReader {
            // Over 100 lines: a bounded comparison, which reads shown lines back and masks them again.
            try fixture.log(name, [
                (0, "workspace: /data/workspaces/build-\(id)"),
                (0, "limit: memory at /sys/fs/cgroup/memory/imagefactory-0a1b2c3d4e/build-\(id)"),
            ] + (0..<150).map { (UInt16(1), "cc -c -o /data/workspaces/build-\(id)/obj\($0).o src\($0).c") }
              + [(1, real), (1, "IMAGEFACTORY_BUILD_ID=\(id)")])
        }
        let tokens = { (id: Int64) in
            VolatileMask.BuildTokens(id: id, number: id - 3, workspace: ["/data/workspaces/build-\(id)"])
        }
        let left = try log("left", id: 4, real: "ld: linked app")
        let right = try log("right", id: 5, real: "ld: undefined reference to `foo'")
        for maxLines in [200_000, 100] {
            let comparison = try LogComparison.compare(left: left, right: right, leftSteps: names, rightSteps: names,
                                                       leftBuild: tokens(4), rightBuild: tokens(5), maxLines: maxLines)
            #expect(comparison.isApproximate == (maxLines == 100))
            #expect(comparison.firstDivergentStep == LogComparison.StepReference(index: 1, name: "build", position: 1))
            #expect(comparison.added == 1)
            #expect(comparison.removed == 1)
            let lines = comparison.steps[1].hunks.flatMap(\.lines)
            #expect(lines.filter { $0.kind == .added }.map(\.rightText) == ["ld: undefined reference to `foo'"])
            #expect(lines.filter { $0.kind == .removed }.map(\.leftText) == ["ld: linked app"])
            #expect(lines.contains { $0.kind == .same && $0.masked == "cc -c -o <workspace>/obj149.o src149.c" })
            #expect(lines.contains { $0.kind == .same && $0.masked == "IMAGEFACTORY_BUILD_ID=<n>" })
        }
        // Without the builds, the cgroup and the id differ (workspaces outside /tmp were masked already).
        let unmasked = try LogComparison.compare(left: left, right: right, leftSteps: names, rightSteps: names)
        #expect(unmasked.firstDivergentStep?.name == "checkout")
        #expect(unmasked.added == 3)
    }

    @Test func logsDifferingOnlyInVolatileTokensCompareEqual() throws {
        let fixture = try ComparisonFixture()
        let left = try fixture.log("left", [
            (0, "2026-11-25T10:00:00Z cloning into /tmp/tmp.a1B2c3"),
            (0, "HEAD is now at 1a2b3c4d fix"),
            (1, "#5 0.215 RUN make"),
            (1, "built app in 12.5s (34.1 MB)"),
            (2, "ok 12 tests passed in 450ms"),
            (2, "workspace /data/workspaces/build-7/out"),
        ])
        let right = try fixture.log("right", [
            (0, "2026-11-26T12:00:01Z cloning into /tmp/tmp.ZZ91xx"),
            (0, "HEAD is now at 9f8e7d6c fix"),
            (1, "#7 1.002 RUN make"),
            (1, "built app in 13.1s (34.2 MB)"),
            (2, "ok 12 tests passed in 512ms"),
            (2, "workspace /data/workspaces/build-8/out"),
        ])
        let comparison = try LogComparison.compare(left: left, right: right, leftSteps: names, rightSteps: names)
        #expect(comparison.isEqual)
        #expect(comparison.firstDivergentStep == nil)
        #expect(comparison.same == 6)
        #expect(comparison.steps.map(\.name) == names)
        #expect(comparison.unified(context: 3) == [])
        #expect(!comparison.isApproximate)
        let line = comparison.steps[0].hunks[0].lines[0]
        #expect(line.leftText == "2026-11-25T10:00:00Z cloning into /tmp/tmp.a1B2c3")
        #expect(line.rightText == "2026-11-26T12:00:01Z cloning into /tmp/tmp.ZZ91xx")
        #expect(line.masked == "<time> cloning into <tmp>")
    }

    private func stepLines(_ step: UInt16, _ count: Int, prefix: String) -> [(UInt16, String)] {
        (0..<count).map { (step, "\(prefix) line \($0) took \($0 % 7).\($0 % 10)s") }
    }

    @Test func realDifferenceIsFoundInItsStep() throws {
        let fixture = try ComparisonFixture()
        var leftLines = stepLines(0, 10, prefix: "checkout") + stepLines(1, 20, prefix: "build")
        var rightLines = leftLines
        leftLines += [(1, "linking app")] + stepLines(2, 5, prefix: "test")
        rightLines[25] = (1, "build line 15 took 2.0s with warning: unused variable")
        rightLines += [(1, "error: undefined reference to `main'"), (1, "linking app")]
        let left = try fixture.log("left", leftLines)
        let right = try fixture.log("right", rightLines)
        let comparison = try LogComparison.compare(left: left, right: right, leftSteps: names, rightSteps: names)
        #expect(!comparison.isEqual)
        #expect(comparison.firstDivergentStep == LogComparison.StepReference(index: 1, name: "build", position: 1))
        #expect(comparison.added == 2)
        #expect(comparison.removed == 6)
        #expect(comparison.steps.map(\.differs) == [false, true, true])
        #expect(comparison.steps[2].rightStep == 2)
        #expect(comparison.steps[2].rightLineCount == 0)
        #expect(comparison.steps[2].removed == 5)

        let expected: [String] = [
            "--- build 11",
            "+++ build 12",
            "@@ step 2: build @@",
            " build line 14 took 0.4s",
            "-build line 15 took 1.5s",
            "+build line 15 took 2.0s with warning: unused variable",
            " build line 16 took 2.6s",
            "@@ step 2: build @@",
            " build line 19 took 5.9s",
            "+error: undefined reference to `main'",
            " linking app",
            "@@ step 3: test @@",
            "-test line 0 took 0.0s",
            "-test line 1 took 1.1s",
            "-test line 2 took 2.2s",
            "-test line 3 took 3.3s",
            "-test line 4 took 4.4s",
        ]
        #expect(comparison.unified(context: 1, leftLabel: "build 11", rightLabel: "build 12") == expected)

        let rows = comparison.sideBySide()
        #expect(rows.filter { $0.kind == .header }.map(\.left) == ["step 1: checkout", "step 2: build", "step 3: test"])
        #expect(rows.filter { $0.kind == .header }.map(\.right) == ["step 1: checkout", "step 2: build", "step 3: test"])
        let changed = rows.filter { $0.kind == .changed }
        #expect(changed.count == 1)
        #expect(changed[0].left == "build line 15 took 1.5s")
        #expect(changed[0].right == "build line 15 took 2.0s with warning: unused variable")
        #expect(rows.filter { $0.kind == .added }.map(\.right) == ["error: undefined reference to `main'"])
        #expect(rows.filter { $0.kind == .removed }.count == 5)
        #expect(rows.filter { $0.kind == .same }.count == 10 + 20 - 1 + 1)
    }

    @Test func stepsPairByNameWhenOneIsInserted() throws {
        let fixture = try ComparisonFixture()
        let left = try fixture.log("left", stepLines(0, 3, prefix: "a") + stepLines(1, 3, prefix: "c"))
        let right = try fixture.log("right", stepLines(0, 3, prefix: "a") + stepLines(1, 2, prefix: "b") + stepLines(2, 3, prefix: "c"))
        let comparison = try LogComparison.compare(left: left, right: right, leftSteps: ["fetch", "test"],
                                                   rightSteps: ["fetch", "lint", "test"])
        #expect(comparison.steps.map(\.name) == ["fetch", "lint", "test"])
        #expect(comparison.steps.map(\.leftStep) == [0, nil, 1])
        #expect(comparison.steps.map(\.rightStep) == [0, 1, 2])
        #expect(comparison.steps.map(\.differs) == [false, true, false])
        #expect(comparison.firstDivergentStep?.name == "lint")
        #expect(comparison.firstDivergentStep?.index == 1)
        #expect(comparison.added == 2)
        #expect(comparison.removed == 0)
    }

    /// Build-like output: repeated compiler lines with counters, so lines are not all unique.
    private func buildLog(_ count: Int, seed: Int) -> [(UInt16, String)] {
        (0..<count).map { i in
            let step = UInt16(min(2, i * 3 / count))
            switch i % 10 {
            case 0: return (step, "[\(i / 10)/\(count / 10)] Compiling module\(i % 97).swift")
            case 1: return (step, "note: took \(seed + i % 13).\(i % 10)ms at 2026-11-2\(seed)T10:\(10 + i % 50):00Z")
            case 2: return (step, "")
            default: return (step, "output \(i % 211) for object \(i / 3)")
            }
        }
    }

    @Test func tenThousandLinesCompareQuickly() throws {
        let fixture = try ComparisonFixture()
        let leftLines = buildLog(10_000, seed: 1)
        var rightLines = buildLog(10_000, seed: 2)
        // A handful of real changes spread over the log, and a block moved in.
        for i in stride(from: 503, to: 10_000, by: 1_000) { rightLines[i].1 += " CHANGED" }
        rightLines.insert(contentsOf: (0..<40).map { (UInt16(2), "new test output \($0)") }, at: 9_000)
        let left = try fixture.log("left", leftLines)
        let right = try fixture.log("right", rightLines)
        let started = Date()
        let comparison = try LogComparison.compare(left: left, right: right, leftSteps: names, rightSteps: names)
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        print("compare 10,000 vs 10,040 lines: \(ms) ms, +\(comparison.added) -\(comparison.removed) =\(comparison.same)")
        #expect(comparison.removed == 10)
        #expect(comparison.added == 50)
        #expect(comparison.same == 9_990)
        #expect(comparison.firstDivergentStep?.name == "checkout")
        #expect(!comparison.isApproximate)
    }

    @Test func bigLogsGetABoundedComparisonWithANotice() throws {
        let fixture = try ComparisonFixture()
        let leftLines = buildLog(6_000, seed: 1)
        var rightLines = buildLog(6_000, seed: 3)
        rightLines[4_503].1 = "something else entirely"
        let left = try fixture.log("left", leftLines)
        let right = try fixture.log("right", rightLines)
        let comparison = try LogComparison.compare(left: left, right: right, leftSteps: names, rightSteps: names,
                                                   maxLines: 1_000)
        #expect(comparison.isApproximate)
        #expect(!comparison.notices.isEmpty)
        #expect(comparison.added == 1)
        #expect(comparison.removed == 1)
        #expect(comparison.firstDivergentStep?.name == "test")
        let hunks = comparison.steps[2].hunks
        #expect(hunks.count == 1)
        #expect(hunks[0].lines.count == 2 + 2 * 5)
        #expect(hunks[0].lines.map(\.kind).filter { $0 != .same } == [.removed, .added])
        #expect(comparison.unified(context: 1).count == 2 + 1 + 4)
        let rows = comparison.sideBySide()
        #expect(rows.filter { $0.kind == .gap }.count == 4)
        #expect(rows.filter { $0.kind == .changed }.map(\.right) == ["something else entirely"])
    }
}
