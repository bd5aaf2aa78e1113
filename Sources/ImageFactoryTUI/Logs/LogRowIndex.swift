import ImageFactoryCore

/// Maps the rows of a (possibly filtered) log view to sequence numbers.
///
/// Unfiltered, row and sequence number are the same and nothing is stored. Filtered, it keeps one
/// checkpoint (the row's sequence number) per ``stride`` rows and pages rows in through
/// ``LogReader/filter(levels:step:from:limit:)`` from the nearest checkpoint. A chunked index was
/// chosen over a capped materialized one because a step filter on a big step can select millions of
/// rows: this keeps 8 bytes per 1,024 rows (about 16 KB for 2M rows), any page costs at most one
/// stride of extra index records, and counting rows (needed for End and the scroll range) is one scan
/// of the 24-byte index records, extended incrementally as the log grows.
struct LogRowIndex: Sendable {
    static let stride = 1024
    private static let scanBatch = 16_384

    let levels: Set<LogLevel>?
    let step: UInt16?
    /// Rows in the view.
    private(set) var count = 0
    /// Log lines examined so far (the view's line count).
    private(set) var scannedLines = 0
    private var checkpoints: [Int] = []

    var isIdentity: Bool { levels == nil && step == nil }

    init(levels: Set<LogLevel>?, step: UInt16?) {
        self.levels = levels
        self.step = step
    }

    /// Takes in lines up to `lineCount`.
    mutating func extend(reader: any LogSource, to lineCount: Int) {
        guard lineCount > scannedLines else { return }
        if isIdentity {
            count = lineCount
            scannedLines = lineCount
            return
        }
        var from = scannedLines
        scan: while from < lineCount {
            let batch = reader.filter(levels: levels, step: step, from: from, limit: Self.scanBatch)
            for seq in batch {
                // The reader may already see lines the view has not been told about.
                if seq >= lineCount { break scan }
                if count % Self.stride == 0 { checkpoints.append(seq) }
                count += 1
            }
            guard batch.count == Self.scanBatch, let last = batch.last else { break }
            from = last + 1
        }
        scannedLines = lineCount
    }

    /// Sequence numbers of `rows` (clamped to the view).
    func seqs(_ rows: Range<Int>, reader: any LogSource) -> [Int] {
        let rows = rows.clamped(to: 0..<count)
        guard !rows.isEmpty else { return [] }
        if isIdentity { return Array(rows) }
        let chunk = rows.lowerBound / Self.stride
        let skip = rows.lowerBound - chunk * Self.stride
        let batch = reader.filter(levels: levels, step: step, from: checkpoints[chunk], limit: skip + rows.count)
        return Array(batch.dropFirst(skip).prefix { $0 < scannedLines })
    }

    func seq(ofRow row: Int, reader: any LogSource) -> Int? { seqs(row..<(row + 1), reader: reader).first }

    /// The first row whose line is at or after `seq`.
    func row(atOrAfter seq: Int, reader: any LogSource) -> Int? {
        guard count > 0 else { return nil }
        if isIdentity { return seq < count ? max(0, seq) : nil }
        // Last checkpoint at or before seq.
        var low = 0
        var high = checkpoints.count - 1
        if seq <= checkpoints[0] { return 0 }
        while low < high {
            let mid = (low + high + 1) / 2
            if checkpoints[mid] <= seq { low = mid } else { high = mid - 1 }
        }
        let chunkStart = low * Self.stride
        let batch = reader.filter(levels: levels, step: step, from: checkpoints[low], limit: min(Self.stride, count - chunkStart))
        if let i = batch.firstIndex(where: { $0 >= seq }), batch[i] < scannedLines { return chunkStart + i }
        let next = chunkStart + Self.stride
        return next < count ? next : nil
    }

    /// The last row whose line is at or before `seq`.
    func row(atOrBefore seq: Int, reader: any LogSource) -> Int? {
        let after = row(atOrAfter: seq + 1, reader: reader) ?? count
        return after > 0 ? after - 1 : nil
    }
}
