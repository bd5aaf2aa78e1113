/// A line diff over integer keys (one key per distinct masked line): patience-style anchoring on
/// lines unique to both sides, Myers' linear-space algorithm between anchors. Myers gives up on a
/// stretch once its cost bound is reached and reports it as replaced, so the worst case stays bounded
/// (and the result is marked approximate).
struct LogComparisonDiff {
    enum Kind: UInt8 {
        case same, removed, added
    }

    /// `count` lines of one kind, starting at `a` on the left and `b` on the right.
    struct Run: Equatable {
        var kind: Kind
        var a: Int
        var b: Int
        var count: Int
    }

    private let a: [Int]
    private let b: [Int]
    private(set) var runs: [Run] = []
    private(set) var approximate = false
    /// Snake steps left for Myers over the whole diff.
    private var budget: Int

    private enum Task {
        case patience(Int, Int, Int, Int)
        case myers(Int, Int, Int, Int)
        case same(Int, Int, Int)
    }

    /// Diffs `a` against `b`; `budget` bounds the Myers work (diagonals visited plus lines compared),
    /// about a tenth of a second of work by default.
    static func diff(_ a: [Int], _ b: [Int], budget: Int = 30_000_000) -> LogComparisonDiff {
        var diff = LogComparisonDiff(a: a, b: b, budget: budget)
        diff.run()
        return diff
    }

    private init(a: [Int], b: [Int], budget: Int) {
        self.a = a
        self.b = b
        self.budget = budget
    }

    private mutating func run() {
        // An explicit stack: recursion depth on long logs could exceed the thread's stack.
        var stack: [Task] = [.patience(0, a.count, 0, b.count)]
        while let task = stack.popLast() {
            switch task {
            case let .same(x, y, count):
                emit(.same, x, y, count)
            case let .patience(aLo, aHi, bLo, bHi):
                guard let (lo, hi) = trim(aLo, aHi, bLo, bHi, &stack) else { continue }
                let anchors = uniqueAnchors(lo.0, hi.0, lo.1, hi.1)
                if anchors.isEmpty {
                    stack.append(.myers(lo.0, hi.0, lo.1, hi.1))
                    continue
                }
                // Gaps between anchors, pushed in reverse so they run in order.
                var gaps: [Task] = []
                var x = lo.0
                var y = lo.1
                for (ax, by) in anchors {
                    gaps.append(.patience(x, ax, y, by))
                    gaps.append(.same(ax, by, 1))
                    x = ax + 1
                    y = by + 1
                }
                gaps.append(.patience(x, hi.0, y, hi.1))
                stack.append(contentsOf: gaps.reversed())
            case let .myers(aLo, aHi, bLo, bHi):
                guard let (lo, hi) = trim(aLo, aHi, bLo, bHi, &stack) else { continue }
                guard let snake = middleSnake(lo.0, hi.0, lo.1, hi.1) else {
                    approximate = true
                    emit(.removed, lo.0, lo.1, hi.0 - lo.0)
                    emit(.added, hi.0, lo.1, hi.1 - lo.1)
                    continue
                }
                stack.append(.myers(snake.u, hi.0, snake.v, hi.1))
                stack.append(.same(snake.x, snake.y, snake.u - snake.x))
                stack.append(.myers(lo.0, snake.x, lo.1, snake.y))
            }
        }
    }

    /// Emits the common prefix, queues the common suffix, and handles a side left empty; returns the
    /// middle still to diff, or nil when nothing is left.
    private mutating func trim(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int,
                               _ stack: inout [Task]) -> ((Int, Int), (Int, Int))? {
        var lo = (aLo, bLo)
        var hi = (aHi, bHi)
        while lo.0 < hi.0 && lo.1 < hi.1 && a[lo.0] == b[lo.1] {
            lo.0 += 1
            lo.1 += 1
        }
        emit(.same, aLo, bLo, lo.0 - aLo)
        while hi.0 > lo.0 && hi.1 > lo.1 && a[hi.0 - 1] == b[hi.1 - 1] {
            hi.0 -= 1
            hi.1 -= 1
        }
        if hi.0 < aHi { stack.append(.same(hi.0, hi.1, aHi - hi.0)) }
        if lo.0 == hi.0 || lo.1 == hi.1 {
            emit(.removed, lo.0, lo.1, hi.0 - lo.0)
            emit(.added, hi.0, lo.1, hi.1 - lo.1)
            return nil
        }
        return (lo, hi)
    }

    private mutating func emit(_ kind: Kind, _ x: Int, _ y: Int, _ count: Int) {
        guard count > 0 else { return }
        if let last = runs.last, last.kind == kind,
           last.a + (kind == .added ? 0 : last.count) == x, last.b + (kind == .removed ? 0 : last.count) == y {
            runs[runs.count - 1].count += count
        } else {
            runs.append(Run(kind: kind, a: x, b: y, count: count))
        }
    }

    /// Lines occurring exactly once on each side, paired, longest increasing subsequence of the pairs.
    private func uniqueAnchors(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) -> [(Int, Int)] {
        // Per key: occurrences on each side and the position of the (first) one.
        var seen: [Int: (inA: Int, inB: Int, position: Int)] = [:]
        seen.reserveCapacity(aHi - aLo)
        for x in aLo..<aHi {
            if let entry = seen[a[x]] {
                seen[a[x]] = (entry.inA + 1, 0, entry.position)
            } else {
                seen[a[x]] = (1, 0, x)
            }
        }
        var pairs: [(Int, Int)] = []
        var bPosition: [Int: Int] = [:]
        for y in bLo..<bHi {
            guard var entry = seen[b[y]], entry.inA == 1 else { continue }
            entry.inB += 1
            seen[b[y]] = entry
            bPosition[b[y]] = y
        }
        for x in aLo..<aHi {
            if let entry = seen[a[x]], entry.inA == 1, entry.inB == 1, let y = bPosition[a[x]] { pairs.append((x, y)) }
        }
        guard !pairs.isEmpty else { return [] }
        // Patience sorting: tails[k] = index in pairs of the smallest b ending an increasing run of k+1.
        var tails: [Int] = []
        var previous = [Int](repeating: -1, count: pairs.count)
        for (i, pair) in pairs.enumerated() {
            var low = 0
            var high = tails.count
            while low < high {
                let mid = (low + high) / 2
                if pairs[tails[mid]].1 < pair.1 { low = mid + 1 } else { high = mid }
            }
            if low > 0 { previous[i] = tails[low - 1] }
            if low == tails.count { tails.append(i) } else { tails[low] = i }
        }
        var result: [(Int, Int)] = []
        var k = tails.last!
        while k >= 0 {
            result.append(pairs[k])
            k = previous[k]
        }
        return result.reversed()
    }

    private struct Snake {
        var x: Int, y: Int, u: Int, v: Int
    }

    /// Myers' middle snake of a[aLo..<aHi] and b[bLo..<bHi] (both non-empty, ends differing): the
    /// diagonal run (x, y)..(u, v) in absolute positions; nil when the budget runs out first.
    private mutating func middleSnake(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) -> Snake? {
        let n = aHi - aLo
        let m = bHi - bLo
        let total = n + m
        let delta = n - m
        let odd = total % 2 == 1
        // Diagonals k run from -m-1 to n+1; index k + m + 1.
        let offset = m + 1
        var work = budget
        defer { budget = work }
        var forward = [Int](repeating: 0, count: total + 3)
        var backward = [Int](repeating: 0, count: total + 3)
        return a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                forward.withUnsafeMutableBufferPointer { vf in
                    backward.withUnsafeMutableBufferPointer { vb -> Snake? in
                        let maxH = total / 2 + (odd ? 1 : 0)
                        for h in 0...maxH {
                            if work < 0 { return nil }
                            for pass in 0..<2 {
                                let isForward = pass == 0
                                let lowK = -(h - 2 * max(0, h - m))
                                let highK = h - 2 * max(0, h - n)
                                guard lowK <= highK else { continue }
                                work -= (highK - lowK) / 2 + 1
                                let v = isForward ? vf : vb
                                let other = isForward ? vb : vf
                                for k in stride(from: lowK, through: highK, by: 2) {
                                    let kMinus = v[k - 1 + offset]
                                    let kPlus = v[k + 1 + offset]
                                    var x = (k == -h || (k != h && kMinus < kPlus)) ? kPlus : kMinus + 1
                                    var y = x - k
                                    let startX = x
                                    let startY = y
                                    if isForward {
                                        while x < n && y < m && aBuffer[aLo + x] == bBuffer[bLo + y] {
                                            x += 1
                                            y += 1
                                        }
                                    } else {
                                        while x < n && y < m && aBuffer[aHi - 1 - x] == bBuffer[bHi - 1 - y] {
                                            x += 1
                                            y += 1
                                        }
                                    }
                                    v[k + offset] = x
                                    work -= x - startX
                                    let z = delta - k
                                    let bound = isForward ? h - 1 : h
                                    if odd == isForward && z >= -bound && z <= bound && x + other[z + offset] >= n {
                                        let snake = isForward
                                            ? Snake(x: startX, y: startY, u: x, v: y)
                                            : Snake(x: n - x, y: m - y, u: n - startX, v: m - startY)
                                        return Snake(x: aLo + snake.x, y: bLo + snake.y, u: aLo + snake.u, v: bLo + snake.v)
                                    }
                                }
                            }
                        }
                        return nil
                    }
                }
            }
        }
    }
}
