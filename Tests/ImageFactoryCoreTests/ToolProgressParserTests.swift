import Foundation
import Testing
@testable import ImageFactoryCore

// Fixtures in Fixtures/samples/ and where they come from:
// - podman-runc, podman-multi, podman-deb, buildah-vfs, docker-bk-plain, docker-legacy, nix-internal-json,
//   packer-*-machine-readable, packer-null-human: recorded on this kind of machine (see its README).
// - podman-fail.log: podman 4.3.1 `--runtime runc --cgroup-manager cgroupfs --events-backend file build`,
//   FROM scratch + COPY busybox (static) + RUN that exits 1, second run (steps 2 to 4 from the cache).
// - podman-pull-fail.log: the same podman, `FROM docker.io/library/alpine:3.19` with no registry reachable
//   (it failed after 0.03 s: the DNS lookup fails at once here).
// - nix-fail.log / nix-success.log: nix 2.8 `nix-build --log-format internal-json -v -E 'derivation {...}'
//   --no-out-link` with a builder that exits 3, and one that writes $out (its output path is the last line).
// - packer-fail-machine-readable.log / packer-fail-human.log: packer 1.6.6, null builder, shell-local `exit 3`.
// - kaniko-success.log: the `kubectl logs kaniko` output in kaniko's own tutorial,
//   https://github.com/GoogleContainerTools/kaniko/blob/7771d1b44821d54b5892042fe17bcd27c63b803c/docs/tutorial.md
// - kaniko-fail.log: the executor output in
//   https://github.com/mbfisher/kaniko-multi-stage-bug/blob/dbc099295b5aaa54803b91cde3bb397affbdba39/README.md
//   (the reproduction of https://github.com/GoogleContainerTools/kaniko/issues/533), without the shell's
//   `+ docker run ...` trace line.
// - kaniko-run-excerpt.log: the output quoted in https://github.com/GoogleContainerTools/kaniko/issues/812,
//   up to the last complete line of the stored copy (the quote continues; the log is not whole).
// - docker-legacy-fail.log: the `docker build` output quoted in
//   https://github.com/GoogleContainerTools/kaniko/issues/1649
// - buildkit-plain-fail.log: the BuildKit output quoted in an earlier revision of readme.md in
//   https://github.com/sansajn/jenkins (docker 20.10 plain progress; make's own lines left out).
// - buildkit-rawjson.log: written by hand (nothing here writes rawjson: see Fixtures/samples/README.md) in the shape BuildKit's rawjson display writes:
//   `json.NewEncoder(w).Encode(ss)` of a `client.SolveStatus` (moby/buildkit
//   util/progress/progressui/display.go, rawJSONDisplay), whose JSON field names come from moby/buildkit
//   client/graph.go (`vertexes`/`statuses`/`logs`/`warnings`; vertex `digest,inputs,name,started,completed,
//   cached,error`; status `id,vertex,name,total,current,timestamp,started,completed`; log `vertex,stream,
//   data` ([]byte, so base64),`timestamp`). Go's encoder escapes `<`, `>`, `&` and trims trailing zeros of
//   RFC 3339 nanosecond times; the fixture does the same. The last line is the plain `ERROR:` buildx prints.

// MARK: - Folding a parser's events

enum FoldedToolStatus: String, Sendable, Equatable {
    case running, finished, cached, failed
}

struct FoldedToolStep: Sendable, Equatable, CustomStringConvertible {
    var key: String
    var name: String
    var group: String?
    var status: FoldedToolStatus
    var failure: String?

    var description: String { "\(key) \(name) [\(group ?? "-")] \(status.rawValue)\(failure.map { ": \($0)" } ?? "")" }
}

struct FoldedToolArtifact: Sendable, Equatable {
    var path: String
    var kind: String?
}

struct FoldedToolProgress: Sendable, Equatable {
    var done: Int64
    var expected: Int64?
}

/// What a parser made of a whole log: its steps in the order they started, and everything else it reported.
struct FoldedToolRun: Sendable {
    var steps: [FoldedToolStep] = []
    var errors: [String] = []
    var artifacts: [FoldedToolArtifact] = []
    var fingerprints: [String] = []
    /// Every progress report, per key, in order.
    var progress: [String: [FoldedToolProgress]] = [:]
    /// Each input line with what the parser said about it.
    var lines: [(text: String, result: ToolLine)] = []
    /// Keys of events (other than progress) that name no started step, and steps started twice.
    var inconsistencies: [String] = []

    var names: [String] { steps.map(\.name) }
    var keys: [String] { steps.map(\.key) }
    func step(_ key: String) -> FoldedToolStep? { steps.first { $0.key == key } }
    func keys(with status: FoldedToolStatus) -> [String] { steps.filter { $0.status == status }.map(\.key) }
    /// The step keys the parser gave the lines whose text contains `fragment`.
    func stepKeys(ofLinesContaining fragment: String) -> [String?] {
        lines.filter { $0.text.contains(fragment) }.map(\.result.stepKey)
    }
    func levels(ofLinesContaining fragment: String) -> [LogLevel?] {
        lines.filter { $0.text.contains(fragment) }.map(\.result.level)
    }

    mutating func apply(_ event: ToolProgressEvent) {
        func index(_ key: String) -> Int? {
            guard let found = steps.firstIndex(where: { $0.key == key }) else {
                inconsistencies.append("event for unknown step \(key): \(event)")
                return nil
            }
            return found
        }
        switch event {
        case let .started(key, name, group):
            if steps.contains(where: { $0.key == key }) {
                inconsistencies.append("started twice: \(key)")
            } else {
                steps.append(FoldedToolStep(key: key, name: name, group: group, status: .running))
            }
        case let .cached(key):
            if let i = index(key) { steps[i].status = .cached }
        case let .finished(key):
            if let i = index(key), steps[i].status == .running { steps[i].status = .finished }
        case let .failed(key, message):
            if let i = index(key) {
                steps[i].status = .failed
                steps[i].failure = message ?? steps[i].failure
            }
        case let .progress(key, done, expected):
            progress[key, default: []].append(FoldedToolProgress(done: done, expected: expected))
        case let .error(message):
            errors.append(message)
        case let .artifact(path, kind):
            artifacts.append(FoldedToolArtifact(path: path, kind: kind))
        case let .fingerprint(value):
            fingerprints.append(value)
        }
    }
}

/// The lines of a fixture as the runner hands them to a parser: split on newlines and on `\r`, ANSI escapes removed.
func toolFixtureLines(_ name: String) throws -> [String] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/samples/\(name)")
    let bytes = try Data(contentsOf: url)
    // Split on bytes: in a Swift String "\r\n" is one Character, and the tools print "\r\r\n".
    var rows = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if rows.last?.isEmpty == true { rows.removeLast() }
    var lines: [String] = []
    for row in rows {
        let parts = row.split(separator: UInt8(ascii: "\r")).map { removingTerminalEscapes(String(decoding: $0, as: UTF8.self)) }
        lines += parts.isEmpty ? [""] : parts
    }
    return lines
}

func removingTerminalEscapes(_ text: String) -> String {
    text.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[ -/]*[@-~]", with: "", options: .regularExpression)
}

func foldToolOutput<P: ToolProgressParser>(_ parser: P, lines: [String], succeeded: Bool) -> FoldedToolRun {
    var parser = parser
    var run = FoldedToolRun()
    for line in lines {
        let result = parser.parse(line)
        run.lines.append((line, result))
        result.events.forEach { run.apply($0) }
    }
    parser.finish(succeeded: succeeded).forEach { run.apply($0) }
    return run
}

func foldToolOutput<P: ToolProgressParser>(_ parser: P, fixture: String, succeeded: Bool) throws -> FoldedToolRun {
    foldToolOutput(parser, lines: try toolFixtureLines(fixture), succeeded: succeeded)
}

@Suite struct ToolProgressParserTests {

    // MARK: - podman / buildah

    @Test func podmanStepsCacheAndImageID() throws {
        let run = try foldToolOutput(PodmanProgressParser(), fixture: "podman-runc.log", succeeded: true)
        #expect(run.names == [
            "FROM scratch",
            "COPY busybox /bin/busybox",
            #"RUN ["/bin/busybox","sh","-c","echo hi > /hello"]"#,
            #"RUN ["/bin/busybox","--install","-s","/bin"]"#,
            "ENV PATH=/bin",
            #"RUN echo "shell form works" > /shell.txt && ls -la / && cat /hello"#,
            #"CMD ["/bin/sh","-c","cat /hello"]"#,
            "COMMIT localhost/probe:pod",
        ])
        #expect(run.keys == ["1", "2", "3", "4", "5", "6", "7", "commit"])
        #expect(run.keys(with: .cached) == ["2"])
        #expect(run.keys(with: .finished) == ["1", "3", "4", "5", "6", "7", "commit"])
        #expect(run.steps.allSatisfy { $0.group == nil })
        #expect(run.errors.isEmpty)
        #expect(run.fingerprints == ["3d0acc107fd34300345f86cc89dd05d72f3ae8d0620daadb3ad5c9f84252605a"])
        #expect(run.stepKeys(ofLinesContaining: "shell.txt") == ["6", "6"])
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func podmanMultiPlatformStepsAreGroupedPerPlatform() throws {
        let run = try foldToolOutput(PodmanProgressParser(), fixture: "podman-multi.log", succeeded: true)
        let arm = ["linux/arm64#1", "linux/arm64#2", "linux/arm64#3", "linux/arm64#4", "linux/arm64#5", "linux/arm64#commit"]
        let amd = ["linux/amd64#1", "linux/amd64#2", "linux/amd64#3", "linux/amd64#4", "linux/amd64#5", "linux/amd64#commit"]
        #expect(run.keys == arm + amd)
        #expect(run.steps.filter { $0.group == "linux/arm64" }.map(\.key) == arm)
        #expect(run.steps.filter { $0.group == "linux/amd64" }.map(\.key) == amd)
        #expect(run.step("linux/arm64#3")?.name == "COPY busybox-${TARGETARCH} /bin/busybox")
        #expect(run.step("linux/amd64#commit")?.name == "COMMIT")
        #expect(run.keys(with: .cached) == ["linux/amd64#2"])
        #expect(run.keys(with: .running).isEmpty && run.keys(with: .failed).isEmpty)
        #expect(run.levels(ofLinesContaining: "[Warning]") == [.warn, .warn])
        #expect(run.fingerprints == [
            "367ce6c46893de27d2e71d4f12e4c7cf32554d463922a34d989f02f4284a8218",
            "1b0f0e05d745d6bbd22b43b93ada46cbfda2b0ba7077d883fccdd0338968470b",
        ])
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func buildahAndDebianBuildsReadTheSameWay() throws {
        let vfs = try foldToolOutput(PodmanProgressParser(), fixture: "buildah-vfs.log", succeeded: true)
        #expect(vfs.keys == ["1", "2", "3", "4", "5", "6", "7", "commit"])
        #expect(vfs.step("commit")?.name == "COMMIT localhost/probe:vfs")
        #expect(vfs.keys(with: .finished) == vfs.keys)
        #expect(vfs.stepKeys(ofLinesContaining: "Copying blob") == ["commit"])

        let deb = try foldToolOutput(PodmanProgressParser(), fixture: "podman-deb.log", succeeded: true)
        #expect(deb.names == [
            "FROM localhost/debian:bookworm-local",
            "RUN apt-get update && apt-get install -y --no-install-recommends hello && hello",
            "COMMIT localhost/hello:1",
        ])
        #expect(deb.stepKeys(ofLinesContaining: "Hello, world!") == ["2"])
        #expect(deb.keys(with: .finished) == ["1", "2", "commit"])
        #expect(vfs.inconsistencies.isEmpty && deb.inconsistencies.isEmpty)
    }

    @Test func podmanFailedRunStepGivesTheReason() throws {
        let run = try foldToolOutput(PodmanProgressParser(), fixture: "podman-fail.log", succeeded: false)
        let reason = #"building at STEP "RUN echo "about to fail" && ls /nonexistent && echo never": while running runtime: exit status 1"#
        #expect(run.keys == ["1", "2", "3", "4", "5"])
        #expect(run.keys(with: .cached) == ["2", "3", "4"])
        #expect(run.keys(with: .finished) == ["1"])
        #expect(run.step("5")?.status == .failed)
        #expect(run.step("5")?.failure == reason)
        #expect(run.errors == [reason])
        #expect(run.stepKeys(ofLinesContaining: "No such file or directory") == ["5"])
        #expect(run.levels(ofLinesContaining: "Error: building") == [.error])
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func podmanUnreachableRegistryFailsTheFromStep() throws {
        let run = try foldToolOutput(PodmanProgressParser(), fixture: "podman-pull-fail.log", succeeded: false)
        let reason = #"creating build container: initializing source docker://alpine:3.19: pinging container registry registry-1.docker.io: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host"#
        #expect(run.names == ["FROM docker.io/library/alpine:3.19"])
        #expect(run.step("1")?.status == .failed)
        #expect(run.step("1")?.failure == reason)
        #expect(run.errors == [reason])
        #expect(run.stepKeys(ofLinesContaining: "Trying to pull") == ["1"])
    }

    @Test func podmanClosesOpenStepsWhenTheToolExits() {
        let lines = ["STEP 1/2: FROM scratch", "STEP 2/2: RUN sleep 100"]
        #expect(foldToolOutput(PodmanProgressParser(), lines: lines, succeeded: false).keys(with: .failed) == ["2"])
        #expect(foldToolOutput(PodmanProgressParser(), lines: lines, succeeded: true).keys(with: .finished) == ["1", "2"])
        let old = foldToolOutput(PodmanProgressParser(), lines: ["STEP 1/1: RUN false", #"error building at STEP "RUN false": exit status 1"#], succeeded: false)
        #expect(old.errors == [#"error building at STEP "RUN false": exit status 1"#])
        #expect(old.step("1")?.failure == #"error building at STEP "RUN false": exit status 1"#)
        #expect(foldToolOutput(PodmanProgressParser(), lines: ["WARN[0000] something odd"], succeeded: true).lines[0].result.level == .warn)
        // A RUN step printing `Error:` has not failed the build.
        let chatty = foldToolOutput(PodmanProgressParser(), lines: ["STEP 1/2: RUN npm ci", "Error: optional dependency skipped", "--> 5b8de523a35", "STEP 2/2: CMD [\"node\"]"], succeeded: true)
        #expect(chatty.errors.isEmpty)
        #expect(chatty.keys(with: .finished) == ["1", "2"])
    }

    // MARK: - BuildKit plain

    @Test func buildKitPlainStepsCacheAndTransfers() throws {
        let run = try foldToolOutput(BuildKitPlainParser(), fixture: "docker-bk-plain.log", succeeded: true)
        #expect(run.names == [
            "[internal] load build definition from Containerfile",
            "[internal] load .dockerignore",
            "[internal] load build context",
            "[1/4] COPY busybox /bin/busybox",
            #"[2/4] RUN ["/bin/busybox","sh","-c","echo hi > /hello"]"#,
            #"[3/4] RUN ["/bin/busybox","--install","-s","/bin"]"#,
            #"[4/4] RUN echo "shell form works" > /shell.txt && ls -la / && cat /hello"#,
            "exporting to image",
        ])
        #expect(run.keys == ["1", "2", "3", "4", "5", "6", "7", "8"])
        #expect(run.keys(with: .cached) == ["4"])
        #expect(run.keys(with: .finished) == ["1", "2", "3", "5", "6", "7", "8"])
        #expect(run.progress["1"] == [FoldedToolProgress(done: 35, expected: nil)])
        #expect(run.progress["3"] == [FoldedToolProgress(done: 30, expected: nil)])
        #expect(run.progress["8"] == nil)
        #expect(run.stepKeys(ofLinesContaining: "#7 0.075") == Array(repeating: "7", count: 11))
        #expect(run.errors.isEmpty)
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func buildKitPlainFailedStepAndSolveError() throws {
        let run = try foldToolOutput(BuildKitPlainParser(), fixture: "buildkit-plain-fail.log", succeeded: false)
        let command = "executor failed running [/bin/sh -c useradd -d /home/${USER} -l -U -G sudo -m -s /bin/bash -u ${UID} ${USER}]: exit code: 4"
        #expect(run.names == ["[4/7] RUN useradd -d /home/developer -l -U -G sudo -m -s /bin/bash -u 0 developer"])
        #expect(run.step("7")?.status == .failed)
        #expect(run.step("7")?.failure == command)
        #expect(run.errors == ["failed to solve: " + command])
        // The `------` block repeats the failing step's output: its lines keep the step's key.
        #expect(run.lines[3...6].map(\.result.stepKey) == ["7", "7", "7", "7"])
        #expect(run.lines.last?.result.level == .error)
    }

    @Test func buildKitPlainNewerErrorBlockProgressAndPlatforms() {
        let lines = [
            "#5 [linux/arm64 2/2] RUN echo hi && exit 1",
            "#5 0.104 hi",
            "#6 [linux/amd64 1/2] FROM docker.io/library/alpine:3.19@sha256:abc",
            "#6 sha256:aaa 1.05MB / 2.81MB 0.2s",
            "#6 sha256:bbb 512B / 1.5kB 0.2s",
            "#6 sha256:aaa 2.81MB / 2.81MB 0.4s done",
            "#6 extracting sha256:aaa 0.1s done",
            "#6 DONE 0.5s",
            #"#5 ERROR: process "/bin/sh -c echo hi && exit 1" did not complete successfully: exit code: 1"#,
            "------",
            " > [linux/arm64 2/2] RUN echo hi && exit 1:",
            "0.104 hi",
            "------",
            "Dockerfile:2",
            "--------------------",
            "   2 | >>> RUN echo hi && exit 1",
            "--------------------",
            #"ERROR: failed to solve: process "/bin/sh -c echo hi && exit 1" did not complete successfully: exit code: 1"#,
        ]
        let run = foldToolOutput(BuildKitPlainParser(), lines: lines, succeeded: false)
        #expect(run.steps.map(\.group) == ["linux/arm64", "linux/amd64"])
        #expect(run.progress["6"] == [
            FoldedToolProgress(done: 1_050_000, expected: 2_810_000),
            FoldedToolProgress(done: 1_050_512, expected: 2_811_500),
            FoldedToolProgress(done: 2_810_512, expected: 2_811_500),
        ])
        #expect(run.step("6")?.status == .finished)
        #expect(run.step("5")?.failure == #"process "/bin/sh -c echo hi && exit 1" did not complete successfully: exit code: 1"#)
        #expect(run.lines[10...12].map(\.result.stepKey) == ["5", "5", "5"])
        #expect(run.lines[13].result.stepKey == nil)
        #expect(run.errors == [#"failed to solve: process "/bin/sh -c echo hi && exit 1" did not complete successfully: exit code: 1"#])
        let frontend = foldToolOutput(BuildKitPlainParser(), lines: ["failed to solve with frontend dockerfile.v0: failed to read dockerfile: open Dockerfile: no such file or directory"], succeeded: false)
        #expect(frontend.errors == ["failed to solve with frontend dockerfile.v0: failed to read dockerfile: open Dockerfile: no such file or directory"])
        #expect(BuildKitPlainParser.bytes("2.5GB") == 2_500_000_000)
        #expect(BuildKitPlainParser.bytes("1.5KiB") == 1536)
        #expect(BuildKitPlainParser.bytes("0.2s") == nil)
    }

    // MARK: - BuildKit rawjson

    @Test func buildKitRawJSONVertexesStatusesAndFailure() throws {
        let run = try foldToolOutput(BuildKitRawJSONParser(), fixture: "buildkit-rawjson.log", succeeded: false)
        let from = "sha256:75857a45899985be4c4d941e90b6b396d6c92a4c7437aaf0bf102089fe21379d"
        let copy = "sha256:6f5a6034e770acbfb3f797e6a7eb7948d470d45f9928f92b7d72dc7c45e6d0cd"
        let run1 = "sha256:34e9aedefffddf04c3cf3f9e055ba714e9ebe21b828e6170eeb7b610123d9f7d"
        let run2 = "sha256:b5761296cb55333e5741ae405b52a28261371d58008c13a21d2951668992adc9"
        let dockerfile = "sha256:254db0fb64a77d55007f54b1cfb8c3dc722afb404e3dce28e3b46899bce3aacf"
        let reason = #"process "/bin/sh -c exit 1" did not complete successfully: exit code: 1"#
        #expect(run.names == [
            "[internal] load build definition from Dockerfile",
            "[internal] load metadata for docker.io/library/busybox:latest",
            "[internal] load build context",
            "[1/4] FROM docker.io/library/busybox:latest@sha256:b29814cf5792e684cd75d6a7fce7a67a11887e312f87ca2ac2496d81f365ff72",
            "[2/4] COPY hello.txt /hello.txt",
            "[3/4] RUN echo hi > /hi && cat /hello.txt",
            "[4/4] RUN exit 1",
        ])
        #expect(run.keys(with: .cached) == [copy])
        #expect(run.keys(with: .failed) == [run2])
        #expect(run.step(run2)?.failure == reason)
        #expect(run.errors == [reason])
        #expect(run.keys(with: .running).isEmpty)
        #expect(run.step(run1)?.status == .finished)
        #expect(run.progress[dockerfile]?.last == FoldedToolProgress(done: 95, expected: nil))
        #expect(run.progress[from]?.last == FoldedToolProgress(done: 2_150_600, expected: 2_150_600))
        #expect(run.progress[from]?.first == FoldedToolProgress(done: 0, expected: nil))
        // The announcement alone (no `started`) is not a start.
        #expect(run.lines[0].result.events.isEmpty)
        #expect(run.lines.filter { $0.text.contains("\"logs\"") }.map(\.result.stepKey) == [run1, run2])
        #expect(run.levels(ofLinesContaining: "\"warnings\"") == [.warn])
        #expect(run.lines.last?.result.events.isEmpty == true)
        #expect(run.lines.last?.result.level == .error)
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func buildKitRawJSONCancellationIsNotTheReason() {
        let lines = [
            #"{"vertexes":[{"digest":"sha256:a","name":"[1/2] RUN sleep 9","started":"2024-01-01T00:00:00Z"}]}"#,
            #"{"vertexes":[{"digest":"sha256:a","name":"[1/2] RUN sleep 9","started":"2024-01-01T00:00:00Z","completed":"2024-01-01T00:00:01Z","error":"context canceled"}]}"#,
            "not json at all",
        ]
        let run = foldToolOutput(BuildKitRawJSONParser(), lines: lines, succeeded: false)
        #expect(run.step("sha256:a")?.status == .failed)
        #expect(run.errors.isEmpty)
        #expect(run.lines[2].result == ToolLine())
    }

    // MARK: - docker legacy builder

    @Test func dockerLegacyStepsAndImageID() throws {
        let run = try foldToolOutput(DockerLegacyParser(), fixture: "docker-legacy.log", succeeded: true)
        #expect(run.names == [
            "FROM scratch",
            "COPY busybox /bin/busybox",
            #"RUN ["/bin/busybox","sh","-c","echo hi > /hello"]"#,
            #"RUN ["/bin/busybox","--install","-s","/bin"]"#,
            "ENV PATH=/bin",
            #"RUN echo "shell form works" > /shell.txt && ls -la / && cat /hello"#,
            #"CMD ["/bin/sh","-c","cat /hello"]"#,
        ])
        #expect(run.keys(with: .finished) == ["1", "2", "3", "4", "5", "6", "7"])
        #expect(run.fingerprints == ["f4670f090b26"])
        #expect(run.stepKeys(ofLinesContaining: ".dockerenv") == ["6"])
        #expect(run.errors.isEmpty)
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func dockerLegacyNonZeroCodeFailsTheStep() throws {
        let run = try foldToolOutput(DockerLegacyParser(), fixture: "docker-legacy-fail.log", succeeded: false)
        let reason = "The command '/bin/sh -c exit 123' returned a non-zero code: 123"
        #expect(run.names == ["FROM python:3.7", "RUN exit 123"])
        #expect(run.step("1")?.status == .finished)
        #expect(run.step("2")?.status == .failed)
        #expect(run.step("2")?.failure == reason)
        #expect(run.errors == [reason])
        let cached = foldToolOutput(DockerLegacyParser(), lines: ["Step 1/2 : FROM alpine", " ---> 1d34ffeaf190", "Step 2/2 : RUN make", " ---> Using cache", " ---> 9f2b5a7c1e33", "Successfully built 9f2b5a7c1e33"], succeeded: true)
        #expect(cached.keys(with: .cached) == ["2"])
        #expect(cached.keys(with: .finished) == ["1"])
    }

    // MARK: - kaniko

    @Test func kanikoTutorialBuild() throws {
        let run = try foldToolOutput(KanikoProgressParser(), fixture: "kaniko-success.log", succeeded: true)
        #expect(run.names == ["FROM ubuntu", #"ENTRYPOINT ["/bin/bash", "-c", "echo hello"]"#])
        #expect(run.keys(with: .finished) == ["1", "2"])
        #expect(run.stepKeys(ofLinesContaining: "Taking snapshot") == ["1"])
        #expect(run.errors.isEmpty)
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func kanikoMultiStageFailure() throws {
        let run = try foldToolOutput(KanikoProgressParser(), fixture: "kaniko-fail.log", succeeded: false)
        let reason = "error building image: error building stage: lstat /kaniko/builder: no such file or directory"
        #expect(run.names == [
            "FROM mbfisher/kaniko-multi-stage-bug:builder",
            #"RUN mkdir /app && echo "Hello, World!" > /app/index"#,
            "FROM mbfisher/kaniko-multi-stage-bug:runtime",
            "COPY --from=builder /app/* /app/",
        ])
        #expect(run.keys(with: .finished) == ["1", "2", "3"])
        #expect(run.step("4")?.status == .failed)
        #expect(run.step("4")?.failure == reason)
        #expect(run.errors == [reason])
        #expect(run.lines.last?.result.level == .error)
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func kanikoRunOutputBelongsToItsStep() throws {
        let run = try foldToolOutput(KanikoProgressParser(), fixture: "kaniko-run-excerpt.log", succeeded: true)
        #expect(run.names == ["FROM busybox", "Run echo hey"])
        #expect(run.stepKeys(ofLinesContaining: "hey") == ["1", "2", "2", "2"])
        #expect(run.lines.first { $0.text == "hey" }?.result.stepKey == "2")
    }

    @Test func kanikoCacheLevelsAndPush() {
        let lines = [
            "INFO[0000] Retrieving image manifest alpine:3.19",
            "INFO[0001] Built cross stage deps: map[]",
            "INFO[0001] Retrieving image manifest alpine:3.19",
            "INFO[0001] Executing 0 build triggers",
            "INFO[0001] Checking for cached layer reg/cache:1a2b...",
            "INFO[0002] Using caching version of cmd: RUN apk add --no-cache git",
            "INFO[0002] Unpacking rootfs as cmd COPY app /app requires it.",
            "INFO[0003] RUN apk add --no-cache git",
            "INFO[0003] Found cached layer, extracting to filesystem",
            "INFO[0004] COPY app /app",
            "WARN[0004] Error detecting source of file, will not be able to cache it",
            "ERRO[0005] Error uploading layer to cache",
            "INFO[0006] Pushed registry.example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ]
        let run = foldToolOutput(KanikoProgressParser(), lines: lines, succeeded: true)
        #expect(run.names == ["FROM alpine:3.19", "RUN apk add --no-cache git", "COPY app /app"])
        #expect(run.keys(with: .cached) == ["2"])
        #expect(run.keys(with: .finished) == ["1", "3"])
        #expect(run.lines[10].result.level == .warn)
        #expect(run.lines[11].result.level == .error)
        #expect(run.errors.isEmpty)
        #expect(run.fingerprints == ["sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"])
        let fatal = foldToolOutput(KanikoProgressParser(), lines: ["INFO[0000] Retrieving image manifest nope:1", "FATA[0001] failed to get image: UNAUTHORIZED"], succeeded: false)
        #expect(fatal.names == ["FROM nope:1"])
        #expect(fatal.step("1")?.failure == "failed to get image: UNAUTHORIZED")
        #expect(fatal.errors == ["failed to get image: UNAUTHORIZED"])
    }

    // MARK: - packer

    @Test func packerNullBuilderMachineReadable() throws {
        let run = try foldToolOutput(PackerMachineReadableParser(), fixture: "packer-null-machine-readable.log", succeeded: true)
        #expect(run.steps == [FoldedToolStep(key: "null#1", name: "Running local shell script: /var/tmp/packer-shell4037136263", group: "null", status: .finished)])
        #expect(run.stepKeys(ofLinesContaining: "ui,message") == ["null#1", "null#1", "null#1", "null#1"])
        #expect(run.artifacts.isEmpty)
        #expect(run.errors.isEmpty)
    }

    @Test func packerTwoBuildsStagesAndArtifacts() throws {
        let run = try foldToolOutput(PackerMachineReadableParser(), fixture: "packer-hcl-machine-readable.log", succeeded: true)
        #expect(run.keys == ["null.local#1", "file.artifact#1", "null.local#2", "null.local#3", "file.artifact#2", "file.artifact#3"])
        #expect(run.names == [
            "Running local shell script: /var/tmp/packer-shell2964928360",
            "Running local shell script: /var/tmp/packer-shell2163892561",
            "Running post-processor:  (type manifest)",
            "Running post-processor:  (type checksum)",
            "Running post-processor:  (type manifest)",
            "Running post-processor:  (type checksum)",
        ])
        #expect(run.steps.map(\.group) == ["null.local", "file.artifact", "null.local", "null.local", "file.artifact", "file.artifact"])
        #expect(run.keys(with: .finished) == run.keys)
        let out = "/var/var/tmp/imagefactory-sample/packer/out"
        #expect(run.artifacts == [
            FoldedToolArtifact(path: "\(out)/artifact.txt", kind: "packer.file"),
            FoldedToolArtifact(path: "\(out)/artifact.txt", kind: "packer.file"),
            FoldedToolArtifact(path: "\(out)/artifact.txt", kind: "packer.post-processor.checksum"),
            FoldedToolArtifact(path: "\(out)/artifact.sha256", kind: "packer.post-processor.checksum"),
        ])
        #expect(run.stepKeys(ofLinesContaining: "file.artifact: done") == ["file.artifact#1"])
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func packerHumanOutput() throws {
        let run = try foldToolOutput(PackerMachineReadableParser(), fixture: "packer-null-human.log", succeeded: true)
        #expect(run.steps == [FoldedToolStep(key: "null#1", name: "Running local shell script: /var/tmp/packer-shell3515682847", group: "null", status: .finished)])
        #expect(run.stepKeys(ofLinesContaining: "null: step") == ["null#1", "null#1", "null#1"])
    }

    @Test func packerErroredBuild() throws {
        let reason = "Script exited with non-zero exit status: 3.Allowed exit codes are: [0]"
        for (fixture, took) in [("packer-fail-machine-readable.log", "5 milliseconds 75 microseconds"),
                                ("packer-fail-human.log", "12 milliseconds 398 microseconds")] {
            let run = try foldToolOutput(PackerMachineReadableParser(), fixture: fixture, succeeded: false)
            #expect(run.names == ["Running local shell script: " + (fixture.contains("human") ? "/tmp/packer-shell2127951007" : "/tmp/packer-shell101190137"),
                                  "Provisioning step had errors: Running the cleanup provisioner, if present..."])
            #expect(run.step("null#1")?.status == .finished)
            #expect(run.step("null#2")?.status == .failed)
            #expect(run.step("null#2")?.failure == reason)
            #expect(run.errors == ["Build 'null' errored after \(took): \(reason)"])
            #expect(run.levels(ofLinesContaining: "--> null: Script exited") == [.error])
            #expect(run.stepKeys(ofLinesContaining: "with a comma") == ["null#1"])
        }
    }

    // MARK: - nix

    @Test func nixBuildActivityProgressAndLog() throws {
        let run = try foldToolOutput(NixInternalJSONParser(), fixture: "nix-internal-json.log", succeeded: true)
        #expect(run.steps == [FoldedToolStep(key: "79388175499268", name: "x3", group: nil, status: .finished)])
        #expect(run.progress["builds"] == [FoldedToolProgress(done: 0, expected: 1), FoldedToolProgress(done: 1, expected: 1)])
        #expect(run.progress["copies"] == nil)
        #expect(run.stepKeys(ofLinesContaining: #""type":101"#) == Array(repeating: "79388175499268", count: 4))
        #expect(run.errors.isEmpty && run.artifacts.isEmpty)
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func nixOutputPathIsArtifactAndFingerprint() throws {
        let run = try foldToolOutput(NixInternalJSONParser(), fixture: "nix-success.log", succeeded: true)
        #expect(run.steps == [FoldedToolStep(key: "62530428862469", name: "hello-out", group: nil, status: .finished)])
        #expect(run.artifacts == [FoldedToolArtifact(path: "/nix/store/qcx7chpph0bfniz2ik1fq6i7kjvh641n-hello-out", kind: "nix-output")])
        #expect(run.fingerprints == ["qcx7chpph0bfniz2ik1fq6i7kjvh641n"])
        #expect(run.progress["builds"]?.last == FoldedToolProgress(done: 1, expected: 1))
        #expect(run.stepKeys(ofLinesContaining: "step 1") == ["62530428862469"])
    }

    @Test func nixFailedBuilderNamesItsDerivation() throws {
        let run = try foldToolOutput(NixInternalJSONParser(), fixture: "nix-fail.log", succeeded: false)
        let reason = "error: builder for '/nix/store/pzi9s8dq5hcc5qn4ffzlqkz1b9rvzagf-x.drv' failed with exit code 3"
        #expect(run.names == ["x"])
        #expect(run.step("62238371086341")?.status == .failed)
        #expect(run.step("62238371086341")?.failure == reason)
        #expect(run.errors == [reason])
        #expect(run.lines.last?.result.level == .error)
        #expect(run.stepKeys(ofLinesContaining: #"["hi"]"#) == ["62238371086341"])
        #expect(run.artifacts.isEmpty)
        #expect(run.inconsistencies.isEmpty)
    }

    @Test func nixCopiesWarningsAndOtherStoreDirectories() {
        let lines = [
            #"@nix {"action":"start","id":1,"level":0,"text":"","type":103}"#,
            #"@nix {"action":"start","fields":["/nix/store/00000000000000000000000000000000-dep","https://cache.nixos.org","local"],"id":2,"level":4,"text":"copying path '/nix/store/00000000000000000000000000000000-dep'","type":100}"#,
            #"@nix {"action":"result","fields":[512,2048,0,0],"id":2,"type":105}"#,
            #"@nix {"action":"result","fields":[0,1,1,0],"id":1,"type":105}"#,
            #"@nix {"action":"stop","id":2}"#,
            #"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m Git tree is dirty"}"#,
            "/var/tmp/store/vy0p7i0yf2x20plmk6ml4agq6xrjh0rx-x3",
            "/var/tmp/not-a-store-path",
        ]
        let run = foldToolOutput(NixInternalJSONParser(), lines: lines, succeeded: true)
        #expect(run.steps == [FoldedToolStep(key: "2", name: "copy dep", group: nil, status: .finished)])
        #expect(run.progress["2"] == [FoldedToolProgress(done: 512, expected: 2048)])
        #expect(run.progress["copies"] == [FoldedToolProgress(done: 0, expected: 1)])
        #expect(run.lines[5].result.level == .warn)
        #expect(run.fingerprints == ["vy0p7i0yf2x20plmk6ml4agq6xrjh0rx"])
        #expect(run.lines[7].result.events.isEmpty)
    }

    // MARK: - Every parser on every fixture

    @Test(arguments: [
        ("podman-runc.log", "podman"), ("podman-multi.log", "podman"), ("podman-deb.log", "podman"),
        ("buildah-vfs.log", "podman"), ("podman-fail.log", "podman"), ("podman-pull-fail.log", "podman"),
        ("docker-bk-plain.log", "plain"), ("buildkit-plain-fail.log", "plain"), ("buildkit-rawjson.log", "rawjson-fail"),
        ("docker-legacy.log", "legacy"), ("docker-legacy-fail.log", "legacy"),
        ("kaniko-success.log", "kaniko"), ("kaniko-fail.log", "kaniko"), ("kaniko-run-excerpt.log", "kaniko"),
        ("packer-null-machine-readable.log", "packer"), ("packer-hcl-machine-readable.log", "packer"),
        ("packer-null-human.log", "packer"), ("packer-fail-machine-readable.log", "packer"), ("packer-fail-human.log", "packer"),
        ("nix-internal-json.log", "nix"), ("nix-success.log", "nix"), ("nix-fail.log", "nix"),
    ])
    func everyStepEndsAndEveryEventNamesAStep(fixture: String, tool: String) throws {
        let failed = fixture.contains("fail") || tool.hasSuffix("-fail")
        let parser: any ToolProgressParser = switch tool {
        case "podman": PodmanProgressParser()
        case "plain": BuildKitPlainParser()
        case "rawjson-fail": BuildKitRawJSONParser()
        case "legacy": DockerLegacyParser()
        case "kaniko": KanikoProgressParser()
        case "packer": PackerMachineReadableParser()
        default: NixInternalJSONParser()
        }
        let run = try foldAny(parser, fixture: fixture, succeeded: !failed)
        #expect(!run.steps.isEmpty)
        #expect(run.inconsistencies.isEmpty)
        #expect(run.keys(with: .running).isEmpty)
        #expect(failed == !run.errors.isEmpty)
        #expect(failed == !run.keys(with: .failed).isEmpty)
        // A line's step is one the parser started.
        let keys = Set(run.keys)
        #expect(run.lines.compactMap(\.result.stepKey).allSatisfy(keys.contains))
    }

    private func foldAny(_ parser: any ToolProgressParser, fixture: String, succeeded: Bool) throws -> FoldedToolRun {
        func open<P: ToolProgressParser>(_ parser: P) throws -> FoldedToolRun { try foldToolOutput(parser, fixture: fixture, succeeded: succeeded) }
        return try open(parser)
    }
}
