import Foundation

/// How well a query matched a candidate.
public struct FuzzyMatch: Sendable, Hashable {
    /// Higher is better; only comparable between matches of the same query.
    public var score: Int
    /// Offsets (in `Character`s) of the candidate's matched characters, ascending, for highlighting.
    public var matchedIndices: [Int]

    public init(score: Int, matchedIndices: [Int]) {
        self.score = score
        self.matchedIndices = matchedIndices
    }
}

/// Subsequence matching with scores in the manner of fzf: every query character must appear in order,
/// case-insensitively; characters at word starts, camel humps and the start of the text earn bonuses,
/// runs of consecutive characters keep the bonus of their first one, and gaps cost. The best alignment is
/// found by dynamic programming, so "sb" picks the S and B of "Start build", not the first s and b.
/// Spaces split the query into terms that must all match, in any order.
public enum FuzzyMatcher {
    public static func match(_ query: String, in candidate: String) -> FuzzyMatch? {
        var scorer = FuzzyScorer()
        return scorer.match(FuzzyPattern(query), in: FuzzyText(candidate), wantIndices: true)
    }
}

/// A query, folded once for many candidates.
struct FuzzyPattern: Sendable {
    var terms: [[UInt32]]
    /// The digits of a query like `12` or `#12`, which prefers a build numbered exactly that.
    var number: [UInt32]?

    init(_ query: String) {
        terms = query.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { FuzzyText.fold(String($0)) }
        if terms.count == 1 {
            let term = terms[0]
            let digits = term.first == UInt32(UInt8(ascii: "#")) ? Array(term.dropFirst()) : term
            if !digits.isEmpty, digits.allSatisfy(FuzzyText.isDigit) { number = digits }
        }
    }

    var isEmpty: Bool { terms.isEmpty }
}

/// A candidate prepared for matching: one folded code point and one position bonus per `Character`.
struct FuzzyText: Sendable, Hashable {
    var folded: [UInt32]
    var bonus: [Int16]

    init(_ text: String) {
        folded = FuzzyText.fold(text)
        bonus = FuzzyText.bonuses(text, count: folded.count)
    }

    var count: Int { folded.count }

    static func isDigit(_ c: UInt32) -> Bool { c >= 48 && c <= 57 }

    /// One value per Character: ASCII lowercased directly; anything else case- and diacritic-folded.
    static func fold(_ text: String) -> [UInt32] {
        let utf8 = text.utf8
        // Fast path: ASCII without CR (CR LF would be one Character).
        if utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            return utf8.map { b in (b >= 65 && b <= 90) ? UInt32(b + 32) : UInt32(b) }
        }
        return text.map { ch -> UInt32 in
            let folded = String(ch).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            return (folded.unicodeScalars.first ?? ch.unicodeScalars.first!).value
        }
    }

    private enum CharClass { case white, delimiter, nonWord, lower, upper, letter, number }

    private static func charClass(_ ch: Character) -> CharClass {
        if ch.isWhitespace { return .white }
        if ch.isNumber { return .number }
        if ch.isLowercase { return .lower }
        if ch.isUppercase { return .upper }
        if ch.isLetter { return .letter }
        if "/,:;|-_.#@".contains(ch) { return .delimiter }
        return .nonWord
    }

    private static func charClass(ascii b: UInt8) -> CharClass {
        switch b {
        case 97...122: .lower
        case 65...90: .upper
        case 48...57: .number
        case 32, 9, 10, 11, 12: .white
        case UInt8(ascii: "/"), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "|"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "#"), UInt8(ascii: "@"): .delimiter
        default: .nonWord
        }
    }

    private static func bonuses(_ text: String, count: Int) -> [Int16] {
        var out = [Int16](repeating: 0, count: count)
        var previous = CharClass.white
        var i = 0
        func visit(_ current: CharClass) {
            out[i] = Int16(bonus(previous, current))
            previous = current
            i += 1
        }
        if text.utf8.count == count {
            for b in text.utf8 { visit(charClass(ascii: b)) }
        } else {
            for ch in text where i < count { visit(charClass(ch)) }
        }
        return out
    }

    private static func bonus(_ previous: CharClass, _ current: CharClass) -> Int {
        let isWord = current != .white && current != .delimiter && current != .nonWord
        if isWord {
            switch previous {
            case .white: return FuzzyScore.boundaryWhite
            case .delimiter: return FuzzyScore.boundaryDelimiter
            case .nonWord: return FuzzyScore.boundary
            default: break
            }
        }
        if (previous == .lower && current == .upper) || (previous != .number && current == .number) {
            return FuzzyScore.camel
        }
        if current == .nonWord || current == .delimiter { return FuzzyScore.nonWord }
        if current == .white { return FuzzyScore.boundaryWhite }
        return 0
    }
}

/// fzf's constants: a match is worth 16, a gap costs 3 then 1 per extra character, and a consecutive
/// character earns at least the cost of the gap it avoided.
enum FuzzyScore {
    static let match = 16
    static let gapStart = -3
    static let gapExtension = -1
    static let boundaryWhite = 10
    static let boundaryDelimiter = 9
    static let boundary = 8
    static let nonWord = 8
    static let camel = 7
    static let consecutive = 4
    static let firstCharMultiplier = 2
    /// The candidate holds the query's number as a whole number (`#12` for `12`, not `#120`).
    static let exactNumber = 48
}

/// The dynamic programme, with buffers reused across candidates so ranking thousands allocates little.
struct FuzzyScorer {
    private static let impossible: Int32 = Int32.min / 4

    private var previousRow: [Int32] = []
    private var currentRow: [Int32] = []
    private var previousRunBonus: [Int16] = []
    private var currentRunBonus: [Int16] = []
    /// Indices mode only: per (query char, position) the position of the previous query char.
    private var from: [Int32] = []
    private var first: [Int] = []
    private var last: [Int] = []

    mutating func match(_ pattern: FuzzyPattern, in text: FuzzyText, wantIndices: Bool) -> FuzzyMatch? {
        if pattern.isEmpty { return FuzzyMatch(score: 0, matchedIndices: []) }
        var total = 0
        var indices: [Int] = []
        for term in pattern.terms {
            guard let (score, termIndices) = align(term, text, wantIndices: wantIndices) else { return nil }
            total += score
            indices += termIndices
        }
        if let number = pattern.number { total += numberBonus(number, text) }
        if wantIndices, pattern.terms.count > 1 { indices = Array(Set(indices)).sorted() }
        return FuzzyMatch(score: total, matchedIndices: indices)
    }

    private func numberBonus(_ digits: [UInt32], _ text: FuzzyText) -> Int {
        let t = text.folded
        guard t.count >= digits.count else { return 0 }
        var start = 0
        while start + digits.count <= t.count {
            let end = start + digits.count
            if (start == 0 || !FuzzyText.isDigit(t[start - 1])) && (end == t.count || !FuzzyText.isDigit(t[end]))
                && t[start..<end].elementsEqual(digits) {
                let afterHash = start > 0 && t[start - 1] == UInt32(UInt8(ascii: "#"))
                return FuzzyScore.exactNumber + (afterHash ? FuzzyScore.exactNumber / 2 : 0)
            }
            start += 1
        }
        return 0
    }

    /// Best alignment of one term: its score and, when asked, the matched positions.
    private mutating func align(_ p: [UInt32], _ text: FuzzyText, wantIndices: Bool) -> (Int, [Int])? {
        let t = text.folded, n = t.count, m = p.count
        guard m > 0, m <= n else { return m == 0 ? (0, []) : nil }

        // The earliest and latest position each query character can take; also rejects non-matches cheaply.
        if first.count < m {
            first = [Int](repeating: 0, count: m)
            last = first
        }
        var j = 0
        for i in 0..<m {
            while j < n && t[j] != p[i] { j += 1 }
            if j == n { return nil }
            first[i] = j
            j += 1
        }
        j = n - 1
        for i in stride(from: m - 1, through: 0, by: -1) {
            while t[j] != p[i] { j -= 1 }
            last[i] = j
            j -= 1
        }

        let impossible = Self.impossible
        if previousRow.count < n {
            previousRow = [Int32](repeating: impossible, count: n)
            currentRow = previousRow
            previousRunBonus = [Int16](repeating: 0, count: n)
            currentRunBonus = previousRunBonus
        }
        if wantIndices { from = [Int32](repeating: -1, count: m * n) }

        for i in 0..<m {
            // Positions outside [first, last] stay impossible for this row. The scan starts right after the
            // previous character's earliest position so that gaps from there are counted.
            let lo = i == 0 ? first[0] : first[i - 1] + 1, hi = last[i]
            for k in 0..<n { currentRow[k] = impossible }
            var gapBest = impossible, gapFrom: Int32 = -1
            for j in lo...hi {
                if i > 0, j >= 2 {
                    // Best earlier end of the previous character, paying for the gap up to j.
                    let extended = gapBest == impossible ? impossible : gapBest + Int32(FuzzyScore.gapExtension)
                    let started = previousRow[j - 2] == impossible ? impossible
                        : previousRow[j - 2] + Int32(FuzzyScore.gapStart)
                    if started >= extended { (gapBest, gapFrom) = (started, Int32(j - 2)) } else { gapBest = extended }
                }
                guard t[j] == p[i] else { continue }
                let bonus = Int32(text.bonus[j])
                if i == 0 {
                    currentRow[j] = Int32(FuzzyScore.match) + bonus * Int32(FuzzyScore.firstCharMultiplier)
                    currentRunBonus[j] = Int16(bonus)
                    continue
                }
                var best = impossible, bestFrom: Int32 = -1, runBonus = Int16(bonus)
                if j >= 1, previousRow[j - 1] != impossible {
                    // A consecutive character keeps its run's bonus unless it starts a stronger word itself.
                    let runStart = Int32(previousRunBonus[j - 1])
                    var b = bonus
                    var run = previousRunBonus[j - 1]
                    if bonus >= Int32(FuzzyScore.boundary) && bonus > runStart {
                        run = Int16(bonus)
                    } else {
                        b = max(bonus, Int32(FuzzyScore.consecutive), runStart)
                    }
                    best = previousRow[j - 1] + Int32(FuzzyScore.match) + b
                    bestFrom = Int32(j - 1)
                    runBonus = run
                }
                if gapBest != impossible {
                    let viaGap = gapBest + Int32(FuzzyScore.match) + bonus
                    if viaGap > best { (best, bestFrom, runBonus) = (viaGap, gapFrom, Int16(bonus)) }
                }
                currentRow[j] = best
                currentRunBonus[j] = runBonus
                if wantIndices { from[i * n + j] = bestFrom }
            }
            if i < m - 1 { swap(&previousRow, &currentRow); swap(&previousRunBonus, &currentRunBonus) }
        }

        var bestEnd = -1, bestScore = impossible
        for j in first[m - 1]...last[m - 1] where currentRow[j] > bestScore { (bestEnd, bestScore) = (j, currentRow[j]) }
        guard bestEnd >= 0, bestScore != impossible else { return nil }
        guard wantIndices else { return (Int(bestScore), []) }
        var out = [Int](repeating: 0, count: m)
        var position = bestEnd
        for i in stride(from: m - 1, through: 0, by: -1) {
            out[i] = position
            position = Int(from[i * n + position])
        }
        return (Int(bestScore), out)
    }
}
