import Foundation

/// The options of the docker, buildx and kaniko methods.
enum ContainerOption {
    static let containerfile: OptionKey<String> = .string("containerfile", help: "the Containerfile: inline text, or a path in the context")
    static let dockerfile: OptionKey<String> = .string("dockerfile", help: "another name for `containerfile`")
    static let platforms: OptionKey<[String]> = .stringList("platforms", help: "the platforms to build, like [linux/amd64, linux/arm64]")
    static let buildArgs: OptionKey<[String: ManifestValue]> = .stringMap("build_args", help: "`--build-arg NAME=VALUE` for each entry")
    static let target: OptionKey<String> = .string("target", help: "the Containerfile stage to build")
    static let load: OptionKey<String> = .string("load", help: "an image archive loaded before the build, for a Containerfile whose FROM names its image")
    static let push: OptionKey<Bool> = .bool("push", help: "push the tags after the build")

    static let all: [MethodOption] = [
        containerfile.declaration, dockerfile.declaration, platforms.declaration, buildArgs.declaration,
        target.declaration, load.declaration, push.declaration,
    ]
}

extension MethodDescriptor {
    static let docker = MethodDescriptor(
        method: .docker,
        summary: "base (image, scratch, oci-archive:FILE) or containerfile; build_args, target, load, push",
        options: ContainerOption.all,
        requirement: ContainerMethod.requirement,
        tools: [
            ToolProbe(name: "podman", purpose: "docker, buildx methods", versionArguments: ["--version"],
                      foundStatus: "usable when `podman info` works (see the methods)", install: "apt-get install podman"),
            ToolProbe(name: "docker", purpose: "docker method", versionArguments: ["--version"],
                      foundStatus: "usable with a running Docker engine (see the methods)", install: "apt-get install docker.io"),
            ToolProbe(name: "skopeo", purpose: "inspecting image archives", versionArguments: ["--version"],
                      foundStatus: "usable", install: "apt-get install skopeo"),
        ],
        readiness: { probe in
            let engine = probe.containerEngine
            return MethodReadiness(method: .docker, tool: engine.tool, usable: engine.usable, usableNote: engine.note,
                                   limits: engine.usable ? "memory, cpu per RUN container" : "-", install: engine.install)
        },
        example: MethodExample(name: "docker-busybox", description: "Container image from scratch with a static busybox", manifest: """
            # Needs a static busybox beside the manifest (Debian: apt-get install busybox-static; cp /bin/busybox .).
            name: docker-busybox
            method: docker
            base: scratch
            context: .
            containerfile: |
              FROM scratch
              COPY busybox /bin/busybox
              RUN ["/bin/busybox", "--install", "-s", "/bin"]
              CMD ["/bin/sh"]
            output: oci
            artifacts:
              - image.tar
            tags: [busybox:latest]
            resources:
              memory: 1GiB
              timeout: 15m

            """),
        planner: { environment in ContainerMethod(method: .docker, environment: environment()) })

    static let buildx = MethodDescriptor(
        method: .buildx,
        summary: "like docker, with platforms [linux/amd64, linux/arm64]: one OCI index of all",
        options: ContainerOption.all,
        requirement: ContainerMethod.requirement,
        tools: [],
        readiness: { probe in
            let env = probe.environment
            let engine = probe.containerEngine
            let binfmt = access("/proc/sys/fs/binfmt_misc/qemu-aarch64", F_OK) == 0
            let usable = env.dockerEngine && env.dockerBuildx || engine.podmanWorks
            let note: String = env.dockerEngine && env.dockerBuildx ? "docker buildx"
                : engine.podmanWorks ? (binfmt ? "podman --platform --manifest; qemu-aarch64 registered" : "podman --platform --manifest; other platforms' RUN steps need qemu-user-static")
                : "no engine"
            return MethodReadiness(method: .buildx, tool: env.dockerBuildx ? engine.dockerVersion : engine.podmanVersion, usable: usable, usableNote: note,
                                   limits: usable ? "memory, cpu per RUN container" : "-",
                                   install: binfmt || !engine.podmanWorks ? engine.install : "apt-get install qemu-user-static binfmt-support; update-binfmts --enable qemu-aarch64")
        },
        example: MethodExample(name: "buildx-multiarch", description: "Multi-platform image (amd64 and arm64)", manifest: """
            # Needs busybox-amd64 and busybox-arm64 (static) beside the manifest, and qemu-user-static for arm64 RUN steps.
            name: buildx-multiarch
            method: buildx
            base: scratch
            context: .
            platforms: [linux/amd64, linux/arm64]
            containerfile: |
              FROM scratch
              ARG TARGETARCH
              COPY busybox-${TARGETARCH} /bin/busybox
              RUN ["/bin/busybox", "uname", "-m"]
              CMD ["/bin/busybox", "sh"]
            output: oci
            artifacts:
              - image.tar
            tags: [multiarch:latest]

            """),
        planner: { environment in ContainerMethod(method: .buildx, environment: environment()) })

    static let kaniko = MethodDescriptor(
        method: .kaniko,
        summary: "like docker; needs kaniko's executor (doctor says whether it is here)",
        options: ContainerOption.all,
        requirement: ContainerMethod.requirement,
        tools: [ToolProbe(name: "executor", purpose: "kaniko method", versionArguments: ["version"],
                          foundStatus: "usable inside a container or VM", install: "no Debian package: kaniko's executor must be installed by hand")],
        readiness: { probe in
            let kaniko = probe.environment.kaniko
            return MethodReadiness(method: .kaniko, tool: kaniko.flatMap { probe.version([$0, "version"]) ?? $0 }, usable: kaniko != nil,
                                   usableNote: kaniko != nil ? "executor found (run it inside a container or VM only)" : "not installed",
                                   limits: kaniko != nil ? probe.cgroupLimits : "-", install: kaniko == nil ? ContainerMethod.kanikoMissing.install : "")
        },
        example: MethodExample(name: "kaniko-app", description: "Unprivileged image build with kaniko", manifest: """
            name: kaniko-app
            method: kaniko
            base: debian:bookworm-slim
            commands:
              - apt-get update
              - apt-get install -y --no-install-recommends ca-certificates
            output: oci
            artifacts:
              - image.tar
            tags: [app:latest]

            """),
        planner: { environment in ContainerMethod(method: .kaniko, environment: environment()) })
}

extension ContainerMethod {
    /// A base image, unless the manifest brings its own Containerfile.
    static let requirement = MethodRequirement.oneOf(["base", ContainerOption.containerfile.key, ContainerOption.dockerfile.key],
                                                     firstUnlessOthers: true)
}

/// The container engine as doctor finds it: shared by the docker and buildx rows.
struct ContainerEngineReadiness {
    var podmanVersion: String?
    var podmanWorks: Bool
    var dockerVersion: String?
    var tool: String?
    var usable: Bool
    var note: String
    var install: String
}

extension DoctorProbe {
    var containerEngine: ContainerEngineReadiness {
        shared("container engine") {
            let env = environment
            let podmanVersion = env.podman.flatMap { version([$0, "--version"]) }
            let podmanWorks = env.podman.map { ProbeCommand.succeeds([$0] + env.podmanFlags + ["info", "--format", "{{.Host.OCIRuntime.Name}}"], timeout: 15) } ?? false
            let dockerVersion = env.docker.flatMap { version([$0, "--version"]) }
            var r = ContainerEngineReadiness(podmanVersion: podmanVersion, podmanWorks: podmanWorks, dockerVersion: dockerVersion,
                                             tool: nil, usable: false, note: "no container engine",
                                             install: "apt-get install podman runc (or docker.io and a running dockerd)")
            if env.dockerEngine, let v = dockerVersion {
                (r.tool, r.usable, r.note, r.install) = (v, true, "Docker engine answers" + (env.dockerBuildx ? " (buildx)" : ""), "")
            } else if let v = podmanVersion {
                (r.tool, r.usable, r.note, r.install) = (v, podmanWorks, podmanWorks ? "podman \(env.podmanFlags.joined(separator: " "))" : "`podman info` fails",
                                                         podmanWorks ? "" : "check `podman info`; on hosts without systemd podman needs runc and cgroupfs")
            } else if let v = dockerVersion {
                (r.tool, r.usable, r.note, r.install) = (v + " (client only)", false, "no Docker engine answers `docker info`", "apt-get install podman runc, or start dockerd")
            }
            return r
        }
    }
}
