/// "Did you mean" for names in manifests, theme and keymap files.
public enum SpellingSuggestion {
    /// The closest candidate within a typo budget (2 edits, 3 for names longer than 8), ignoring case,
    /// `-`, `_` and `.`; nil when nothing is close.
    public static func nearest(to name: String, among candidates: [String]) -> String? {
        let key = folded(name)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let other = folded(candidate)
            let budget = max(key.count, other.count) > 8 ? 3 : 2
            guard abs(key.count - other.count) <= budget else { continue }
            let distance = editDistance(key, other)
            // Short names are within two edits of almost anything: require some overlap.
            guard distance <= budget, distance < other.count else { continue }
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        return best?.candidate
    }

    private static func folded(_ s: String) -> [Unicode.Scalar] {
        Array(s.lowercased().unicodeScalars.filter { $0 != "-" && $0 != "_" && $0 != "." && $0 != " " })
    }

    /// Optimal string alignment distance: Levenshtein plus adjacent transpositions.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, beforePrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
