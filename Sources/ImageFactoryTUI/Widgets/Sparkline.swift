/// A one-line chart of recent values, scaled to their maximum (or a given ceiling).
enum Sparkline {
    static func render(_ values: [Double], width: Int, blocks: [String], ceiling: Double? = nil) -> String {
        guard width > 0, !blocks.isEmpty else { return "" }
        let recent = Array(values.suffix(width))
        let top = max(ceiling ?? 0, recent.max() ?? 0)
        let line = recent.map { v -> String in
            guard top > 0 else { return blocks[0] }
            let i = Int((v / top) * Double(blocks.count - 1)).clamped(to: 0...(blocks.count - 1))
            return blocks[i]
        }.joined()
        return String(repeating: " ", count: width - recent.count) + line
    }
}

extension Comparable {
    func clamped(to r: ClosedRange<Self>) -> Self { min(max(self, r.lowerBound), r.upperBound) }
}
