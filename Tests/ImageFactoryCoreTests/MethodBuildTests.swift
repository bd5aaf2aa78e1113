import Foundation
import Testing
@testable import ImageFactoryCore

/// Real builds with each method's real tool; each produces and verifies its artifact. Serialized: the
/// container tests share one image store, and two at once on two cores only slow each other.
@Suite(.serialized) struct MethodBuildTests {
    // MARK: docker through podman

    @Test(.enabled(if: BuildTools.podmanMissing == nil, BuildTools.comment(BuildTools.podmanMissing)))
    func dockerMethodThroughPodmanBuildsAnImageArchiveAndMarksCachedSteps() async throws {
        let home = try TemporaryHome()
        let service = try podmanService(home)
        let ctx = try busyboxContext(home)
        let tag = "t\(UUID().uuidString.prefix(8).lowercased())"
        let manifest = """
            name: busybox-image
            method: docker
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "--install", "-s", "/bin"]
              RUN echo "built by \(tag)" > /hello && cat /hello
              CMD ["/bin/sh"]
            tags: [\(tag)]
            resources:
              memory: 512MiB
              cpus: 1
            """
        let build = try await runBuild(service, manifest)
        #expect(build.status == .succeeded, "\(build.failureReason ?? "")")
        #expect(try service.steps(of: build).map(\.name) == ["Setup", "Base image", "Build image", "Export image", "Artifacts"])
        let tools = try service.toolSteps(of: build)
        #expect(tools.count >= 5, "\(tools.map(\.name))")
        #expect(tools.contains { $0.name.contains("COPY busybox /bin/busybox") })
        #expect(tools.allSatisfy { $0.status == .succeeded || $0.status == .cached }, "\(tools.map { ($0.name, $0.status) })")
        #expect(tools.allSatisfy { $0.stepIdx == 2 })
        // The limits reach the RUN containers through podman's own flags.
        let log = try allLogText(service, build).map(\.text)
        #expect(log.contains { $0.contains("build --pull=missing --memory 536870912b --cpu-period 100000 --cpu-quota 100000") })
        #expect(log.contains("built by \(tag)"))

        let artifact = try #require(try service.artifacts(of: build).first { $0.name == "image.tar" })
        #expect(artifact.type == "OCI image archive (tar)")
        let stored = home.directory.root.appendingPathComponent(artifact.storedPath).path
        let inspect = runTool(["/usr/bin/skopeo", "inspect", "oci-archive:\(stored)"])
        #expect(inspect.status == 0, "\(inspect.output)")
        #expect(inspect.output.contains("\"Architecture\": \"amd64\""))

        // The same manifest again: the engine's cache serves the steps, and the build page says so.
        let again = try await runBuild(service, manifest)
        #expect(again.status == .succeeded, "\(again.failureReason ?? "")")
        let againTools = try service.toolSteps(of: again)
        #expect(againTools.filter { $0.status == .cached }.count >= 2, "\(againTools.map { ($0.name, $0.status) })")
    }

    @Test(.enabled(if: BuildTools.podmanMissing == nil, BuildTools.comment(BuildTools.podmanMissing)))
    func generatedContainerfileBuildsOnABaseLoadedFromAnArchive() async throws {
        let home = try TemporaryHome()
        let service = try podmanService(home)
        let ctx = try busyboxContext(home)
        // A base image made here and saved as an archive: no registry anywhere.
        let base = try await runBuild(service, """
            name: base-\(UUID().uuidString.prefix(6).lowercased())
            method: docker
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "--install", "-s", "/bin"]
            """)
        #expect(base.status == .succeeded, "\(base.failureReason ?? "")")
        let archive = try #require(try service.artifacts(of: base).first { $0.name == "image.tar" })
        try FileManager.default.copyItem(atPath: home.directory.root.appendingPathComponent(archive.storedPath).path,
                                         toPath: ctx.appendingPathComponent("base.tar").path)
        let app = try await runBuild(service, """
            name: app
            method: docker
            base: oci-archive:base.tar
            context: \(ctx.path)
            env:
              GREETING: "hello \\"quoted\\" $HOME"
            commands:
              - echo "$GREETING" > /greeting
              - |
                cat /greeting
                test -f /workspace/busybox
            output: docker
            tags: [v2]
            """)
        #expect(app.status == .succeeded, "\(app.failureReason ?? "")")
        let log = try allLogText(service, app).map(\.text)
        #expect(log.contains("hello \"quoted\" $HOME"), "ENV keeps quotes and dollars as written")
        #expect(log.contains { $0.hasPrefix("Loaded image") })
        let stored = try #require(try service.artifacts(of: app).first { $0.name == "image.tar" })
        let path = home.directory.root.appendingPathComponent(stored.storedPath).path
        let inspect = runTool(["/usr/bin/skopeo", "inspect", "docker-archive:" + path])
        #expect(inspect.status == 0, "output: docker gives a docker-archive: \(inspect.output)")
        #expect(inspect.output.contains("GREETING=hello"))
        let manifest = runTool(["/bin/tar", "-xOf", path, "manifest.json"])
        #expect(manifest.output.contains("localhost/app:v2"), "\(manifest.output)")
    }

    @Test(.enabled(if: BuildTools.podmanMissing == nil, BuildTools.comment(BuildTools.podmanMissing)))
    func failingRunStepRecordsPodmansErrorAndTheStepsLastLines() async throws {
        let home = try TemporaryHome()
        // The OS user, so that `build show` through the CLI sees the build as its starter.
        let me = Bootstrap.OSIdentity.current()
        let service = try home.service(login: me.login, uid: me.uid)
        _ = try service.changeProject(try service.project(nil), ProjectSettingsChange(containerEngine: .podman))
        let ctx = try busyboxContext(home)
        let build = try await runBuild(service, """
            name: broken
            method: docker
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "sh", "-c", "echo about to fail; echo no such thing >&2; exit 7"]
            """)
        #expect(build.status == .failed)
        let reason = try #require(build.failureReason)
        #expect(reason.contains("exit status 7"), "\(reason)")
        #expect(reason.contains("building at STEP"), "podman's own error: \(reason)")
        let failed = try #require(try service.toolSteps(of: build).first { $0.status == .failed })
        #expect(failed.name.contains("RUN"))
        #expect(failed.excerpt?.contains("about to fail") == true, "\(failed.excerpt ?? "")")
        // `build show` puts the failing step's last lines first.
        let show = try await runCLI(["build", "show", "examples#1"], home: home)
        #expect(show.status == 0, "\(show.stderr)")
        let lines = show.stdout.split(separator: "\n").map(String.init)
        let reasonAt = try #require(lines.firstIndex { $0.hasPrefix("✗") })
        #expect(lines[reasonAt + 1].contains("last lines of"), "\(show.stdout)")
        #expect(lines[(reasonAt + 1)...].prefix(12).contains { $0.contains("about to fail") })
    }

    @Test(.enabled(if: BuildTools.podmanMissing == nil, BuildTools.comment(BuildTools.podmanMissing)))
    func unreachableRegistryFailsWithTheRegistryError() async throws {
        let home = try TemporaryHome()
        let service = try podmanService(home)
        let build = try await runBuild(service, """
            name: needs-registry
            method: docker
            base: registry.invalid/library/alpine:3.19
            commands: [echo never]
            resources:
              timeout: 5m
            """)
        #expect(build.status == .failed)
        #expect(!build.timedOut)
        let reason = try #require(build.failureReason)
        #expect(reason.contains("registry.invalid"), "the registry error is the reason: \(reason)")
    }

    @Test(.enabled(if: BuildTools.podmanMissing == nil, BuildTools.comment(BuildTools.podmanMissing)))
    func cancelStopsTheContainerNotOnlyTheClient() async throws {
        let home = try TemporaryHome()
        try await expectCancelStopsTheRunContainer(try podmanService(home), home: home)
    }

    @Test(.enabled(if: BuildTools.podmanMissing == nil, BuildTools.comment(BuildTools.podmanMissing)))
    func memoryLimitReachesTheRunContainer() async throws {
        let home = try TemporaryHome()
        let service = try podmanService(home)
        let ctx = try busyboxContext(home)
        // 400 MB held in a shell variable, in a container limited to 256 MiB: the kernel kills it.
        let build = try await runBuild(service, """
            name: hungry
            method: docker
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "sh", "-c", "x=$(/bin/busybox head -c 400000000 /dev/zero | /bin/busybox tr '\\\\0' a); echo held ${#x}; echo \(UUID().uuidString)"]
            resources:
              memory: 256MiB
            """)
        #expect(build.status == .failed)
        let log = try allLogText(service, build).map(\.text)
        #expect(!log.contains { $0.hasPrefix("held 400000000") }, "the container could not hold 400 MB")
        #expect(log.contains { $0.contains("killed") }, "\(log.suffix(8))")
    }

    @Test(.enabled(if: BuildTools.podmanMissing == nil && TmuxSession.available,
                   BuildTools.comment(BuildTools.podmanMissing ?? (TmuxSession.available ? nil : "tmux is not installed"))))
    func buildPageFollowsPodmansStepsLiveInATerminal() async throws {
        let home = try TemporaryHome()
        let ctx = try busyboxContext(home)
        #expect(try await runCLI(["project", "set-engine", "podman"], home: home).status == 0)
        _ = try home.write("live.yaml", """
            name: live
            method: docker
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "sh", "-c", "echo \(UUID().uuidString); for i in 1 2 3 4 5 6 7 8; do echo tick-$i; /bin/busybox sleep 0.4; done"]
            """)
        #expect(try await runCLI(["build", "start", "live.yaml"], home: home).status == 0)
        let tmux = try TmuxSession(command: "\(shellQuote(imagefactoryBinary)) open /projects/1/builds/1", width: 110, height: 40,
                                   environment: ["IMAGEFACTORY_HOME": home.directory.root.path], directory: home.url)
        // While it runs: the tool's steps under "Build image", and the running RUN step's own lines.
        var (found, screen) = await tmux.waitFor("tick-", timeout: .seconds(60))
        #expect(found, "\(screen)")
        #expect(screen.contains("COPY busybox /bin/busybox"), "\(screen)")
        #expect(screen.contains("RUN [\"/bin/busybox\""), "\(screen)")
        (found, screen) = await tmux.waitFor("succeeded", timeout: .seconds(60))
        #expect(found, "\(screen)")
        try tmux.send("q")
    }

    // MARK: buildx through podman

    @Test(.enabled(if: BuildTools.arm64Missing == nil, BuildTools.comment(BuildTools.arm64Missing)))
    func buildxThroughPodmanBuildsOneIndexWithBothPlatforms() async throws {
        let home = try TemporaryHome()
        // The project's engine stays `auto`: where a Docker engine without buildx runs too, podman is still chosen.
        let service = try home.service()
        let ctx = try busyboxContext(home, arm64: BuildTools.arm64Busybox)
        let build = try await runBuild(service, """
            name: multi-\(UUID().uuidString.prefix(6).lowercased())
            method: buildx
            platforms: [linux/amd64, linux/arm64]
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              ARG TARGETARCH
              COPY busybox-${TARGETARCH} /bin/busybox
              RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch; /bin/busybox cat /arch; echo \(UUID().uuidString)"]
            """)
        #expect(build.status == .succeeded, "\(build.failureReason ?? "")")
        let log = try allLogText(service, build).map(\.text)
        #expect(log.contains("aarch64"), "the arm64 RUN step ran under qemu")
        #expect(log.contains("x86_64"))
        let groups = Set(try service.toolSteps(of: build).compactMap(\.groupName))
        #expect(groups == ["linux/amd64", "linux/arm64"])
        let artifact = try #require(try service.artifacts(of: build).first { $0.name == "image.tar" })
        let raw = runTool(["/usr/bin/skopeo", "inspect", "--raw", "oci-archive:" + home.directory.root.appendingPathComponent(artifact.storedPath).path])
        #expect(raw.status == 0, "\(raw.output)")
        #expect(raw.output.contains("application/vnd.oci.image.index.v1+json"))
        #expect(raw.output.contains("\"architecture\":\"arm64\"") && raw.output.contains("\"architecture\":\"amd64\""), "\(raw.output)")
    }

    // MARK: docker through Debian's dockerd

    @Test(.enabled(if: BuildTools.dockerMissing == nil, BuildTools.comment(BuildTools.dockerMissing)))
    func dockerMethodThroughADockerEngineReadsBuildKitProgress() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        _ = try service.changeProject(try service.project(nil), ProjectSettingsChange(containerEngine: .docker))
        let ctx = try busyboxContext(home)
        let tag = "d\(UUID().uuidString.prefix(8).lowercased())"
        let build = try await runBuild(service, """
            name: docker-engine
            method: docker
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "sh", "-c", "echo \(tag) > /tag"]
            tags: [\(tag)]
            """)
        #expect(build.status == .succeeded, "\(build.failureReason ?? "")")
        let tools = try service.toolSteps(of: build)
        #expect(tools.contains { $0.name.contains("[1/2] COPY busybox /bin/busybox") }, "\(tools.map(\.name))")
        #expect(tools.contains { $0.name.contains("load build context") })
        #expect(tools.allSatisfy { $0.status == .succeeded || $0.status == .cached })
        let artifact = try #require(try service.artifacts(of: build).first { $0.name == "image.tar" })
        #expect(artifact.type == "docker image archive (tar)")
        let inspect = runTool(["/usr/bin/skopeo", "inspect", "docker-archive:" + home.directory.root.appendingPathComponent(artifact.storedPath).path])
        #expect(inspect.status == 0, "\(inspect.output)")

        let broken = try await runBuild(service, """
            name: docker-engine-broken
            method: docker
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "sh", "-c", "echo before the end; exit 9"]
            """)
        #expect(broken.status == .failed)
        let reason = try #require(broken.failureReason)
        #expect(reason.contains("exit code: 9") || reason.contains("returned a non-zero code: 9"), "BuildKit's own error: \(reason)")
        let failed = try #require(try service.toolSteps(of: broken).first { $0.status == .failed })
        #expect(failed.name.contains("RUN"))
        #expect(failed.excerpt?.contains("before the end") == true, "\(failed.excerpt ?? "")")
    }

    @Test(.enabled(if: BuildTools.dockerMissing == nil, BuildTools.comment(BuildTools.dockerMissing)))
    func cancelReachesTheDockerEnginesRunContainer() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        _ = try service.changeProject(try service.project(nil), ProjectSettingsChange(containerEngine: .docker))
        // The container runs under dockerd, not under the build: only the CLI's own cancel can stop it.
        try await expectCancelStopsTheRunContainer(service, home: home)
    }

    // MARK: kaniko

    @Test(.enabled(if: BuildTools.environment.kaniko == nil, "kaniko's executor is installed here: the test of its absence cannot run"))
    func kanikoWithoutItsExecutorSaysSoInValidationDryRunAndStart() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let project = try service.project(nil)
        let text = "name: k\nmethod: kaniko\nbase: debian:bookworm-slim\ncommands: [echo hi]\ntags: [k:1]\n"
        let check = try service.validate(text: text, file: "k.yaml", in: project)
        #expect(check.isValid)
        #expect(check.warnings.contains { $0.message.contains("kaniko's executor is not installed") && $0.field == "method" })
        let dry = try service.dryRun(text: text, file: "k.yaml", in: project)
        let argv = try #require(dry.plan?.steps.first { $0.name == "Build image" }?.commands.first?.argv)
        #expect(argv.contains("--no-push") && argv.contains("--tar-path"))
        #expect(dry.blocker?.contains("gcr.io/kaniko-project/executor") == true)
        var refused: String?
        do { _ = try service.startBuild(text: text, file: nil, in: project) } catch FactoryError.invalidInput(let message) { refused = message }
        #expect(refused?.hasPrefix("cannot build `k` with method kaniko on this machine: kaniko's executor is not installed") == true,
                "\(refused ?? "started")")
        #expect(try service.builds(in: project).isEmpty, "nothing is stored")
        let doctor = try await runCLI(["doctor"], home: home)
        let row = try #require(doctor.stdout.split(separator: "\n").first { $0.hasPrefix("kaniko") })
        #expect(row.contains("missing") && row.contains("no"), "\(row)")
        #expect(doctor.stdout.contains("  kaniko: not installed; to install: kaniko has no Debian package"), "\(doctor.stdout)")
    }

    // MARK: packer

    @Test(.enabled(if: BuildTools.packerMissing == nil, BuildTools.comment(BuildTools.packerMissing)))
    func packerNullBuilderFromAGeneratedTemplate() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try await runBuild(service, """
            name: vm-null
            method: packer
            env:
              WHO: packer
            commands:
              - mkdir -p output && echo "hello from $WHO" > output/hello.txt
            artifacts: [output/hello.txt]
            """)
        #expect(build.status == .succeeded, "\(build.failureReason ?? "")")
        let names = Set(try service.artifacts(of: build).map(\.name))
        #expect(names.isSuperset(of: ["hello.txt", "packer-manifest.json"]), "\(names)")
        let tools = try service.toolSteps(of: build)
        #expect(!tools.isEmpty)
        #expect(tools.allSatisfy { $0.groupName?.contains("vm-null") == true }, "\(tools.map { ($0.groupName, $0.name) })")
        // The manifest's env reaches the command that packer runs.
        let hello = try #require(try service.artifacts(of: build).first { $0.name == "hello.txt" })
        #expect(try String(contentsOf: home.directory.root.appendingPathComponent(hello.storedPath), encoding: .utf8) == "hello from packer\n")
        // The log shows packer's null builder running the generated shell-local script (the command's echo goes
        // to the file, not to the log).
        let log = try allLogText(service, build).map(\.text)
        #expect(log.contains("env: WHO=packer"), "\(log)")
        #expect(log.contains { $0.contains("null.vm-null: Running local shell script") }, "\(log)")
    }

    @Test(.enabled(if: BuildTools.packerMissing == nil, BuildTools.comment(BuildTools.packerMissing)))
    func packerFileBuilderArtifactIsStoredAndChecksummed() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try await runBuild(service, """
            name: vm-file
            method: packer
            variables:
              message: hello-file
            template: |
              variable "message" {
                type = string
              }
              source "file" "disk" {
                content = "${var.message}\\n"
                target  = "output/disk.img"
              }
              build {
                sources = ["source.file.disk"]
              }
            """)
        #expect(build.status == .succeeded, "\(build.failureReason ?? "")")
        let disk = try #require(try service.artifacts(of: build).first { $0.name == "disk.img" })
        let stored = home.directory.root.appendingPathComponent(disk.storedPath)
        #expect(try String(contentsOf: stored, encoding: .utf8) == "hello-file\n")
        #expect(try FileDigest.sha256(of: stored).1 == disk.sha256)
    }

    @Test(.enabled(if: BuildTools.packerMissing == nil, BuildTools.comment(BuildTools.packerMissing)))
    func failingPackerBuildTakesItsReasonFromUiError() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try await runBuild(service, """
            name: vm-broken
            method: packer
            commands:
              - echo "provisioning" && exit 4
            """)
        #expect(build.status == .failed)
        let reason = try #require(build.failureReason)
        #expect(reason.contains("Script exited with non-zero exit status: 4"), "packer's ui,error: \(reason)")
        #expect(!reason.contains("%!(PACKER_COMMA)"))
    }

    // MARK: nix

    @Test(.enabled(if: BuildTools.nixMissing == nil, BuildTools.comment(BuildTools.nixMissing)))
    func nixBuiltinsDerivationExportsItsClosureAndFingerprint() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let salt = UUID().uuidString.prefix(8)
        let build = try await runBuild(service, """
            name: nix-out
            method: nix
            env:
              SALT: "\(salt)"
            commands:
              - echo "reproducible $SALT" > $out
            """)
        #expect(build.status == .succeeded, "\(build.failureReason ?? "")")
        let fingerprint = try #require(build.fingerprint)
        #expect(fingerprint.count == 32, "a store path hash: \(fingerprint)")
        let artifacts = try service.artifacts(of: build)
        #expect(Set(artifacts.map(\.name)) == ["result", NixMethod.closureArchive], "the store path nix named is `result`, stored once")
        let result = try #require(artifacts.first { $0.name == "result" })
        #expect(try String(contentsOf: home.directory.root.appendingPathComponent(result.storedPath), encoding: .utf8) == "reproducible \(salt)\n")
        #expect(artifacts.contains { $0.name == NixMethod.closureArchive && $0.size > 0 })
        #expect(!(try service.toolSteps(of: build)).isEmpty)
        // Shown on the build page and by `build show`.
        let screen = try renderBuildPage(service, build)
        #expect(screen.contains("fingerprint (store path hash) \(fingerprint)"), "\(screen)")
        // The same inputs give the same fingerprint.
        let again = try await runBuild(service, """
            name: nix-out
            method: nix
            env:
              SALT: "\(salt)"
            commands:
              - echo "reproducible $SALT" > $out
            """)
        #expect(again.fingerprint == fingerprint)
    }

    @Test(.enabled(if: BuildTools.nixMissing == nil, BuildTools.comment(BuildTools.nixMissing)))
    func failingNixBuildTakesItsReasonFromTheLevelZeroMessage() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try await runBuild(service, """
            name: nix-broken-\(UUID().uuidString.prefix(6).lowercased())
            method: nix
            commands:
              - echo "going down"; exit 3
            """)
        #expect(build.status == .failed)
        let reason = try #require(build.failureReason)
        #expect(reason.contains("builder for '/nix/store/") && reason.contains("failed with exit code 3"), "\(reason)")
        #expect(!reason.contains("\u{1B}["), "no terminal escapes in the reason")
    }

    /// Cancels a build whose RUN step sleeps, and expects the sleep itself (not only the engine's client) to end.
    func expectCancelStopsTheRunContainer(_ service: FactoryService, home: TemporaryHome,
                                          sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        let ctx = try busyboxContext(home)
        let marker = "4\(Int.random(in: 100_000...999_999))"
        let project = try service.project(nil)
        let build = try service.startBuild(text: """
            name: long-run
            method: docker
            context: \(ctx.path)
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "sleep", "\(marker)"]
            """, file: nil, in: project)
        let run = Task { try await service.runBuild(build.id!, options: RunnerOptions(sampleInterval: .milliseconds(250), killGrace: .seconds(2))) }
        #expect(await eventually(timeout: .seconds(60)) { !processes(matching: "sleep \(marker)").isEmpty }, sourceLocation: sourceLocation)
        _ = try service.cancelBuild(.init(project: nil, number: build.number))
        #expect(try await run.value.status == .cancelled, sourceLocation: sourceLocation)
        #expect(await eventually(timeout: .seconds(15)) { processes(matching: "sleep \(marker)").isEmpty },
                "the RUN container's sleep is gone: \(processes(matching: "sleep \(marker)"))", sourceLocation: sourceLocation)
    }
}
