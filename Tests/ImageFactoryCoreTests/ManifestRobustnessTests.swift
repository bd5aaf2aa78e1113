import Testing
@testable import ImageFactoryCore

/// Deterministic SplitMix64 so fuzz failures reproduce.
struct ManifestSeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Whatever the input, a check that gives no manifest says why with at least one error, each error has a
/// message, and every position it names is inside the text (line 1 up to one past its last line break).
func expectEveryRejectionExplained(_ check: ManifestCheck, _ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let shown = String(text.prefix(80)).debugDescription
    if check.manifest == nil {
        #expect(!check.errors.isEmpty, "rejected without an error: \(shown)", sourceLocation: sourceLocation)
    }
    #expect(check.errors.allSatisfy { !$0.message.isEmpty }, "an error without a message: \(shown)", sourceLocation: sourceLocation)
    let lastLine = text.unicodeScalars.filter { "\n\r\u{85}\u{2028}\u{2029}".unicodeScalars.contains($0) }.count + 1
    let outside = check.diagnostics.compactMap(\.location).filter { $0.line < 1 || $0.line > lastLine || $0.column < 1 }
    #expect(outside.isEmpty, "positions outside the text (\(lastLine) lines): \(outside) in \(shown)", sourceLocation: sourceLocation)
}

@Test func randomBytesNeverCrash() {
    var random = ManifestSeededRandom(seed: 1)
    for _ in 0..<500 {
        let bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let text = String(decoding: bytes, as: UTF8.self)
        let check = ManifestFixtures.check(text)
        expectEveryRejectionExplained(check, text)
    }
}

@Test func mutatedManifestsNeverCrashAndAlwaysExplainFailures() {
    var random = ManifestSeededRandom(seed: 2)
    let pieces = Array(ManifestFixtures.example) + Array(":-[]{}&*!|>'\"#%@`?,\t\r\n ~<=")
    for _ in 0..<1500 {
        var text = Array(ManifestFixtures.example)
        for _ in 0..<(1 + Int(random.next() % 4)) {
            let position = Int(random.next() % UInt64(text.count))
            switch random.next() % 3 {
            case 0: text.remove(at: position)
            case 1: text.insert(pieces[Int(random.next() % UInt64(pieces.count))], at: position)
            default: text[position] = pieces[Int(random.next() % UInt64(pieces.count))]
            }
            if text.isEmpty { break }
        }
        let check = ManifestFixtures.check(String(text))
        if check.manifest == nil {
            #expect(!check.errors.isEmpty)
            #expect(check.errors.allSatisfy { $0.location != nil })
        }
    }
}

@Test func duplicatedLinesInManifestsAreReportedAsDuplicates() {
    let lines = ManifestFixtures.example.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // Only single-line entries: a copied `key:` line would also leave its copy without a value.
    for index in lines.indices.dropLast() where lines[index].first?.isLetter == true && lines[index + 1].first != " " {
        var copy = lines
        copy.insert(lines[index], at: index + 1)
        let check = ManifestFixtures.check(copy.joined(separator: "\n"))
        #expect(check.errors.count == 1, "\(lines[index])")
        #expect(check.errors.first?.message.hasPrefix("duplicate key") == true)
        #expect(check.errors.first?.location?.line == index + 2)
    }
}

@Test func aliasExpansionInKeysIsRejectedQuickly() {
    var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for level in 1...9 {
        text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
    }
    let clock = ContinuousClock()
    let start = clock.now
    for keyForm in ["? *a9\n: 1\n", "*a9 : 1\n", "[*a9, *a9]: 1\n", "{k: *a9}: 1\n"] {
        let check = ManifestFixtures.check(text + keyForm)
        #expect(check.manifest == nil)
        #expect(check.errors.first?.message.contains("map keys must be plain strings") == true)
    }
    #expect(clock.now - start < .seconds(5))
}

@Test func aliasExpansionInValuesIsBounded() {
    var text = "name: laughs\ncommands: [x]\nmethod: packer\ntemplate: t\nx0: &x0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}\n"
    for level in 1...9 {
        let fields = (0..<10).map { "k\($0): *x\(level - 1)" }.joined(separator: ", ")
        text += "x\(level): &x\(level) {\(fields)}\n"
    }
    let clock = ContinuousClock()
    let start = clock.now
    let check = ManifestFixtures.check(text + "variables: *x9\nenv:\n  <<: [*x9, *x9]\n")
    #expect(check.manifest == nil)
    #expect(clock.now - start < .seconds(5))
    let mergeChain = "name: m\ncommands: [x]\n" + (0...12).map { level in
        level == 0 ? "m0: &m0 {A: 1}\n" : "m\(level): &m\(level)\n  <<: [*m\(level - 1), *m\(level - 1), *m\(level - 1), *m\(level - 1)]\n"
    }.joined() + "env: *m12\n"
    let chained = ManifestFixtures.check(mergeChain)
    #expect(clock.now - start < .seconds(10))
    #expect(chained.manifest == nil)
}

@Test func deeplyNestedInputNeverCrashes() {
    let depths = [50, 500, 999, 1001, 20_000]
    for depth in depths {
        let flow = "name: deep\ncommands: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        #expect(!ManifestFixtures.check(flow).isValid)
        let unclosed = "name: deep\nenv: " + String(repeating: "{a: ", count: depth) + "\n"
        #expect(!ManifestFixtures.check(unclosed).isValid)
    }
    var block = "name: deep\ncommands: [x]\nvariables:\n"
    for level in 0..<400 { block += String(repeating: " ", count: level + 2) + "k:\n" }
    #expect(ManifestFixtures.check(block).warnings.count == 1)
    let packer = "name: deep\nmethod: packer\ntemplate: t\nvariables:\n" + (0..<200).map { String(repeating: " ", count: $0 + 2) + "k:\n" }.joined()
        + String(repeating: " ", count: 202) + "v: 1\n"
    let nested = ManifestFixtures.check(packer)
    #expect(nested.errors.map(\.message).contains { $0.contains("nested too deeply") })
}

@Test func hugeStringsTabsAndOddCharactersNeverCrash() {
    let huge = String(repeating: "x", count: 2_000_000)
    let inputs = [
        "name: a\ncommands: [\(huge)]\n",
        "name: \(huge)\ncommands: [x]\n",
        "\(huge): 1\nname: a\ncommands: [x]\n",
        "name: a\ncommands: [x]\nresources: {memory: \(String(repeating: "9", count: 10_000))GiB}\n",
        "name:\ta\ncommands:\t[x]\n",
        "\t\t\t",
        "\u{FEFF}",
        "\u{FEFF}\u{FEFF}name: a\n",
        "\r\r\r\n\n",
        "name: a\rcommands: [x]\r",
        "name: a\u{2028}commands: [x]\u{85}",
        "name: \"\\uD800\"\n",
        "&a [*a]",
        "*undefined",
        "name: &a a\ncommands: *a\n",
        "? [a]\n: b\n",
        "%YAML 1.1\n---\nname: a\ncommands: [x]\n",
        "!!binary name: a",
        "name: !!int a\ncommands: [x]\n",
        "name: a\ncommands: [x]\nresources: {cpus: .nan}\nvariables: {a: .inf}\n",
        "name: a\nmethod: packer\ntemplate: t\nvariables: {a: .inf, b: ~, c: [~]}\n",
        String(repeating: "- ", count: 3000) + "x",
        String(repeating: "a: ", count: 3000) + "x",
        String(repeating: "\u{FFFD}", count: 1000),
        String(decoding: [0xFF, 0xFE, 0x6E, 0x00, 0x61, 0x00], as: UTF8.self),
    ]
    for input in inputs {
        let check = ManifestFixtures.check(input)
        expectEveryRejectionExplained(check, input)
        for diagnostic in check.diagnostics { _ = diagnostic.description }
    }
}

@Test func concurrentChecksAgree() async {
    let expected = ManifestFixtures.check(ManifestFixtures.example).manifest
    let results = await withTaskGroup(of: Manifest?.self) { group in
        for _ in 0..<16 {
            group.addTask { ManifestLoader.check(text: ManifestFixtures.example, context: .unrestricted).manifest }
        }
        return await group.reduce(into: []) { $0.append($1) }
    }
    #expect(results.count == 16)
    #expect(results.allSatisfy { $0 == expected && $0 != nil })
}

@Test func caretIsOmittedPastTheEndOfAShortenedSnippet() throws {
    let check = ManifestFixtures.check("name: a\ncommands: [x]\nbase: \(String(repeating: "y", count: 1000)): x\n")
    let error = try #require(check.errors.first)
    #expect(error.snippet?.hasSuffix("…") == true)
    #expect(!error.description.hasSuffix("^"))
}
