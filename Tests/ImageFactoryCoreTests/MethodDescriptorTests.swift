import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryTUI

/// Each method is described once: its options, required fields, doctor probes, example and planner. What reads the
/// descriptors (validation, the schema's keys, doctor, the examples project, the help guide) must agree with them.
@Suite struct MethodDescriptorTests {
    @Test func everyConcreteMethodHasExactlyOneDescriptor() {
        for method in BuildMethod.concrete {
            #expect(MethodDescriptor.all.filter { $0.method == method }.count == 1, "\(method)")
        }
        #expect(MethodDescriptor.for(.default) == nil)
        #expect(MethodDescriptor.all.count == BuildMethod.concrete.count)
    }

    @Test func theCatalogPlansWithTheDescriptorsPlanner() throws {
        for method in BuildMethod.concrete {
            let planner = try #require(BuildMethodCatalog.planner(for: method, environment: MethodEnvironment()))
            #expect(planner.method == method)
        }
        #expect(BuildMethodCatalog.planner(for: .default, environment: MethodEnvironment()) == nil)
    }

    @Test func theSchemasMethodKeysAreTheDescriptorsOptions() {
        let declared = Set(MethodDescriptor.all.flatMap(\.options).map(\.key))
        #expect(Set(ManifestSchema.methodOptionKeys) == declared)
        #expect(ManifestSchema.methodOptionKeys.count == declared.count)
        // The order `Manifest.yaml()` writes them in.
        #expect(ManifestSchema.methodOptionKeys == [
            "containerfile", "dockerfile", "platforms", "build_args", "target", "load", "push",
            "template", "variables", "builders", "on_error",
            "expression", "flake", "attribute",
        ])
        for key in declared {
            let owners = ManifestSchema.methods(acceptingOption: key)
            #expect(owners == BuildMethod.concrete.filter { MethodDescriptor.for($0)!.declares(key) }, "\(key)")
            #expect(ManifestSchema.optionType(of: key) != nil, "\(key)")
        }
        for key in ManifestSchema.commonKeys {
            #expect(ManifestSchema.methods(acceptingOption: key).isEmpty)
            #expect(!declared.contains(key), "a method option must not shadow the common key \(key)")
        }
        #expect(ManifestSchema.methods(acceptingOption: "target") == [.docker, .buildx, .kaniko])
        #expect(ManifestSchema.methods(acceptingOption: "variables") == [.packer])
        #expect(ManifestSchema.methods(acceptingOption: "flake") == [.nix])
    }

    /// The typed keys the planners read are the ones their descriptors declare.
    @Test func theKeysPlannersReadAreDeclared() {
        #expect(MethodDescriptor.docker.options == ContainerOption.all)
        #expect(MethodDescriptor.buildx.options == ContainerOption.all)
        #expect(MethodDescriptor.kaniko.options == ContainerOption.all)
        #expect(MethodDescriptor.packer.options == PackerOption.all)
        #expect(MethodDescriptor.nix.options == NixOption.all)
        #expect(MethodDescriptor.shell.options.isEmpty)
        let read: [(BuildMethod, String)] = [
            (.docker, ContainerOption.containerfile.key), (.docker, ContainerOption.dockerfile.key), (.docker, ContainerOption.platforms.key),
            (.docker, ContainerOption.buildArgs.key), (.docker, ContainerOption.target.key), (.docker, ContainerOption.load.key),
            (.docker, ContainerOption.push.key),
            (.packer, PackerOption.template.key), (.packer, PackerOption.variables.key), (.packer, PackerOption.builders.key),
            (.packer, PackerOption.onError.key),
            (.nix, NixOption.expression.key), (.nix, NixOption.flake.key), (.nix, NixOption.attribute.key),
        ]
        for (method, key) in read { #expect(MethodDescriptor.for(method)!.declares(key), "\(method) \(key)") }
    }

    @Test func typedAccessorsReadTheValidatedValues() throws {
        let check = ManifestLoader.check(text: """
            name: app
            method: docker
            base: scratch
            platforms: [linux/amd64]
            build_args: {A: "1"}
            target: final
            push: true
            """, context: .unrestricted)
        let manifest = try #require(check.manifest, "\(check.diagnostics.map(\.message))")
        #expect(manifest.option(ContainerOption.platforms) == ["linux/amd64"])
        #expect(manifest.option(ContainerOption.buildArgs) == ["A": .string("1")])
        #expect(manifest.option(ContainerOption.target) == "final")
        #expect(manifest.option(ContainerOption.push) == true)
        #expect(manifest.option(ContainerOption.load) == nil)
        #expect(manifest.sets(ContainerOption.target))
        #expect(!manifest.sets(ContainerOption.containerfile))
    }

    @Test func examplesAreTheDescriptorsAndValidate() throws {
        #expect(ExampleTemplates.all.map(\.name) == ["shell-hello", "docker-busybox", "buildx-multiarch", "kaniko-app", "packer-file", "nix-hello"])
        for descriptor in MethodDescriptor.all {
            let check = ManifestLoader.check(text: descriptor.example.manifest, context: .unrestricted)
            let manifest = try #require(check.manifest, "\(descriptor.method): \(check.diagnostics.map(\.message))")
            #expect(manifest.method == descriptor.method)
            #expect(manifest.name == descriptor.example.name)
            #expect(check.diagnostics.isEmpty, "\(descriptor.method): \(check.diagnostics.map(\.message))")
        }
    }

    @Test func requiredFieldsComeFromTheDescriptors() {
        func errors(_ text: String) -> [String] {
            ManifestLoader.check(text: text, context: .unrestricted).diagnostics.filter { $0.severity == .error }.map(\.message)
        }
        #expect(errors("name: a\nmethod: docker\n") == ["missing required field `base` (required by method `docker` unless `containerfile` or `dockerfile` is given)"])
        #expect(errors("name: a\nmethod: packer\n") == ["missing required field `template` or `commands` (required by method `packer`)"])
        #expect(errors("name: a\nmethod: nix\ncommands: []\n") == ["missing required field `expression`, `flake` or `commands` (required by method `nix`)"])
        #expect(errors("name: a\nmethod: shell\n") == ["missing required field `commands` (required by method `shell`)"])
        #expect(errors("name: a\nmethod: shell\ncommands: []\n") == ["field `commands`: must contain at least one command (required by method `shell`)"])
        #expect(errors("name: a\nmethod: kaniko\ndockerfile: Dockerfile\n").isEmpty)
        #expect(errors("name: a\nmethod: nix\nflake: .#x\n").isEmpty)
    }

    @Test func theGuideListsEachDescriptorsSummary() {
        let page = HelpOverlay.guidePage(project: nil, admins: [])
        for descriptor in MethodDescriptor.all {
            #expect(page.contains("  \(descriptor.method.rawValue): \(descriptor.summary)"), "\(descriptor.method)")
        }
    }

    @Test func doctorsToolsComeFromTheDescriptorsInTheirOrder() {
        #expect(FactoryService.toolProbes.map(\.name) == ["sh", "tar", "podman", "docker", "skopeo", "executor", "packer", "nix-build", "tmux"])
        #expect(FactoryService.installHint("nix-build") == "apt-get install nix-bin")
        #expect(FactoryService.installHint("executor") == "no Debian package: kaniko's executor must be installed by hand")
        #expect(FactoryService.installHint("buildah") == "apt-get install buildah")
        #expect(FactoryService.installHint("sh") == nil)
        for descriptor in MethodDescriptor.all {
            for tool in descriptor.tools { #expect(FactoryService.toolProbes.contains(tool)) }
        }
    }

    /// A method's tools are found by name from its descriptor, so a new method needs no field in MethodEnvironment.
    @Test func theEnvironmentFindsEveryDescriptorsTools() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("descriptor-tools-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let packer = dir.appendingPathComponent("packer").path
        try "#!/bin/sh\necho 1.0\n".write(toFile: packer, atomically: true, encoding: .utf8)
        chmod(packer, 0o755)
        let env = MethodEnvironment.detect(path: dir.path)
        #expect(env.tool("packer") == packer)
        #expect(env.tool("nix-build") == nil)
        #expect(MethodEnvironment(tools: ["bazel": "/usr/bin/bazel"]).tool("bazel") == "/usr/bin/bazel")
    }
}
