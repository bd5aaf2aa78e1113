import ImageFactoryCore

/// How many lines match a search and where every 256th match is, so the view can show "3/41" without
/// keeping one entry per match. One pass over the log builds it (the count is its by-product); it is a
/// Sendable value so the pass can run off the UI task and be installed when done.
public struct LogSearchIndex: Sendable {
    static let stride = 256
    private static let scanBatch = 8192

    public let query: String
    public let caseInsensitive: Bool
    public let levels: Set<LogLevel>?
    public let step: UInt16?
    /// Matching lines among the first `scannedLines`.
    public private(set) var count = 0
    public private(set) var scannedLines = 0
    private var checkpoints: [Int] = []

    public init(query: String, caseInsensitive: Bool, levels: Set<LogLevel>?, step: UInt16?) {
        self.query = query
        self.caseInsensitive = caseInsensitive
        self.levels = levels
        self.step = step
    }

    public static func build(
        reader: any LogSource, query: String, caseInsensitive: Bool, levels: Set<LogLevel>?, step: UInt16?, lineCount: Int
    ) throws -> LogSearchIndex {
        var index = LogSearchIndex(query: query, caseInsensitive: caseInsensitive, levels: levels, step: step)
        try index.extend(reader: reader, to: lineCount)
        return index
    }

    /// Takes in lines up to `lineCount`.
    public mutating func extend(reader: any LogSource, to lineCount: Int) throws {
        var from = scannedLines
        scan: while from < lineCount {
            let batch = try reader.search(query, caseInsensitive: caseInsensitive, levels: levels, step: step,
                                          from: from, limit: Self.scanBatch)
            for seq in batch {
                if seq >= lineCount { break scan }
                if count % Self.stride == 0 { checkpoints.append(seq) }
                count += 1
            }
            guard batch.count == Self.scanBatch, let last = batch.last else { break }
            from = last + 1
        }
        scannedLines = max(scannedLines, lineCount)
    }

    /// 1-based position of the match on line `seq`, nil when that line is not a match.
    public func ordinal(of seq: Int, reader: any LogSource) throws -> Int? {
        guard let first = checkpoints.first, seq >= first, seq < scannedLines else { return nil }
        var low = 0
        var high = checkpoints.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if checkpoints[mid] <= seq { low = mid } else { high = mid - 1 }
        }
        let batch = try reader.search(query, caseInsensitive: caseInsensitive, levels: levels, step: step,
                                      from: checkpoints[low], limit: Self.stride)
        guard let i = batch.firstIndex(of: seq) else { return nil }
        return low * Self.stride + i + 1
    }
}
