import ImageFactoryCore

/// The few pages of lines the view has read, so redrawing and scrolling a little do not go back to
/// the reader, while the memory held stays bounded whatever the log's size.
final class LogLineCache {
    let pageSize: Int
    let capacity: Int
    private var lines: [Int: LogLine] = [:]
    /// Lines fetched from the reader since the cache was made (for tests and diagnostics).
    private(set) var linesRead = 0

    init(pageSize: Int = 256, pages: Int = 4) {
        self.pageSize = pageSize
        capacity = pageSize * pages
    }

    var count: Int { lines.count }

    func removeAll() { lines.removeAll(keepingCapacity: true) }

    /// The lines for `seqs` (ascending), below `lineCount`. Contiguous requests read whole aligned
    /// pages so small scrolls hit the cache; sparse ones (filtered views) read only the runs asked for.
    func lines(_ seqs: [Int], lineCount: Int, reader: any LogSource) throws -> [LogLine] {
        let wanted = seqs.filter { $0 >= 0 && $0 < lineCount }
        guard let first = wanted.first, let last = wanted.last else { return [] }
        let missing = wanted.filter { lines[$0] == nil }
        if !missing.isEmpty {
            let contiguous = last - first + 1 == wanted.count
            var runs: [Range<Int>] = []
            if contiguous {
                let low = missing.first! / pageSize * pageSize
                let high = min(lineCount, (missing.last! / pageSize + 1) * pageSize)
                runs = [low..<high]
            } else {
                var start = missing[0]
                var end = start + 1
                for seq in missing.dropFirst() {
                    if seq == end { end += 1; continue }
                    runs.append(start..<end)
                    start = seq
                    end = seq + 1
                }
                runs.append(start..<end)
            }
            for run in runs {
                let fetched = try reader.lines(run)
                linesRead += fetched.count
                for line in fetched where lines[line.seq] == nil { lines[line.seq] = line }
            }
            evict(keeping: first...last)
        }
        return wanted.compactMap { lines[$0] }
    }

    /// Over capacity, keeps what lies near the request, then only the request itself.
    private func evict(keeping request: ClosedRange<Int>) {
        guard lines.count > capacity else { return }
        let margin = capacity / 2
        let near = (request.lowerBound - margin)...(request.upperBound + margin)
        lines = lines.filter { near.contains($0.key) }
        if lines.count > capacity { lines = lines.filter { request.contains($0.key) } }
    }
}
