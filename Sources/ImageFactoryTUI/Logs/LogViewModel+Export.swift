import Foundation
import ImageFactoryCore
import Terminal

extension LogViewModel {
    /// The failed step's error lines with context (see ``LogExcerpt/make(reader:lineCount:step:context:maxLines:)``).
    public func errorExcerpt(failedStep: UInt16? = nil, context: Int = 3, maxLines: Int = 40) throws -> LogExcerpt? {
        try LogExcerpt.make(reader: reader, lineCount: lineCount, step: failedStep, context: context, maxLines: maxLines)
    }

    /// Writes the log's plain text to `url`, one line per line: the rows of the filtered view, or every
    /// line when `filtered` is false. Streams a page at a time past the cache, so saving a huge log
    /// holds one page. Returns the number of lines written.
    @discardableResult
    public func save(to url: URL, filtered: Bool = true) throws -> Int {
        let index = filtered ? rowIndex : {
            var all = LogRowIndex(levels: nil, step: nil)
            all.extend(reader: reader, to: lineCount)
            return all
        }()
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        let pageRows = 4096
        var written = 0
        var row = 0
        while row < index.count {
            let seqs = index.seqs(row..<min(index.count, row + pageRows), reader: reader)
            guard !seqs.isEmpty else { break }
            var page = Data()
            for run in Self.runs(seqs) {
                for line in try reader.lines(run) {
                    page.append(contentsOf: line.text.utf8)
                    page.append(0x0A)
                    written += 1
                }
            }
            try handle.write(contentsOf: page)
            row += seqs.count
        }
        return written
    }

    /// Ascending sequence numbers as ranges of consecutive ones.
    static func runs(_ seqs: [Int]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        guard var start = seqs.first else { return runs }
        var end = start + 1
        for seq in seqs.dropFirst() {
            if seq == end {
                end += 1
            } else {
                runs.append(start..<end)
                start = seq
                end = seq + 1
            }
        }
        runs.append(start..<end)
        return runs
    }

    /// Mouse input over the log area `rect`: the wheel scrolls, a left click selects the line.
    /// True when the event was used.
    @discardableResult
    public func handle(mouse event: MouseEvent, in rect: Rect) -> Bool {
        guard rect.contains(x: event.x, y: event.y) else { return false }
        switch event.kind {
        case .wheelUp: wheel(up: true)
        case .wheelDown: wheel(up: false)
        case .leftClick: select(screenRow: event.y - rect.y)
        case .middleClick, .rightClick: return false
        }
        return true
    }
}
