import Foundation
import Testing
@testable import ImageFactoryCore

/// What each method plans: the generated Containerfile, HCL and nix expression, the exact command lines, and the
/// engine chosen from what is installed and the project's setting.
@Suite struct MethodPlanTests {
    func project(engine: ContainerEngineChoice = .auto) -> Project {
        Project(id: ProjectID(rawValue: 1), tenantId: TenantID(rawValue: 1), name: "p", description: "", readme: "",
                defaultMethod: .shell, allowedMethods: BuildMethod.concrete.map(\.rawValue).joined(separator: ","),
                defaultCpus: nil, defaultMemoryBytes: nil, defaultTimeoutSeconds: nil, installerCommand: nil,
                containerEngine: engine, createdAt: Date())
    }

    func manifest(_ text: String) throws -> Manifest {
        let check = ManifestLoader.check(text: text, file: nil, context: project().validationContext)
        return try #require(check.manifest, "\(check.diagnostics.map(\.message))")
    }

    static let podmanHere = MethodEnvironment(podman: "/usr/bin/podman", skopeo: "/usr/bin/skopeo",
                                              podmanFlags: ["--runtime", "/usr/sbin/runc"])

    func buildStep(_ plan: BuildPlan) throws -> BuildPlan.PlannedStep {
        try #require(plan.steps.first { $0.parser != nil })
    }

    @Test func generatedContainerfileInstallsDependenciesWithTheBasesPackageManager() throws {
        let m = try manifest("""
            name: app
            method: docker
            base: debian:bookworm-slim
            dependencies: [curl, "ca-certificates"]
            commands:
              - make
              - |
                echo "two \\"lines\\""
                echo done
            env:
              MODE: "fast $X"
            context: .
            tags: [v1, "registry.example/team/app:2"]
            """)
        let plan = try ContainerMethod(method: .docker, environment: Self.podmanHere).plan(m, project: project(), warnings: [])
        let step = try buildStep(plan)
        let file = try #require(step.files.first).contents
        let lines = file.split(separator: "\n").map(String.init)
        #expect(lines[1] == "FROM debian:bookworm-slim")
        #expect(lines.contains("ENV MODE=\"fast \\$X\""))
        #expect(lines.contains("COPY . /workspace"))
        let install = try #require(lines.first { $0.hasPrefix("RUN") && $0.contains("apt-get install") })
        #expect(install.contains("apk add --no-cache curl ca-certificates") && install.contains("dnf install -y curl ca-certificates"))
        #expect(lines.contains(#"RUN ["/bin/sh", "-e", "-c", "make"]"#))
        #expect(lines.contains(#"RUN ["/bin/sh", "-e", "-c", "echo \"two \\\"lines\\\"\"\necho done\n"]"#))
        let argv = try #require(step.commands.last?.argv)
        #expect(Array(argv.prefix(3)) == ["/usr/bin/podman", "--runtime", "/usr/sbin/runc"])
        #expect(argv.contains("localhost/app:v1") && argv.contains("registry.example/team/app:2"))
        #expect(step.parser == .podman)
        #expect(plan.blockers.isEmpty)
        #expect(plan.producedArtifacts == ["image.tar"])
        let export = try #require(plan.steps.first { $0.name == "Export image" }?.commands.first?.argv)
        #expect(export.suffix(6) == ["save", "--format", "oci-archive", "-o", "image.tar", "localhost/app:v1"])
    }

    @Test func engineFollowsWhatIsInstalledAndTheProjectSetting() throws {
        let m = try manifest("name: a\nmethod: docker\nbase: alpine\ncommands: [true]\n")
        func step(_ env: MethodEnvironment, _ engine: ContainerEngineChoice = .auto) throws -> (BuildPlan, BuildPlan.PlannedStep) {
            let plan = try ContainerMethod(method: .docker, environment: env).plan(m, project: project(engine: engine), warnings: [])
            return (plan, try buildStep(plan))
        }
        // A Docker engine with buildx: BuildKit's raw JSON progress.
        let buildx = MethodEnvironment(podman: "/usr/bin/podman", docker: "/usr/bin/docker", dockerEngine: true, dockerBuildx: true, dockerMajorVersion: 28)
        let (_, a) = try step(buildx)
        #expect(a.parser == .buildkitRawJSON && a.commands[0].argv.contains("--progress=rawjson"))
        // Debian's docker 20.10: BuildKit built in, plain progress.
        let docker20 = MethodEnvironment(docker: "/usr/bin/docker", dockerEngine: true, dockerMajorVersion: 20)
        let (_, b) = try step(docker20)
        #expect(b.parser == .buildkitPlain && b.commands[0].environment == ["DOCKER_BUILDKIT": "1"])
        // docker 28 without buildx is the legacy builder.
        let docker28 = MethodEnvironment(docker: "/usr/local/bin/docker", dockerEngine: true, dockerMajorVersion: 28)
        #expect(try step(docker28).1.parser == .dockerLegacy)
        // A Docker CLI with no engine: auto falls back to podman; a project that insists on docker is told why not.
        let clientOnly = MethodEnvironment(podman: "/usr/bin/podman", docker: "/usr/local/bin/docker", dockerEngine: false)
        #expect(try step(clientOnly).1.parser == .podman)
        let (blocked, _) = try step(clientOnly, .docker)
        #expect(blocked.blockers.first?.reason.contains("finds no running engine") == true)
        // The project can prefer podman over a running Docker engine.
        #expect(try step(buildx, .podman).1.parser == .podman)
        // Several platforms with a Docker engine that has no buildx: auto takes podman; a project pinned to docker is told why not.
        let multi = try manifest("name: m\nmethod: buildx\nplatforms: [linux/amd64, linux/arm64]\nbase: alpine\ncommands: [true]\n")
        let both = MethodEnvironment(podman: "/usr/bin/podman", docker: "/usr/bin/docker", dockerEngine: true, dockerMajorVersion: 20)
        let auto = try ContainerMethod(method: .buildx, environment: both).plan(multi, project: project(), warnings: [])
        #expect(try buildStep(auto).parser == .podman && auto.blockers.isEmpty)
        let pinned = try ContainerMethod(method: .buildx, environment: both).plan(multi, project: project(engine: .docker), warnings: [])
        #expect(pinned.blockers.first?.tool == "docker buildx")
    }

    @Test func buildxThroughPodmanUsesAManifestListAndExportsOneIndex() throws {
        let m = try manifest("name: multi\nmethod: buildx\nplatforms: [linux/amd64, linux/arm64]\ncontainerfile: Containerfile\ntags: [x:1]\n")
        let plan = try ContainerMethod(method: .buildx, environment: Self.podmanHere).plan(m, project: project(), warnings: [])
        let step = try buildStep(plan)
        #expect(step.commands.first?.mayFail == true, "an earlier manifest list is removed first")
        let argv = try #require(step.commands.last?.argv)
        #expect(argv.contains("--platform") && argv.contains("linux/amd64,linux/arm64"))
        #expect(argv.contains("--manifest") && argv.contains("localhost/x:1"))
        #expect(argv.suffix(3) == ["-f", "Containerfile", "."])
        let export = try #require(plan.steps.first { $0.name == "Export image" }?.commands.first?.argv)
        #expect(export.suffix(5) == ["manifest", "push", "--all", "localhost/x:1", "oci-archive:image.tar"])
    }

    @Test func baseArchivesAreLoadedAndTagged() throws {
        let m = try manifest("name: a\nmethod: docker\nbase: ./debian.tar\nload: tools.tar\ncommands: [true]\n")
        let plan = try ContainerMethod(method: .docker, environment: Self.podmanHere).plan(m, project: project(), warnings: [])
        let loads = try #require(plan.steps.first { $0.name == "Base image" }?.commands)
        #expect(loads.last?.argv.suffix(3) == ["load", "-i", "tools.tar"])
        let load = try #require(loads.first)
        #expect(load.argv[0] == "/bin/sh" && load.argv.suffix(2).first == "./debian.tar")
        let image = try #require(load.argv.last)
        #expect(image.hasPrefix("localhost/imagefactory-base:"))
        #expect(try buildStep(plan).files.first?.contents.contains("FROM \(image)") == true)
    }

    /// The packer step of a manifest with limits, two builders and text that looks like HCL interpolation.
    func packerStepWithLimitsAndInterpolation() throws -> BuildPlan.PlannedStep {
        let m = try manifest("""
            name: vm
            method: packer
            base: disk.qcow2
            builders: ["null", qemu]
            commands: ['echo "${HOME} %{x}"']
            env: {A: b}
            resources: {memory: 2GiB, cpus: 2}
            """)
        let plan = try PackerMethod(environment: MethodEnvironment(packer: "/usr/bin/packer")).plan(m, project: project(), warnings: [])
        return try buildStep(plan)
    }

    @Test func generatedPackerTemplateCarriesTheLimitsAndEscapesTheUsersText() throws {
        let step = try packerStepWithLimitsAndInterpolation()
        let hcl = try #require(step.files.first).contents
        #expect(hcl.contains("memory           = 2048") && hcl.contains("cpus             = 2"), "the VM gets the build's limits")
        #expect(hcl.contains("accelerator      = \"tcg\""))
        #expect(hcl.contains(#""echo \"$${HOME} %%{x}\"","#), "no HCL interpolation of the user's text")
        #expect(step.commands[0].argv.contains("-machine-readable"))
    }

    @Test(.enabled(if: BuildTools.environment.packer != nil, "packer is not installed (apt-get install packer)"))
    func generatedPackerTemplateValidatesWithPacker() throws {
        let packer = try #require(BuildTools.environment.packer)
        let hcl = try #require(try packerStepWithLimitsAndInterpolation().files.first).contents
        let dir = try TemporaryHome()
        let path = try dir.write("t.pkr.hcl", hcl)
        let result = runTool([packer, "validate", path])
        #expect(result.status == 0, "\(result.output)")
    }

    /// A nix manifest whose command holds `${x}`, a backslash and `$out`, and its plan.
    func nixManifestAndStep() throws -> (Manifest, BuildPlan.PlannedStep, BuildPlan) {
        let m = try manifest("name: n\nmethod: nix\ncommands: ['echo \"${x} \\\\ $out\" > $out']\nenv: {GREETING: hi}\n")
        let plan = try NixMethod(environment: MethodEnvironment(nixBuild: "/usr/bin/nix-build", nixStore: "/usr/bin/nix-store")).plan(m, project: project(), warnings: [])
        return (m, try buildStep(plan), plan)
    }

    @Test func generatedNixExpressionRunsTheScriptWithShAndExportsTheClosure() throws {
        let (_, step, plan) = try nixManifestAndStep()
        let expr = try #require(step.files.first).contents
        #expect(expr.contains("builder = \"/bin/sh\";") && expr.contains("GREETING = \"hi\";"))
        #expect(step.commands[0].argv.prefix(4) == ["/usr/bin/nix-build", "--log-format", "internal-json", "-v"])
        #expect(plan.producedArtifacts == [NixMethod.closureArchive, "result"])
    }

    @Test(.enabled(if: BuildTools.environment.nixBuild != nil, "nix is not installed (apt-get install nix-bin)"))
    func generatedNixExpressionParses() throws {
        let nixBuild = try #require(BuildTools.environment.nixBuild)
        let (m, step, _) = try nixManifestAndStep()
        let expr = try #require(step.files.first).contents
        let instantiate = (nixBuild as NSString).deletingLastPathComponent + "/nix-instantiate"
        let result = runTool([instantiate, "--eval", "--strict", "--json", "-E", "(\(expr.split(separator: "\n").dropFirst().joined(separator: "\n"))).args"])
        #expect(result.status == 0, "\(result.output)")
        let args = try JSONDecoder().decode([String].self, from: Data(result.output.utf8))
        #expect(args == ["-c", "set -e\n" + m.commands[0]], "the script reaches /bin/sh exactly as written")
    }

    @Test func kanikoPlansTheExecutorAndIsBlockedWithoutIt() throws {
        let m = try manifest("name: k\nmethod: kaniko\nbase: alpine\ncommands: [true]\ntags: [k:1]\n")
        let missing = try ContainerMethod(method: .kaniko, environment: MethodEnvironment()).plan(m, project: project(), warnings: [])
        #expect(missing.blockers == [ContainerMethod.kanikoMissing])
        let present = try ContainerMethod(method: .kaniko, environment: MethodEnvironment(kaniko: "/kaniko/executor")).plan(m, project: project(), warnings: [])
        let step = try buildStep(present)
        #expect(present.blockers.isEmpty && step.parser == .kaniko)
        #expect(step.commands[0].argv == ["/kaniko/executor", "--context", "dir://.", "--dockerfile", "imagefactory.Containerfile",
                                          "--no-push", "--tar-path", "image.tar", "--destination", "localhost/k:1"])
    }

    @Test func imageArchivesAreTypedByTheirFirstMember() {
        func header(_ name: String) -> [UInt8] {
            var b = [UInt8](repeating: 0, count: 512)
            b.replaceSubrange(0..<name.utf8.count, with: Array(name.utf8))
            b.replaceSubrange(257..<262, with: Array("ustar".utf8))
            return b
        }
        let hex = String(repeating: "ab12", count: 16)
        #expect(ArtifactType.detect(header: header("blobs/"), name: "image.tar") == "OCI image archive (tar)")
        #expect(ArtifactType.detect(header: header("oci-layout"), name: "image.tar") == "OCI image archive (tar)")
        #expect(ArtifactType.detect(header: header(hex + "/"), name: "image.tar") == "docker image archive (tar)")
        #expect(ArtifactType.detect(header: header(hex + ".json"), name: "image.tar") == "docker image archive (tar)")
        #expect(ArtifactType.detect(header: header("manifest.json"), name: "image.tar") == "docker image archive (tar)")
        #expect(ArtifactType.detect(header: header("out/hello.txt"), name: "hello.tar") == "tar archive")
    }

    @Test func trackerKeepsTheFailingStepsLastLinesInOrderAndItsError() {
        let tracker = ToolStepTracker(parser: PodmanProgressParser(), build: BuildID(rawValue: 1), stepIndex: 2, firstSeq: 0)
        _ = tracker.observe("STEP 1/2: FROM scratch", seq: 0)
        _ = tracker.observe("STEP 2/2: RUN make", seq: 1)
        for i in 1...50 { _ = tracker.observe("output line \(i)", seq: Int64(1 + i)) }
        #expect(tracker.observe(#"Error: building at STEP "RUN make": while running runtime: exit status 2"#, seq: 52) == .error)
        tracker.finish(succeeded: false, cancelled: false, seq: 53)
        let failed = tracker.failedStep
        #expect(failed?.name == "RUN make")
        let excerpt = failed?.excerpt?.split(separator: "\n").map(String.init) ?? []
        #expect(excerpt.count == ToolStepTracker.excerptLines)
        #expect(excerpt.first == "output line 32" && excerpt.dropLast().last == "output line 50", "\(excerpt)")
        #expect(tracker.lastError?.hasPrefix("building at STEP") == true)
        #expect(failed?.lineCount == 52, "its STEP line, 50 lines of output and the error")
    }
}
