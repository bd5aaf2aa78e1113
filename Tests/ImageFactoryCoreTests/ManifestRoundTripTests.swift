import Testing
@testable import ImageFactoryCore

@Test func yamlRendersFieldsInExampleOrderWithoutComments() throws {
    let manifest = try #require(ManifestFixtures.check(ManifestFixtures.example).manifest)
    #expect(manifest.yaml() == """
        name: hello-shell
        method: shell
        base: debian:bookworm
        dependencies:
          - gcc
          - make
        commands:
          - make all
          - ./run-tests.sh
        output: tar
        artifacts:
          - dist/*.tar.gz
        tags:
          - latest
          - v1
        resources:
          cpus: 2
          memory: 2GiB
          timeout: 30m
        env:
          CC: gcc
        context: ./src

        """)
}

@Test func yamlRoundTripsTheExample() throws {
    let manifest = try #require(ManifestFixtures.check(ManifestFixtures.example).manifest)
    let again = ManifestFixtures.check(manifest.yaml())
    #expect(again.diagnostics.isEmpty)
    #expect(again.manifest == manifest)
}

@Test func yamlQuotesStringsThatWouldReadBackDifferently() throws {
    var manifest = Manifest(name: "tricky", method: .docker, base: "yes")
    manifest.commands = ["", " padded ", "a: b", "x #y", "- dash", "*glob", "multi\nline", "tab\there", "null", "1.0",
                         "0x1F", "~", "quote\"and\\slash", "emoji 🚀", "bell\u{7}", "bom\u{FEFF}", "nel\u{85}", "<<", "="]
    manifest.commands.removeFirst()
    manifest.tags = ["true", "2024-01-01"]
    manifest.env = ["ON": "off", "EMPTY": ""]
    manifest.resources = ResourceRequest(cpus: 0.25, memory: ByteCount(bytes: 123_457), timeout: .milliseconds(3_723_004))
    manifest.methodOptions = [
        "dockerfile": .string("build/Dockerfile"),
        "platforms": .list([.string("linux/amd64")]),
        "build_args": .map(["N": .string("3"), "E": .string("")]),
        "push": .bool(false),
        "load": .string("image.tar"),
    ]
    let check = ManifestFixtures.check(manifest.yaml())
    #expect(check.diagnostics.isEmpty, "\(check.diagnostics)")
    #expect(check.manifest == manifest)
}

@Test func yamlRoundTripsEveryMethodsOptions() throws {
    let manifests = [
        Manifest(name: "vm", method: .packer, methodOptions: [
            "template": .string("vm.pkr.hcl"), "on_error": .string("abort"), "builders": .list([.string("qemu")]),
            "variables": .map(["size": .number(20.5), "big": .number(1e20), "nested": .list([.map(["a": .list([])]), .list([.bool(true)])]),
                               "empty": .map([:]), "name": .string("1.0")]),
        ]),
        Manifest(name: "nixy", method: .nix, output: "nix-closure",
                 methodOptions: ["flake": .string(".#image"), "attribute": .string("docker")]),
        Manifest(name: "kan", method: .kaniko, base: "gcr.io/distroless/static", output: "oci",
                 methodOptions: ["containerfile": .string("Containerfile"), "target": .string("final")]),
    ]
    for manifest in manifests {
        let check = ManifestFixtures.check(manifest.yaml())
        #expect(check.diagnostics.isEmpty, "\(check.diagnostics)")
        #expect(check.manifest == manifest, "\(manifest.yaml())")
    }
}

@Test func yamlRoundTripsRandomStrings() throws {
    var random = ManifestSeededRandom(seed: 7)
    // No U+FEFF: Foundation's UTF-8 decoding inside Yams drops it from the start of a scalar.
    let alphabet = Array("aZ09 -_:#'\"\\{}[],&*!|>%@`?\t\n\r\u{0}\u{7F}\u{85}\u{A0}\u{2028}é漢🚀\u{FFFD}")
    for _ in 0..<1000 {
        let length = Int(random.next() % 12)
        let text = String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        var manifest = Manifest(name: "r", method: .shell, commands: ["run"])
        if !text.isEmpty {
            manifest.commands.append(text)
            manifest.base = text
            manifest.env = ["V": text]
        }
        let check = ManifestFixtures.check(manifest.yaml())
        #expect(check.manifest == manifest, "\(text.debugDescription)\n\(manifest.yaml())\n\(check.diagnostics)")
    }
}

@Test func multiLineStringsRenderAsLiteralBlocks() throws {
    let containerfile = "FROM scratch\nCOPY busybox /bin/busybox\n\nCMD [\"/bin/sh\"]\n"
    let manifest = Manifest(name: "img", method: .docker, base: "scratch",
                            commands: ["set -e\n  echo \"indented\"\ttab", "two\n\n\n", " leading\nspace"],
                            methodOptions: ["containerfile": .string(containerfile)])
    let text = manifest.yaml()
    #expect(text.contains("""
        containerfile: |
          FROM scratch
          COPY busybox /bin/busybox

          CMD ["/bin/sh"]
        """))
    #expect(text.contains("  - |-\n    set -e\n      echo \"indented\"\ttab\n"))
    #expect(text.contains("  - |+\n    two\n\n\n"))
    #expect(text.contains("  - \" leading\\nspace\"\n"))
    let check = ManifestFixtures.check(text)
    #expect(check.diagnostics.isEmpty, "\(check.diagnostics)")
    #expect(check.manifest == manifest, "\(text)")
}
