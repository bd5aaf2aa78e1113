import Foundation
import Testing
@testable import ImageFactoryCore

/// Shared helpers for the manifest test files.
enum ManifestFixtures {
    static let example = """
        name: hello-shell
        method: shell            # docker | buildx | kaniko | packer | nix | shell | default
        base: debian:bookworm    # base image (for shell it's informational; not required)
        dependencies: [gcc, make]
        commands:
          - make all
          - ./run-tests.sh
        output: tar              # output format
        artifacts:               # one or more paths or globs
          - dist/*.tar.gz
        tags: [latest, v1]
        resources:
          cpus: 2                # number, may be fractional: 0.5
          memory: 2GiB           # ByteCount
          timeout: 30m           # duration
        env:
          CC: gcc
        context: ./src           # directory

        """

    static func check(_ text: String, context: ManifestValidationContext = .unrestricted) -> ManifestCheck {
        ManifestLoader.check(text: text, file: "build.yaml", context: context)
    }

    /// The single diagnostic whose message contains `fragment`.
    static func diagnostic(_ check: ManifestCheck, containing fragment: String) -> ManifestDiagnostic? {
        let matches = check.diagnostics.filter { $0.message.contains(fragment) }
        return matches.count == 1 ? matches[0] : nil
    }
}

@Test func exampleManifestParsesIntoEveryField() throws {
    let check = ManifestFixtures.check(ManifestFixtures.example)
    #expect(check.diagnostics.isEmpty)
    #expect(check.isValid)
    let manifest = try #require(check.manifest)
    #expect(manifest.name == "hello-shell")
    #expect(manifest.method == .shell)
    #expect(manifest.base == "debian:bookworm")
    #expect(manifest.dependencies == ["gcc", "make"])
    #expect(manifest.commands == ["make all", "./run-tests.sh"])
    #expect(manifest.output == "tar")
    #expect(manifest.artifacts == ["dist/*.tar.gz"])
    #expect(manifest.tags == ["latest", "v1"])
    #expect(manifest.resources.cpus == 2)
    #expect(manifest.resources.memory == .gibibytes(2))
    #expect(manifest.resources.timeout == .seconds(1800))
    #expect(manifest.env == ["CC": "gcc"])
    #expect(manifest.context == "./src")
    #expect(manifest.methodOptions.isEmpty)
}

@Test func singleStringsAreAcceptedAsOneElementLists() throws {
    let check = ManifestFixtures.check("name: a\ncommands: make\ndependencies: gcc\nartifacts: out.tar\ntags: v1\n")
    let manifest = try #require(check.manifest)
    #expect(manifest.commands == ["make"])
    #expect(manifest.dependencies == ["gcc"])
    #expect(manifest.artifacts == ["out.tar"])
    #expect(manifest.tags == ["v1"])
}

@Test func envScalarsAreConvertedToStringsAndSortedForDisplay() throws {
    let check = ManifestFixtures.check("name: a\ncommands: [x]\nenv:\n  ZED: 1.5\n  DEBUG: true\n  _A: plain\n")
    let manifest = try #require(check.manifest)
    #expect(manifest.env == ["ZED": "1.5", "DEBUG": "true", "_A": "plain"])
    #expect(manifest.envPairs.map(\.name) == ["DEBUG", "ZED", "_A"])
}

@Test func missingMethodResolvesToTheContextDefault() throws {
    let context = ManifestValidationContext(allowedMethods: [.docker, .shell], defaultMethod: .docker)
    let implicit = try #require(ManifestFixtures.check("name: a\nbase: alpine\n", context: context).manifest)
    #expect(implicit.method == .docker)
    let explicit = try #require(ManifestFixtures.check("name: a\nmethod: default\nbase: alpine\n", context: context).manifest)
    #expect(explicit.method == .docker)
}

@Test func methodSpecificOptionsAreStoredAsValues() throws {
    let text = """
        name: img
        method: buildx
        containerfile: Containerfile
        platforms: [linux/amd64, linux/arm64]
        build_args:
          VERSION: 1.2
          DEBUG: false
        target: runtime
        push: true

        """
    let manifest = try #require(ManifestFixtures.check(text).manifest)
    #expect(manifest.methodOptions["containerfile"] == .string("Containerfile"))
    #expect(manifest.methodOptions["platforms"]?.stringListValue == ["linux/amd64", "linux/arm64"])
    #expect(manifest.methodOptions["build_args"]?.stringMapValue == ["VERSION": "1.2", "DEBUG": "false"])
    #expect(manifest.methodOptions["target"] == .string("runtime"))
    #expect(manifest.methodOptions["push"] == .bool(true))
}

@Test func packerVariablesKeepTheirTypes() throws {
    let text = "name: vm\nmethod: packer\ntemplate: vm.pkr.hcl\nvariables:\n  cpus: 2\n  headless: true\n  disks: [a, b]\n  meta: {owner: me}\n"
    let manifest = try #require(ManifestFixtures.check(text).manifest)
    #expect(manifest.methodOptions["variables"] == .map([
        "cpus": .number(2), "headless": .bool(true),
        "disks": .list([.string("a"), .string("b")]), "meta": .map(["owner": .string("me")]),
    ]))
}

@Test func anchorsAliasesAndMergeKeysAreResolved() throws {
    let text = """
        x-common: &common
          CC: clang
          CFLAGS: -O2
        name: merged
        commands: [make]
        env:
          <<: *common
          CC: gcc

        """
    let check = ManifestFixtures.check(text)
    let manifest = try #require(check.manifest)
    #expect(manifest.env == ["CC": "gcc", "CFLAGS": "-O2"])
    #expect(check.warnings.map(\.message) == ["unknown key `x-common`"])
}

@Test func syntaxErrorForBadIndentationPointsAtTheLine() throws {
    let text = "name: x\ncommands: [a]\nresources:\n cpus: 2\n  memory: 1GiB\n"
    let check = ManifestFixtures.check(text)
    #expect(check.manifest == nil)
    let error = try #require(check.errors.first)
    #expect(check.errors.count == 1)
    #expect(error.message.hasPrefix("syntax error: mapping values are not allowed"))
    #expect(error.location?.description == "5:9")
    #expect(error.snippet == "  memory: 1GiB")
    #expect(error.description == """
        build.yaml:5:9: error: \(error.message)
          memory: 1GiB
                ^
        """)
}

@Test func syntaxErrorForUnclosedFlowListPointsAtTheOpeningBracket() throws {
    let check = ManifestFixtures.check("name: x\ncommands: [make, test\n")
    let error = try #require(check.errors.first)
    #expect(check.errors.count == 1)
    #expect(error.message.contains("did not find expected ',' or ']'"))
    #expect(error.location?.description == "2:11")
    #expect(error.snippet == "commands: [make, test")
}

@Test func syntaxErrorInsideAnUnclosedListReportsTheNextLine() throws {
    let check = ManifestFixtures.check("name: x\ntags: [a, b\nmethod: shell\n")
    let error = try #require(check.errors.first)
    #expect(error.location?.description == "3:7")
    #expect(error.snippet == "method: shell")
    #expect(error.message.contains("started at line 2, column 7"))
}

@Test func tabIndentationIsASyntaxErrorAtItsPosition() throws {
    let check = ManifestFixtures.check("name: x\ncommands:\n\t- make\n")
    let error = try #require(check.errors.first)
    #expect(error.location?.description == "3:1")
    #expect(error.message.contains("cannot start any token"))
    #expect(error.description.hasSuffix("\t- make\n^"))
}

@Test func controlCharactersAreReportedWithTheirPosition() throws {
    let check = ManifestFixtures.check("name: x\ncommands: [a]\nbase: a\u{1}b\n")
    let error = try #require(check.errors.first)
    #expect(error.message.contains("control characters are not allowed"))
    #expect(error.location?.description == "3:8")
}

@Test func nonMappingDocumentsAreRejectedAtTheFirstPosition() {
    let cases: [(String, String)] = [
        ("", "found an empty document"),
        ("# only a comment\n", "found an empty document"),
        ("- a\n- b\n", "found a list"),
        ("hello\n", "found a string"),
        ("42\n", "found a number"),
    ]
    for (text, fragment) in cases {
        let check = ManifestFixtures.check(text)
        #expect(check.manifest == nil)
        #expect(check.errors.count == 1)
        #expect(check.errors.first?.location?.description == "1:1")
        #expect(check.errors.first?.message.contains(fragment) == true, "\(text.debugDescription)")
    }
}

@Test func multipleDocumentsAreRejected() {
    let check = ManifestFixtures.check("name: a\ncommands: [x]\n---\nname: b\n")
    #expect(check.errors.first?.message.contains("single YAML document") == true)
    #expect(check.errors.first?.location?.line == 3)
}

@Test func byteOrderMarkAndCRLFLineEndingsAreAccepted() throws {
    let text = "\u{FEFF}" + ManifestFixtures.example.replacingOccurrences(of: "\n", with: "\r\n")
    let check = ManifestFixtures.check(text)
    #expect(check.diagnostics.isEmpty)
    let manifest = try #require(check.manifest)
    #expect(manifest == ManifestFixtures.check(ManifestFixtures.example).manifest)
}

@Test func crlfErrorsKeepTheRightLineAndASnippetWithoutCarriageReturn() throws {
    let check = ManifestFixtures.check("name: x\r\ncommands: [a]\r\nresources:\r\n  memory: lots\r\n")
    let error = try #require(check.errors.first)
    #expect(error.location?.description == "4:11")
    #expect(error.snippet == "  memory: lots")
}

@Test func diagnosticDescriptionFollowsCompilerFormat() {
    let located = ManifestDiagnostic(severity: .warning, message: "unknown key `x`", field: "x",
                                     location: .init(line: 3, column: 5), snippet: "\tab x: 1", file: "m.yaml")
    #expect(located.description == "m.yaml:3:5: warning: unknown key `x`\n\tab x: 1\n\t   ^")
    let bare = ManifestDiagnostic(severity: .error, message: "boom")
    #expect(bare.description == "error: boom")
    let noFile = ManifestDiagnostic(severity: .error, message: "boom", location: .init(line: 2, column: 1))
    #expect(noFile.description == "2:1: error: boom")
}

@Test func diagnosticsAreSortedByPositionAndCarryTheFileName() {
    let check = ManifestFixtures.check("tagz: [a]\nname: x\ncommands: [a]\nresources: {cpus: -1}\nfoo: 1\n")
    let locations = check.diagnostics.compactMap(\.location)
    #expect(locations == locations.sorted())
    #expect(locations.count == 3)
    #expect(check.diagnostics.allSatisfy { $0.file == "build.yaml" })
}
