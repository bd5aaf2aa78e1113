import Foundation
import Testing
import ImageFactoryCore

/// Issue 15: compare a failing build with its last good build of the same manifest, both real builds run
/// by the service. Their logs differ in each build's own tokens (workspace, cgroup, id) everywhere, and
/// really only where the linker failed.
@Suite struct LogComparisonRealBuildTests {
    /// One manifest for both builds: a file in the test's home decides whether "linking" fails. The
    /// commands print the build's own workspace, id and cgroup the way build tools do.
    private func manifest(flag: String) -> String {
        """
        name: linker
        commands:
          - echo "entering directory $PWD"
          - echo "IMAGEFACTORY_WORKSPACE=$IMAGEFACTORY_WORKSPACE"
          - echo "IMAGEFACTORY_BUILD_ID=$IMAGEFACTORY_BUILD_ID"
          - cat /proc/self/cgroup 2>/dev/null || true
          - echo "cc -c -o $PWD/main.o main.c"
          - |
            if [ -e \(flag) ]; then echo "ld: $PWD/main.o: undefined reference to foo" >&2; exit 1; fi
          - echo linked > app.bin
        artifacts: [app.bin]
        resources:
          memory: 512MiB
        """
    }

    /// Every line the comparison reports as added or removed, with its step's name.
    private func differences(_ comparison: LogComparison) -> [(step: String, line: LogComparison.Line)] {
        comparison.steps.flatMap { step in
            step.hunks.flatMap(\.lines).filter { $0.kind != .same }.map { (step.name, $0) }
        }
    }

    /// The tokens only one build has, as they appear in its log.
    private func ownTokens(_ build: Build, _ home: TemporaryHome) -> [String] {
        let directory = home.directory
        return [directory.workspace(for: build.id!).path, directory.logDirectory(for: build.id!).path,
                "build-\(build.id!.rawValue)", "IMAGEFACTORY_BUILD_ID=\(build.id!.rawValue)"]
    }

    @Test func failingBuildDivergesFromItsLastGoodBuildAtTheLinkerError() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let flag = home.url.appendingPathComponent("make-the-linker-fail").path
        let text = manifest(flag: flag)
        let good = try await runShellBuild(service, text)
        #expect(good.status == .succeeded)
        FileManager.default.createFile(atPath: flag, contents: nil)
        let bad = try await runShellBuild(service, text)
        #expect(bad.status == .failed)
        // The logs do carry each build's own tokens: that is what must not count as a difference.
        let goodLog = try allLogText(service, good).map(\.text).joined(separator: "\n")
        let badLog = try allLogText(service, bad).map(\.text).joined(separator: "\n")
        for token in ownTokens(good, home).prefix(1) + ownTokens(good, home).suffix(1) { #expect(goodLog.contains(token)) }
        for token in ownTokens(bad, home).prefix(1) + ownTokens(bad, home).suffix(1) { #expect(badLog.contains(token)) }

        let report = try InProcessFactoryAPI(service: service).compareWithLastGood(bad.id!)
        #expect(report.good.build.id == good.id)
        #expect(report.bad.build.id == bad.id)
        let comparison = report.comparison
        let steps = try service.steps(of: bad).map(\.name)
        let buildStep = try #require(steps.firstIndex(of: "Build"))
        #expect(comparison.firstDivergentStep?.index == buildStep)
        #expect(comparison.firstDivergentStep?.name == "Build")
        #expect(comparison.firstDivergentStep?.index == 2, "step 3 of Setup, Install dependencies, Build, Artifacts")
        #expect(comparison.steps.prefix(buildStep).allSatisfy { !$0.differs })
        let setup = try #require(comparison.steps.first)
        #expect(setup.name == "Setup")
        #expect(setup.same == setup.leftLineCount && setup.same == setup.rightLineCount)

        let differences = differences(comparison)
        // The linker error is reported, in the Build step.
        let added = differences.filter { $0.line.kind == .added }
        #expect(added.contains { $0.step == "Build" && ($0.line.rightText ?? "").contains("undefined reference to foo") })
        // The Build step's only differences: the error, the runner's report of it, and the commands that
        // did not run; no line differs only in a workspace, cgroup or id.
        for (step, line) in differences {
            let text = line.leftText ?? line.rightText ?? ""
            switch step {
            case "Build":
                #expect(text.contains("undefined reference to foo") || text.hasPrefix("error: command")
                            || text == "`" || text == "$ echo linked > app.bin", "unexpected difference: \(text)")
            case "Artifacts":
                // The failing build never got there: the good build's lines only, none of them a path.
                #expect(line.kind == .removed, "unexpected difference in Artifacts: \(text)")
            default:
                Issue.record("difference in step \(step): \(text)")
            }
            for token in ownTokens(good, home) + ownTokens(bad, home) where line.kind != .added || !text.contains("undefined") {
                #expect(!text.contains(token), "a difference in \(step) involves \(token): \(text)")
            }
        }
        let unified = comparison.unified(context: 0)
        #expect(unified.first { $0.hasPrefix("@@") } == "@@ step 3: Build @@")
        #expect(unified.contains { $0.hasPrefix("+ld: ") && $0.contains("undefined reference to foo") })
    }

    @Test func twoGoodBuildsOfOneManifestCompareEqual() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let text = manifest(flag: home.url.appendingPathComponent("never-created").path)
        let first = try await runShellBuild(service, text)
        let second = try await runShellBuild(service, text)
        #expect(first.status == .succeeded)
        #expect(second.status == .succeeded)
        let report = try InProcessFactoryAPI(service: service).compareWithLastGood(second.id!)
        #expect(report.good.build.id == first.id)
        let differences = differences(report.comparison)
        #expect(report.comparison.isEqual,
                "differences: \(differences.map { "\($0.step): \($0.line.leftText ?? $0.line.rightText ?? "")" })")
        #expect(report.comparison.firstDivergentStep == nil)
        // Masked, each build's directories read the same.
        let masked = report.comparison.steps.flatMap(\.hunks).flatMap(\.lines).map(\.masked)
        #expect(masked.contains("workspace: <workspace>"))
        #expect(masked.contains("IMAGEFACTORY_BUILD_ID=<n>"))
        #expect(masked.contains("entering directory <workspace>"))
    }
}
