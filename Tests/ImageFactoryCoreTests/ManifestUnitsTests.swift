import Foundation
import Testing
@testable import ImageFactoryCore

@Test func byteCountParsesCommonSpellings() {
    let table: [(String, Int64)] = [
        ("512", 512),
        ("512B", 512),
        ("100KiB", 100 * 1024),
        ("2GiB", 2 * 1 << 30),
        ("1.5GiB", 3 * 1 << 29),
        ("100MB", 100_000_000),
        ("2G", 2 * 1 << 30),
        ("2g", 2 * 1 << 30),
        ("256Mi", 256 * 1 << 20),
        ("2Gi", 2 * 1 << 30),
        ("1k", 1024),
        ("10kB", 10_000),
        ("1TiB", 1 << 40),
        ("2.0 GiB", 2 * 1 << 30),
        ("0.5MiB", 512 * 1024),
    ]
    for (text, bytes) in table {
        #expect(ByteCount(parsing: text)?.bytes == bytes, "\(text)")
    }
}

@Test func byteCountRejectsMalformedZeroNegativeAndOverflowingValues() {
    for text in ["2GB?", "-1GiB", "0", "0B", "", " ", "GiB", "1.GiB", ".5GiB", "1.5B", "2 GB extra", "1e3", "99999999999999999999",
                 "9000000000PiB", "8EiB", "1..2G", "12 34"] {
        #expect(ByteCount(parsing: text) == nil, "\(text)")
    }
}

@Test func byteCountDescriptionUsesBinaryUnitsWithAtMostOneDecimal() {
    let table: [(Int64, String)] = [
        (512, "512 B"),
        (1024, "1.0 KiB"),
        (2 * 1 << 30, "2.0 GiB"),
        (300 * 1 << 20, "300 MiB"),
        (1536 * 1 << 20, "1.5 GiB"),
        (15 * 1 << 30 + 1 << 29, "16 GiB"),
        (100_000_000, "95 MiB"),
        (0, "0 B"),
    ]
    for (bytes, text) in table {
        #expect(ByteCount(bytes: bytes).description == text, "\(bytes)")
    }
}

@Test func byteCountExactDescriptionParsesBack() {
    for bytes: Int64 in [1, 512, 1000, 1024, 1536 * 1024, 3 << 30, 100_000_000, Int64.max] {
        let count = ByteCount(bytes: bytes)
        #expect(ByteCount(parsing: count.exactDescription) == count, "\(count.exactDescription)")
    }
    #expect(ByteCount.gibibytes(2).exactDescription == "2GiB")
    #expect(ByteCount.mebibytes(1536).exactDescription == "1536MiB")
}

@Test func byteCountIsComparableAndCodableAsAPlainNumber() throws {
    #expect(ByteCount.mebibytes(1) < ByteCount.gibibytes(1))
    let data = try JSONEncoder().encode(ByteCount.kibibytes(2))
    #expect(String(decoding: data, as: UTF8.self) == "2048")
    #expect(try JSONDecoder().decode(ByteCount.self, from: data) == .kibibytes(2))
}

@Test func durationParserAcceptsUnitsAndBareSeconds() {
    let table: [(String, Duration)] = [
        ("30m", .seconds(1800)),
        ("90s", .seconds(90)),
        ("1h30m", .seconds(5400)),
        ("2h", .seconds(7200)),
        ("500ms", .milliseconds(500)),
        ("45", .seconds(45)),
        ("1.5h", .seconds(5400)),
        ("1m30s250ms", .milliseconds(90_250)),
        ("0.5", .milliseconds(500)),
    ]
    for (text, duration) in table {
        #expect(DurationParser.parse(text) == duration, "\(text)")
    }
}

@Test func durationParserRejectsNegativeZeroUnknownAndEmpty() {
    for text in ["-1m", "0s", "0", "1x", "", "m", "1m30", "1.m", " 30m", "30 m", "1d", "0.0001s", "99999999999999999999h", "nan", "inf"] {
        #expect(DurationParser.parse(text) == nil, "\(text)")
    }
}

@Test func durationFormatterIsCompactAndParsesBack() {
    let table: [(Duration, String)] = [
        (.seconds(5400), "1h30m"),
        (.seconds(45), "45s"),
        (.seconds(7200), "2h"),
        (.milliseconds(1500), "1s500ms"),
        (.milliseconds(500), "500ms"),
        (.seconds(3661), "1h1m1s"),
        (.zero, "0s"),
    ]
    for (duration, text) in table {
        #expect(DurationParser.format(duration) == text)
        if duration > .zero { #expect(DurationParser.parse(text) == duration) }
    }
}

@Test func resourceRequestStoresTimeoutAsSeconds() throws {
    let request = ResourceRequest(cpus: 0.5, memory: .gibibytes(1), timeout: .milliseconds(90_500))
    let data = try JSONEncoder().encode(request)
    let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["timeout"] as? Double == 90.5)
    #expect(try JSONDecoder().decode(ResourceRequest.self, from: data) == request)
}

@Test func manifestIsCodable() throws {
    let manifest = try #require(ManifestFixtures.check(ManifestFixtures.example).manifest)
    var withOptions = manifest
    withOptions.method = .packer
    withOptions.methodOptions = ["template": .string("t.hcl"), "variables": .map(["n": .number(2), "b": .bool(false), "l": .list([])])]
    let data = try JSONEncoder().encode(withOptions)
    #expect(try JSONDecoder().decode(Manifest.self, from: data) == withOptions)
}
