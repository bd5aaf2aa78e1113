import Foundation
import Testing
@testable import ImageFactoryTUI

private func order(_ query: String, _ candidates: [String]) -> [String] {
    let entries = candidates.map { PaletteEntry(title: $0, kind: .action, target: .action(ActionID($0))) }
    return PaletteSearch.rank(entries, query: query, limit: 100).map(\.0.title)
}

@Suite struct TUIInputFuzzyTests {
    @Test func matchesSubsequencesCaseInsensitively() throws {
        #expect(FuzzyMatcher.match("STB", in: "start build") != nil)
        #expect(FuzzyMatcher.match("bs", in: "start build") == nil)
        #expect(FuzzyMatcher.match("xyz", in: "Start build") == nil)
        #expect(FuzzyMatcher.match("start buildx", in: "Start build") == nil)
        #expect(FuzzyMatcher.match("", in: "anything") == FuzzyMatch(score: 0, matchedIndices: []))
    }

    @Test func matchedIndicesPointAtTheBestAlignment() throws {
        // Word starts, not the first s and b.
        #expect(FuzzyMatcher.match("sb", in: "Start build")?.matchedIndices == [0, 6])
        #expect(FuzzyMatcher.match("cb", in: "Cancel build")?.matchedIndices == [0, 7])
        // A consecutive run beats scattered letters.
        #expect(FuzzyMatcher.match("log", in: "Download logs")?.matchedIndices == [9, 10, 11])
        // Camel humps count as word starts.
        #expect(FuzzyMatcher.match("fb", in: "fooBar")?.matchedIndices == [0, 3])
        // Offsets are in Characters, whatever the encoding.
        #expect(FuzzyMatcher.match("cafe", in: "Ünïcode café")?.matchedIndices == [8, 9, 10, 11])
        #expect(FuzzyMatcher.match("bld", in: "📦 build")?.matchedIndices == [2, 5, 6])
        // Terms in any order.
        #expect(FuzzyMatcher.match("build start", in: "Start build")?.matchedIndices == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10])
    }

    @Test func exactPrefixBeatsAScatteredMatch() {
        #expect(order("start", ["Show timestamps and restart", "Restart", "Start build"]).first == "Start build")
        #expect(order("dow", ["Wrap: do it now", "Download logs"]) == ["Download logs", "Wrap: do it now"])
        #expect(order("log", ["Toggle full screen with a long gap", "Show logs"]).first == "Show logs")
    }

    @Test func wordStartsBeatMiddleOfWordMatches() {
        #expect(order("cb", ["Scrub", "Cancel build"]) == ["Cancel build", "Scrub"])
        #expect(order("nm", ["Enumerate", "Next match"]).first == "Next match")
    }

    @Test func numberQueriesFindTheBuildWithThatNumberFirst() {
        let candidates = ["#112 nightly", "#120 hello-shell", "project-12-alpha", "#1 2fa image", "#12 hello-shell", "#212 x"]
        #expect(order("12", candidates).first == "#12 hello-shell")
        #expect(order("#12", candidates).first == "#12 hello-shell")
        #expect(order("#12", candidates).contains("#120 hello-shell"))
    }

    @Test func equalMatchesKeepTheirOrderAndShorterTitlesWinTies() {
        #expect(order("build", ["Build alpha", "Build beta x", "Build gamma", "Build"]) ==
            ["Build", "Build alpha", "Build gamma", "Build beta x"])
        let same = (0..<20).map { "Item \($0 < 10 ? "0" : "")\($0)" }
        #expect(order("item", same) == same)
    }

    @Test func emptyQueryKeepsTheGivenOrderUpToTheLimit() {
        let entries = (0..<10).map { PaletteEntry(title: "Entry \($0)", kind: .project, target: .project(Int64($0))) }
        let ranked = PaletteSearch.rank(entries, query: "  ", limit: 3)
        #expect(ranked.map(\.0.target) == [.project(0), .project(1), .project(2)])
        #expect(PaletteSearch.rank(entries, query: "entry", limit: 0).isEmpty)
    }

    @Test func rankingManyEntriesReturnsTheBestWithIndices() {
        var entries: [PaletteEntry] = []
        for i in 0..<10_000 {
            entries.append(PaletteEntry(title: "#\(i) project-\(i % 37) build of manifest-\(i % 101)", kind: .build,
                                        target: .build(projectID: Int64(i % 37), number: Int64(i))))
        }
        let ranked = PaletteSearch.rank(entries, query: "4242", limit: 20)
        #expect(ranked.first?.0.target == .build(projectID: Int64(4242 % 37), number: 4242))
        #expect(ranked.first?.1.matchedIndices == [1, 2, 3, 4])
        #expect(ranked.count == 20)
    }
}
