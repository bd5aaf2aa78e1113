/// Ranks palette entries for a query.
public enum PaletteSearch {
    /// The best `limit` entries that match `query`, best first: by score, then the shorter title, then the
    /// order given (so equal matches keep the caller's order). An empty query keeps the first `limit` entries
    /// in order. Matched indices are computed only for the entries returned.
    public static func rank(_ entries: [PaletteEntry], query: String, limit: Int) -> [(PaletteEntry, FuzzyMatch)] {
        guard limit > 0 else { return [] }
        let pattern = FuzzyPattern(query)
        if pattern.isEmpty {
            return entries.prefix(limit).map { ($0, FuzzyMatch(score: 0, matchedIndices: [])) }
        }
        var scorer = FuzzyScorer()
        var hits: [(score: Int, length: Int, index: Int)] = []
        hits.reserveCapacity(min(entries.count, 1024))
        for (index, entry) in entries.enumerated() {
            if let found = scorer.match(pattern, in: entry.searchable, wantIndices: false) {
                hits.append((found.score, entry.searchable.count, index))
            }
        }
        hits.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.length != b.length { return a.length < b.length }
            return a.index < b.index
        }
        return hits.prefix(limit).compactMap { hit in
            let entry = entries[hit.index]
            return scorer.match(pattern, in: entry.searchable, wantIndices: true).map { (entry, $0) }
        }
    }
}
