import Testing
@testable import ImageFactoryCore

@Test func missingRequiredFieldNamesTheFieldAndTheMethod() throws {
    let cases: [(String, String)] = [
        ("name: a\nmethod: shell\n", "missing required field `commands` (required by method `shell`)"),
        ("name: a\nmethod: docker\n",
         "missing required field `base` (required by method `docker` unless `containerfile` or `dockerfile` is given)"),
        ("name: a\nmethod: kaniko\n",
         "missing required field `base` (required by method `kaniko` unless `containerfile` or `dockerfile` is given)"),
        ("name: a\nmethod: packer\n", "missing required field `template` or `commands` (required by method `packer`)"),
        ("name: a\nmethod: nix\n", "missing required field `expression`, `flake` or `commands` (required by method `nix`)"),
        ("method: shell\ncommands: [a]\n", "missing required field `name` (required by all methods)"),
    ]
    for (text, message) in cases {
        let check = ManifestFixtures.check(text)
        #expect(check.manifest == nil)
        #expect(check.errors.map(\.message) == [message])
        #expect(check.errors.first?.location?.description == "1:1")
    }
}

@Test func alternativeRequiredFieldsSatisfyTheMethod() {
    let valid = [
        "name: a\nmethod: docker\ndockerfile: Dockerfile\n",
        "name: a\nmethod: buildx\ncontainerfile: Containerfile\n",
        "name: a\nmethod: packer\ncommands: [packer build .]\n",
        "name: a\nmethod: nix\nflake: .#image\n",
        "name: a\nmethod: nix\nexpression: ./image.nix\nattribute: docker\n",
    ]
    for text in valid {
        #expect(ManifestFixtures.check(text).diagnostics.isEmpty, "\(text)")
    }
}

@Test func emptyCommandListIsAnErrorForShell() {
    let check = ManifestFixtures.check("name: a\ncommands: []\n")
    #expect(check.errors.map(\.message) == ["field `commands`: must contain at least one command (required by method `shell`)"])
    #expect(check.errors.first?.location?.description == "2:11")
}

@Test func wrongTypesSayWhatWasExpectedAndFoundWithPosition() throws {
    let text = """
        name: a
        tags: {latest: yes}
        commands:
          - make
          - [nested]
          - {key: value}
        env: [A, B]
        resources: 4
        base:

        """
    let check = ManifestFixtures.check(text)
    let expected: [(String, String)] = [
        ("field `tags`: expected a list of strings, found a map", "2:7"),
        ("`commands[1]`: expected a string, found a list", "5:5"),
        ("`commands[2]`: expected a string, found a map", "6:5"),
        ("field `env`: expected a map of strings, found a list", "7:6"),
        ("field `resources`: expected a map with `cpus`, `memory`, `timeout`, `log_limit` or `on_log_limit`, found a number", "8:12"),
        ("field `base`: expected a string, found null", "9:6"),
    ]
    #expect(check.errors.map(\.message) == expected.map(\.0))
    #expect(check.errors.map { $0.location?.description } == expected.map(\.1))
    #expect(check.errors.map(\.field) == ["tags", "commands[1]", "commands[2]", "env", "resources", "base"])
    #expect(check.errors[1].snippet == "  - [nested]")
}

@Test func methodOptionTypesAreChecked() {
    let text = "name: a\nmethod: docker\nbase: x\npush: \"yes\"\nplatforms: {a: b}\nbuild_args: [x]\n"
    let check = ManifestFixtures.check(text)
    #expect(check.errors.map(\.message) == [
        "field `push`: expected a bool (true or false), found a string",
        "field `platforms`: expected a list of strings, found a map",
        "field `build_args`: expected a map of strings, found a list",
    ])
}

@Test func unknownKeyWarnsWithNearestKnownKey() throws {
    let check = ManifestFixtures.check("name: a\ncomands: [make]\ncommands: [make]\ntemplte: x\nfoo: 1\nresources:\n  memroy: 1GiB\n  gpus: 1\n")
    #expect(check.isValid)
    #expect(check.manifest != nil)
    #expect(check.warnings.map(\.message) == [
        "unknown key `comands`, did you mean `commands`?",
        "unknown key `templte`, did you mean `template`?",
        "unknown key `foo`",
        "unknown key `memroy`, did you mean `memory`?",
        "unknown key `gpus`, did you mean `cpus`?",
    ])
    #expect(check.warnings.first?.location?.description == "2:1")
    #expect(check.warnings[3].field == "resources.memroy")
    #expect(check.warnings[3].location?.description == "7:3")
}

@Test func longKeysAllowThreeEditsInSuggestions() {
    #expect(ManifestSchema.suggestion(for: "dependncys", among: ManifestSchema.commonKeys) == "dependencies")
    #expect(ManifestSchema.suggestion(for: "cmds", among: ManifestSchema.commonKeys) == nil)
    #expect(ManifestSchema.suggestion(for: "Name", among: ManifestSchema.commonKeys) == "name")
    #expect(ManifestSchema.suggestion(for: "ouptut", among: ManifestSchema.commonKeys) == "output")
}

@Test func methodSpecificKeyWithAnotherMethodWarnsThatItIsIgnored() throws {
    let check = ManifestFixtures.check("name: a\ncommands: [make]\nflake: .#x\ncontainerfile: C\n")
    #expect(check.warnings.map(\.message) == [
        "key `flake` is ignored by method `shell` (it applies to nix)",
        "key `containerfile` is ignored by method `shell` (it applies to docker, buildx, kaniko)",
    ])
    let manifest = try #require(check.manifest)
    #expect(manifest.methodOptions.isEmpty)
}

@Test func memoryWithTrailingGarbageIsAnErrorAtTheValue() throws {
    let check = ManifestFixtures.check("name: a\ncommands: [x]\nresources:\n  memory: 2GB?\n")
    let error = try #require(check.errors.first)
    #expect(check.errors.count == 1)
    #expect(error.message.hasPrefix("field `resources.memory`: invalid size `2GB?`"))
    #expect(error.field == "resources.memory")
    #expect(error.location?.description == "4:11")
    #expect(error.description.hasSuffix("  memory: 2GB?\n          ^"))
}

@Test func negativeTimeoutIsAnError() throws {
    let check = ManifestFixtures.check("name: a\ncommands: [x]\nresources:\n  timeout: -1m\n")
    let error = try #require(check.errors.first)
    #expect(error.message.hasPrefix("field `resources.timeout`: invalid duration `-1m`"))
    #expect(error.location?.description == "4:12")
}

@Test func cpuCountMustBePositiveAndBounded() {
    #expect(ManifestFixtures.check("name: a\ncommands: [x]\nresources: {cpus: 0.5}\n").manifest?.resources.cpus == 0.5)
    let zero = ManifestFixtures.check("name: a\ncommands: [x]\nresources: {cpus: 0}\n")
    #expect(zero.errors.map(\.message) == ["field `resources.cpus`: must be greater than 0 and at most 1024, found 0"])
    let huge = ManifestFixtures.check("name: a\ncommands: [x]\nresources: {cpus: 4096}\n")
    #expect(huge.errors.count == 1)
    let text = ManifestFixtures.check("name: a\ncommands: [x]\nresources: {cpus: two}\n")
    #expect(text.errors.map(\.message) == ["field `resources.cpus`: expected a positive number, found a string"])
}

@Test func methodNotAllowedByContextIsAnErrorNamingAllowedMethods() throws {
    let context = ManifestValidationContext(allowedMethods: [.shell, .docker], defaultMethod: .shell)
    let check = ManifestFixtures.check("name: a\nmethod: nix\nflake: .#x\n", context: context)
    let error = try #require(check.errors.first)
    #expect(check.errors.count == 1)
    #expect(error.message == "method `nix` is not allowed by this project (allowed: docker, shell)")
    #expect(error.location?.description == "2:9")

    let resolved = ManifestFixtures.check("name: a\nmethod: default\nbase: x\n",
                                          context: ManifestValidationContext(allowedMethods: [.shell], defaultMethod: .docker))
    #expect(resolved.errors.map(\.message) == [
        "method `default` resolves to `docker`, which is not allowed by this project (allowed: shell)",
    ])
}

@Test func unknownMethodSuggestsTheClosestName() {
    let check = ManifestFixtures.check("name: a\nmethod: dokcer\n")
    #expect(check.errors.map(\.message) == [
        "field `method`: unknown method `dokcer`, did you mean `docker`? (expected one of docker, buildx, kaniko, packer, nix, shell, default)",
    ])
}

@Test func duplicateKeyIsAnErrorAtTheSecondOccurrence() throws {
    let text = "name: a\ncommands: [x]\nname: b\nresources:\n  cpus: 1\n  cpus: 2\noutput: bogus\n"
    let check = ManifestFixtures.check(text)
    #expect(check.manifest == nil)
    #expect(check.errors.map(\.message) == [
        "duplicate key `name` (first defined at line 1)",
        "duplicate key `cpus` (first defined at line 5)",
        "field `output`: unknown output format `bogus` (expected one of tar, oci, docker, qcow2, raw, dir, nix-closure, file)",
    ])
    #expect(check.errors.map { $0.location?.description } == ["3:1", "6:3", "7:9"])
    #expect(check.errors.map(\.field) == ["name", "resources.cpus", "output"])
}

@Test func duplicateKeysInFlowMapsAreReportedWithoutHidingOtherProblems() {
    let check = ManifestFixtures.check("name: a\ncommands: [x]\nenv: {A: 1, \"B\": [\"x,y\", {A: 0}], A: 2,\n  'B': 3}\noutput: tarball\n")
    #expect(check.errors.map(\.message) == [
        "`env.B`: expected a string, number or bool, found a list",
        "duplicate key `A` (first defined at line 3)",
        "duplicate key `B` (first defined at line 3)",
        "field `output`: unknown output format `tarball` (expected one of tar, oci, docker, qcow2, raw, dir, nix-closure, file)",
    ])
    #expect(check.errors.map { $0.location?.description } == ["3:18", "3:35", "4:3", "5:9"])
    #expect(check.errors.map(\.field) == ["env.B", "env.A", "env.B", "output"])
}

@Test func duplicateKeysInsideListItemsAreReported() {
    let check = ManifestFixtures.check("name: a\nmethod: packer\ntemplate: t\nvariables:\n  disks:\n    - size: 1\n      size: 2\n    - size: 3\n")
    #expect(check.errors.map(\.message) == ["duplicate key `size` (first defined at line 6)"])
    #expect(check.errors.first?.location?.description == "7:7")
    #expect(check.errors.first?.field == "variables.disks[0].size")
}

@Test func quotedDuplicateKeysAreDetected() {
    let check = ManifestFixtures.check("name: a\ncommands: [x]\n'name': b\n")
    #expect(check.errors.map(\.message) == ["duplicate key `name` (first defined at line 1)"])
    #expect(check.errors.first?.location?.description == "3:1")
}

@Test func absoluteOrEscapingArtifactPathsAreErrors() {
    let check = ManifestFixtures.check("name: a\ncommands: [x]\nartifacts: [/etc/passwd, ../out, dist/../../x, dist/ok.tar, ~/x]\n")
    #expect(check.errors.map(\.message) == [
        "`artifacts[0]`: artifact path `/etc/passwd` must be relative to the workspace",
        "`artifacts[1]`: artifact path `../out` must not leave the workspace (`..`)",
        "`artifacts[2]`: artifact path `dist/../../x` must not leave the workspace (`..`)",
        "`artifacts[4]`: artifact path `~/x` must be relative to the workspace",
    ])
    #expect(check.errors.map { $0.location?.column } == [13, 26, 34, 61])
    let single = ManifestFixtures.check("name: a\ncommands: [x]\nartifacts: /out\n")
    #expect(single.errors.map(\.message) == ["field `artifacts`: artifact path `/out` must be relative to the workspace"])
}

@Test func invalidNamesAndEnvironmentKeysAreErrors() {
    let check = ManifestFixtures.check("name: -bad name\ncommands: [x]\nenv:\n  1ABC: x\n  OK_1: y\n  NULLED:\n")
    #expect(check.errors.map(\.message) == [
        "field `name`: invalid name `-bad name` (use 1 to 63 letters, digits, `.`, `_` or `-`, starting with a letter or digit)",
        "`env.1ABC`: invalid environment variable name `1ABC` (must match [A-Za-z_][A-Za-z0-9_]*)",
        "`env.NULLED`: expected a string, number or bool, found null",
    ])
    let long = ManifestFixtures.check("name: \(String(repeating: "a", count: 64))\ncommands: [x]\n")
    #expect(long.errors.count == 1)
    #expect(ManifestFixtures.check("name: \(String(repeating: "a", count: 63))\ncommands: [x]\n").isValid)
}

@Test func everyProblemIsCollectedInOnePass() {
    let text = """
        name: "bad name!"
        method: shell
        comands: [make]
        output: zip
        tags: {a: b}
        resources:
          cpus: -2
          memory: 0
          timeout: forever
        env:
          9X: y
        artifacts: [../x]

        """
    let check = ManifestFixtures.check(text)
    #expect(check.errors.count == 9)
    #expect(check.warnings.count == 1)
    #expect(check.errors.compactMap(\.location?.line) == [1, 4, 5, 7, 8, 9, 11, 12, 1].sorted())
}
