/// The templates the `examples` project starts with: one per build method, each a manifest that validates.
enum ExampleTemplates {
    struct Example {
        var name: String
        var method: BuildMethod
        var description: String
        var manifest: String
    }

    static let readme = """
        # examples

        One template per build method. Start from one:

            imagefactory build new --template shell-hello hello.yaml
            imagefactory build start hello.yaml --wait
        """

    static let all: [Example] = [
        Example(name: "shell-hello", method: .shell, description: "Plain shell build that packs a tarball", manifest: """
            name: shell-hello
            method: shell
            dependencies: [tar, gzip]
            commands:
              - mkdir -p out
              - echo "hello from $(uname -sr)" > out/hello.txt
              - tar -czf hello.tar.gz -C out .
            output: tar
            artifacts:
              - hello.tar.gz
            tags: [example]
            resources:
              memory: 512MiB
              timeout: 10m

            """),
        Example(name: "docker-busybox", method: .docker, description: "Container image from scratch with a static busybox", manifest: """
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
        Example(name: "buildx-multiarch", method: .buildx, description: "Multi-platform image (amd64 and arm64)", manifest: """
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
        Example(name: "kaniko-app", method: .kaniko, description: "Unprivileged image build with kaniko", manifest: """
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
        Example(name: "packer-file", method: .packer, description: "Packer template with the file builder", manifest: """
            name: packer-file
            method: packer
            template: |
              variable "message" {
                type = string
              }
              source "file" "hello" {
                content = "${var.message}\\n"
                target  = "output/hello.txt"
              }
              build {
                sources = ["source.file.hello"]
              }
            variables:
              message: hello
            output: file

            """),
        Example(name: "nix-hello", method: .nix, description: "Reproducible builtins-only nix derivation", manifest: """
            name: nix-hello
            method: nix
            expression: |
              derivation {
                name = "hello";
                system = builtins.currentSystem;
                builder = "/bin/sh";
                args = [ "-c" "echo hello > $out" ];
              }
            output: nix-closure
            artifacts:
              - result

            """),
    ]
}
