import Foundation

/// The docker, buildx and kaniko methods: a Containerfile (the manifest's own, or generated), built by the
/// project's engine (podman or a Docker engine) or by kaniko's executor, tagged, then exported as an archive.
public struct ContainerMethod: BuildMethodPlanner {
    public let method: BuildMethod
    let environment: MethodEnvironment

    /// The image archive every container build stores as an artifact.
    public static let archiveName = "image.tar"
    static let generatedContainerfile = "imagefactory.Containerfile"

    public init(method: BuildMethod, environment: MethodEnvironment) {
        self.method = method
        self.environment = environment
    }

    public func plan(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic]) throws -> BuildPlan {
        var plan = BuildPlan.common(manifest, project: project, warnings: warnings, method: method)
        let tags = Self.imageReferences(manifest)
        let platforms = manifest.option(ContainerOption.platforms) ?? []
        let base = manifest.base ?? "scratch"
        let archive = Self.baseArchive(base, manifest: manifest)

        // The Containerfile: the manifest's own (inline text, or a path in the context), else generated.
        let input: ToolInput
        if let given = manifest.option(ContainerOption.containerfile) ?? manifest.option(ContainerOption.dockerfile) {
            input = .given(given, inline: false, generatedPath: Self.generatedContainerfile, what: "Containerfile")
        } else {
            input = .generated(ContainerfileGenerator.generate(manifest, from: archive.map { $0.imageName } ?? base),
                               path: Self.generatedContainerfile,
                               detail: "a Containerfile generated from base, env, dependencies and commands")
        }
        let containerfilePath = input.path
        let files = input.file.map { [$0] } ?? []

        let outputFormat = manifest.output == "docker" ? "docker-archive" : "oci-archive"
        // Kaniko needs no engine: its executor builds and writes the archive itself.
        var engineResult: Result<ContainerEngine, MethodUnavailable> = method == .kaniko
            ? .failure(Self.kanikoMissing) : environment.containerEngine(for: project.containerEngine)
        // Several platforms need buildx; without it, `auto` takes podman, which builds them under qemu.
        if platforms.count > 1, project.containerEngine == .auto, case .success(.docker(_, false, _)) = engineResult,
           environment.podman != nil {
            engineResult = environment.containerEngine(for: .podman)
        }
        if method == .kaniko {
            if environment.kaniko == nil { plan.blockers.append(Self.kanikoMissing) }
        } else if case .failure(let why) = engineResult {
            plan.blockers.append(why)
        }
        if method == .buildx, platforms.isEmpty {
            plan.warnings.append(ManifestDiagnostic(severity: .warning, message: "method buildx without `platforms`: builds for this machine's platform only",
                                                    field: "platforms"))
        }

        var loadCommands: [BuildPlan.PlannedCommand] = []
        var loadDetails: [String] = []
        var buildCommands: [BuildPlan.PlannedCommand] = []
        var buildDetails = [input.detail]
        var exportCommands: [BuildPlan.PlannedCommand] = []
        var parser: ToolParserKind
        let limitFlags = Self.limitFlags(plan.limits)

        switch (method, engineResult) {
        case (.kaniko, _):
            parser = .kaniko
            let executor = environment.kaniko ?? "executor"
            plan.engineNote = "kaniko executor \(executor): builds without a container engine; run it only inside a container or VM, since it unpacks the base over its own root"
            if let archive { loadDetails.append("kaniko reads the base archive itself: \(archive.path)") }
            // With `push: true` kaniko pushes to the destinations itself.
            var argv = [executor, "--context", "dir://.", "--dockerfile", containerfilePath]
            if manifest.option(ContainerOption.push) != true { argv.append("--no-push") }
            argv += ["--tar-path", Self.archiveName]
            for tag in tags { argv += ["--destination", tag] }
            argv += buildArgFlags(manifest)
            if let target = manifest.option(ContainerOption.target) { argv += ["--target", target] }
            if let platform = platforms.first { argv += ["--custom-platform", platform] }
            buildCommands.append(.init(source: "kaniko build", argv: argv))
            buildDetails.append("the executor writes the image as a docker-archive tarball to \(Self.archiveName)")
            exportCommands = []
        case (_, .success(.docker(let docker, let buildx, let buildKit))):
            plan.engineNote = "engine: \(ContainerEngine.docker(path: docker, buildx: buildx, buildKit: buildKit).name) at \(docker) (project setting: \(project.containerEngine.rawValue))"
            if let archive {
                loadCommands.append(Self.loadCommand(engine: docker, archive: archive))
                loadDetails.append("load the base image archive \(archive.path) and tag it \(archive.imageName)")
            }
            var argv = [docker]
            if buildx {
                argv += ["buildx", "build", "--progress=rawjson"]
                parser = .buildkitRawJSON
                if !platforms.isEmpty { argv += ["--platform", platforms.joined(separator: ",")] }
                argv += ["--output", "type=\(outputFormat == "docker-archive" && platforms.count <= 1 ? "docker" : "oci"),dest=\(Self.archiveName)"]
            } else {
                argv += ["build"]
                if buildKit { argv.append("--progress=plain") }
                parser = buildKit ? .buildkitPlain : .dockerLegacy
                if platforms.count > 1 {
                    plan.blockers.append(MethodUnavailable(
                        tool: "docker buildx", reason: "several platforms need `docker buildx`, which is not installed with \(docker)",
                        install: "install the docker-buildx plugin, or set the project's container engine to podman (qemu-user-static)"))
                } else if let platform = platforms.first { argv += ["--platform", platform] }
                argv += limitFlags.flags
            }
            if environment.dockerWithoutBridge {
                argv.append("--network=none")
                buildDetails.append("the Docker engine has no bridge network (dockerd --bridge=none): RUN steps run with --network=none")
            }
            argv += ["-f", containerfilePath]
            for tag in tags { argv += ["-t", tag] }
            argv += buildArgFlags(manifest)
            if let target = manifest.option(ContainerOption.target) { argv += ["--target", target] }
            argv.append(".")
            buildCommands.append(.init(source: "docker build", argv: argv,
                                       environment: buildx ? [:] : ["DOCKER_BUILDKIT": buildKit ? "1" : "0"]))
            if !buildx {
                exportCommands.append(.init(source: "save the image", argv: [docker, "save", "-o", Self.archiveName, tags[0]]))
            }
        case (_, .success(.podman(let podman, let flags))):
            parser = .podman
            plan.engineNote = "engine: podman at \(podman) \(flags.joined(separator: " ")) (project setting: \(project.containerEngine.rawValue))"
            let p = [podman] + flags
            if let archive {
                loadCommands.append(Self.loadCommand(engine: p.map(shellQuote).joined(separator: " "), archive: archive))
                loadDetails.append("load the base image archive \(archive.path) and tag it \(archive.imageName)")
            }
            var argv = p + ["build", "--pull=missing"]
            argv += limitFlags.flags
            if platforms.count > 1 || method == .buildx {
                // A manifest list left by an earlier build would gain this build's images; start afresh.
                buildCommands.append(.init(
                    source: "remove an earlier manifest list \(tags[0])",
                    argv: ["/bin/sh", "-c", "if \(p.map(shellQuote).joined(separator: " ")) manifest exists \(shellQuote(tags[0])); then \(p.map(shellQuote).joined(separator: " ")) manifest rm \(shellQuote(tags[0])); fi"],
                    mayFail: true))
                if !platforms.isEmpty { argv += ["--platform", platforms.joined(separator: ",")] }
                argv += ["--manifest", tags[0]]
                buildDetails.append("one group of steps per platform; other platforms run under qemu-user-static (binfmt_misc)")
                exportCommands.append(.init(source: "export every platform as one OCI index archive",
                                            argv: p + ["manifest", "push", "--all", tags[0], "oci-archive:\(Self.archiveName)"]))
            } else {
                if let platform = platforms.first { argv += ["--platform", platform] }
                for tag in tags { argv += ["-t", tag] }
                exportCommands.append(.init(source: "save the image",
                                            argv: p + ["save", "--format", outputFormat, "-o", Self.archiveName, tags[0]]))
            }
            argv += ["-f", containerfilePath]
            argv += buildArgFlags(manifest)
            if let target = manifest.option(ContainerOption.target) { argv += ["--target", target] }
            argv.append(".")
            buildCommands.append(.init(source: "podman build", argv: argv))
        case (_, .failure):
            parser = .podman
            buildDetails.append("cannot run here: \(plan.blockers.map(\.description).joined(separator: "; "))")
        }
        if manifest.option(ContainerOption.push) == true, method != .kaniko {
            let engine = try? engineResult.get().command
            for tag in tags {
                if let engine { exportCommands.append(.init(source: "push \(tag)", argv: engine + ["push", tag])) }
            }
        }

        // `load: FILE`: an image archive loaded before the build, for a Containerfile that names the image inside.
        if let load = manifest.option(ContainerOption.load), method != .kaniko {
            let engine = try? engineResult.get().command
            if let engine {
                loadCommands.append(.init(source: "load \(load)", argv: engine + ["load", "-i", load]))
                loadDetails.append("load the image archive \(load) into the engine's store")
            }
        }
        if loadDetails.isEmpty {
            loadDetails.append(base == "scratch" ? "base `scratch`: nothing to load or pull"
                : "base `\(base)`: used from the local image store, pulled from its registry only when missing")
        }
        buildDetails.append("tags: " + tags.joined(separator: ", "))
        if !limitFlags.note.isEmpty { buildDetails.append(limitFlags.note) }
        var exportDetails = ["\(Self.archiveName): \(platforms.count > 1 || method == .buildx ? "an OCI index archive holding every platform" : outputFormat)"]
        if method == .kaniko { exportDetails = ["kaniko already wrote \(Self.archiveName) (docker-archive)"] }

        plan.steps.insert(contentsOf: [
            .init(name: "Base image", kind: .commands, details: loadDetails, commands: loadCommands, files: []),
            .init(name: "Build image", kind: .commands, details: buildDetails, commands: buildCommands, files: files, parser: parser),
            .init(name: "Export image", kind: .commands, details: exportDetails, commands: exportCommands, files: []),
        ], at: 1)
        plan.producedArtifacts = [Self.archiveName]
        return plan
    }

    static let kanikoMissing = MethodUnavailable(
        tool: "executor", reason: "kaniko's executor is not installed (no `executor` on PATH, no /kaniko/executor)",
        install: "kaniko has no Debian package: run the build inside the gcr.io/kaniko-project/executor image, or copy its /kaniko/executor onto PATH")

    func buildArgFlags(_ manifest: Manifest) -> [String] {
        guard let args = manifest.option(ContainerOption.buildArgs) else { return [] }
        return args.sorted { $0.key < $1.key }.flatMap { ["--build-arg", "\($0.key)=\($0.value.stringValue ?? "")"] }
    }

    /// Full references for the manifest's tags: a bare tag names a version of `localhost/NAME`.
    static func imageReferences(_ manifest: Manifest) -> [String] {
        let name = manifest.name.lowercased().map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "-" }
        let repo = "localhost/" + String(name)
        let tags = manifest.tags.map { tag -> String in
            if tag.contains("/") { return tag }
            if tag.contains(":") { return "localhost/" + tag }
            return "\(repo):\(tag)"
        }
        return tags.isEmpty ? ["\(repo):latest"] : tags
    }

    struct BaseArchive {
        var path: String
        var imageName: String
    }

    /// A base that names an image archive (`oci-archive:`, `docker-archive:` or a `.tar` file) instead of a registry image.
    static func baseArchive(_ base: String, manifest: Manifest) -> BaseArchive? {
        var path = base
        for prefix in ["oci-archive:", "docker-archive:"] where base.hasPrefix(prefix) { path = String(base.dropFirst(prefix.count)) }
        guard path != base || [".tar", ".tar.gz", ".tgz"].contains(where: { base.hasSuffix($0) }) else { return nil }
        // Archives in the context are read from the workspace copy; others where they are.
        let display = path
        let digest = FileDigest.sha256(of: display + (manifest.context ?? "")).prefix(12)
        return BaseArchive(path: display, imageName: "localhost/imagefactory-base:\(digest)")
    }

    static func loadCommand(engine: String, archive: BaseArchive) -> BuildPlan.PlannedCommand {
        let script = """
            out=$(\(engine) load -i "$1") || exit $?
            printf '%s\\n' "$out"
            image=$(printf '%s\\n' "$out" | sed -n 's/^Loaded image[^:]*: *//p' | head -n 1)
            [ -n "$image" ] || { echo "Error: no image found in $1" >&2; exit 1; }
            \(engine) tag "$image" "$2"
            """
        return .init(source: "load \(archive.path)", argv: ["/bin/sh", "-c", script, "load-base", archive.path, archive.imageName])
    }

    /// The same flags for podman and docker build.
    struct LimitFlags {
        var flags: [String]
        var note: String
    }

    /// Limits passed to the engine, so they reach the build's containers and not only the client process.
    static func limitFlags(_ limits: LimitRequest) -> LimitFlags {
        var flags: [String] = []
        var notes: [String] = []
        if let memory = limits.memoryBytes {
            flags += ["--memory", "\(memory)b"]
            notes.append("memory \(ByteCount(bytes: memory))")
        }
        if let cpus = limits.cpus {
            flags += ["--cpu-period", "100000", "--cpu-quota", String(Int((cpus * 100_000).rounded()))]
            notes.append("\(String(format: "%g", cpus)) CPU")
        }
        return LimitFlags(flags: flags,
                          note: notes.isEmpty ? "" : "the engine limits each RUN container: " + notes.joined(separator: ", "))
    }
}
