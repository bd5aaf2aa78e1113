/// Replaces the tokens of a log line that change from run to run (times, durations, hashes, temporary
/// paths, ids, sizes, progress) with tags, so comparing two builds' logs shows only real differences.
///
/// Tags: `<time>` timestamps and clock times, `<dur>` durations, `<hash>` hex hashes, digests and
/// container ids, `<uuid>`, `<tmp>` temporary and workspace directories, `<pid>` process ids,
/// `<size>` byte sizes, `<pct>` percentages, `<n>` build and BuildKit step numbers (`#12`).
/// Tokens are matched at word starts only, so text inside identifiers stays as it is.
///
/// Given the line's own build (``BuildTokens``), also what only that build has: its workspace, log and
/// artifact directories (`<workspace>`, `<logs>`, `<artifacts>`), and its id or number where a line
/// names it as a build's (`build-12`, the build's cgroup, `IMAGEFACTORY_BUILD_ID=12`, `build 12` → `<n>`).
/// Two builds of one manifest then differ only where their runs really did.
public enum VolatileMask {
    /// What is one build's own and differs in every other build of the same manifest. Each side of a
    /// comparison is masked with its own build's tokens; numbers and paths of any other build stay.
    public struct BuildTokens: Sendable, Hashable {
        public var id: Int64?
        public var number: Int64?
        /// Directories and their tags, longest path first (a path inside another is matched whole).
        var directories: [Directory]

        struct Directory: Sendable, Hashable {
            var path: [UInt8]
            var tag: String
        }

        /// `workspace`, `logs` and `artifacts`: the build's own directories (absolute paths).
        public init(id: Int64?, number: Int64?, workspace: [String] = [], logs: [String] = [], artifacts: [String] = []) {
            self.id = id
            self.number = number
            var directories: [Directory] = []
            for (paths, tag) in [(workspace, "<workspace>"), (logs, "<logs>"), (artifacts, "<artifacts>")] {
                for path in paths {
                    var bytes = Array(path.utf8)
                    while bytes.count > 1 && bytes.last == slash { bytes.removeLast() }
                    // The root or a relative path would mask far too much.
                    guard bytes.count > 1, bytes.first == slash else { continue }
                    let directory = Directory(path: bytes, tag: tag)
                    if !directories.contains(directory) { directories.append(directory) }
                }
            }
            self.directories = directories.sorted { $0.path.count > $1.path.count }
        }

        /// A build of the data directory `directory`: its directories there (also as reached through
        /// symbolic links in the data directory's path), its id and its number.
        public init(build: Build, directory: DataDirectory) {
            var roots = [directory]
            let resolved = DataDirectory(root: directory.root.resolvingSymlinksInPath())
            if resolved != directory { roots.append(resolved) }
            guard let id = build.id else {
                self.init(id: nil, number: build.number.rawValue)
                return
            }
            self.init(id: id.rawValue, number: build.number.rawValue,
                      workspace: roots.map { $0.workspace(for: id).path },
                      logs: roots.map { $0.logDirectory(for: id).path },
                      artifacts: roots.map { $0.artifactDirectory(for: id).path })
        }

        func isOwn(_ value: Int64) -> Bool { value == id || value == number }
    }

    public static func mask(_ line: String) -> String { mask(line, build: nil) }

    /// Masks `line`, a line of `build`'s log (its own tokens masked too; see ``BuildTokens``).
    public static func mask(_ line: String, build: BuildTokens?) -> String {
        var copy = line
        return copy.withUTF8 { bytes in
            // Most lines have nothing to mask: every rule needs a digit or a path.
            var interesting = false
            for b in bytes where isDigit(b) || b == slash {
                interesting = true
                break
            }
            guard interesting else { return line }
            var scanner = Scanner(bytes, build: build)
            return scanner.run() ? String(decoding: scanner.out, as: UTF8.self) : line
        }
    }

    private static let slash = UInt8(ascii: "/")

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) || b >= 0x80 }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }

    private struct Scanner {
        let s: UnsafeBufferPointer<UInt8>
        let n: Int
        let build: BuildTokens?
        var out: [UInt8] = []
        var changed = false

        init(_ s: UnsafeBufferPointer<UInt8>, build: BuildTokens?) {
            self.s = s
            n = s.count
            self.build = build
            out.reserveCapacity(n)
        }

        /// Scans the line; true when something was replaced (then `out` holds the result).
        mutating func run() -> Bool {
            var i = 0
            if let end = buildKitPrefix() {
                emit("#<n> <dur>")
                i = end
            }
            while i < n {
                let b = s[i]
                // "[" needs no word start: pids follow program names ("sshd[1234]").
                let boundary = i == 0 || !isAlnum(s[i - 1]) || b == UInt8(ascii: "[")
                if boundary, let (end, tag) = token(at: i) {
                    emit(tag)
                    i = end
                    continue
                }
                if isAlnum(b) {
                    // Copy the rest of the word: tokens only start at word starts.
                    var j = i + 1
                    while j < n && isAlnum(s[j]) { j += 1 }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: s[i..<j]))
                    i = j
                } else {
                    out.append(b)
                    i += 1
                }
            }
            return changed
        }

        mutating func emit(_ tag: String) {
            out.append(contentsOf: tag.utf8)
            changed = true
        }

        @inline(__always) func at(_ i: Int) -> UInt8 { i < n ? s[i] : 0 }
        @inline(__always) func endsWord(_ i: Int) -> Bool { i >= n || !isAlnum(s[i]) }

        func digits(from i: Int) -> Int {
            var j = i
            while j < n && isDigit(s[j]) { j += 1 }
            return j
        }

        func hexRun(from i: Int) -> Int {
            var j = i
            while j < n && isHex(s[j]) { j += 1 }
            return j
        }

        func matches(_ bytes: [UInt8], at i: Int) -> Bool {
            guard n - i >= bytes.count else { return false }
            for k in 0..<bytes.count where s[i + k] != bytes[k] { return false }
            return true
        }

        func matches(_ literal: String, at i: Int, caseInsensitive: Bool = false) -> Bool {
            var j = i
            for c in literal.utf8 {
                guard j < n else { return false }
                let b = s[j]
                if caseInsensitive ? (b | 0x20) != (c | 0x20) : b != c { return false }
                j += 1
            }
            return true
        }

        /// BuildKit progress lines: `#5 0.215 output` → `#<n> <dur> output`.
        func buildKitPrefix() -> Int? {
            guard at(0) == UInt8(ascii: "#") else { return nil }
            let stepEnd = digits(from: 1)
            guard stepEnd > 1, at(stepEnd) == UInt8(ascii: " ") else { return nil }
            let whole = digits(from: stepEnd + 1)
            guard whole > stepEnd + 1, at(whole) == UInt8(ascii: "."), digits(from: whole + 1) > whole + 1 else { return nil }
            let end = digits(from: whole + 1)
            return endsWord(end) ? end : nil
        }

        /// The token starting at `i` (a word start): its end and tag.
        func token(at i: Int) -> (Int, String)? {
            let b = s[i]
            if b == slash { return path(at: i) }
            if b == UInt8(ascii: "#") {
                let end = digits(from: i + 1)
                return end > i + 1 && endsWord(end) ? (end, "#<n>") : nil
            }
            if b == UInt8(ascii: "[") {
                let end = digits(from: i + 1)
                return end > i + 1 && at(end) == UInt8(ascii: "]") ? (end + 1, "[<pid>]") : nil
            }
            if isLetter(b) {
                if let end = namedDate(at: i) { return (end, "<time>") }
                if let r = pidWord(at: i) { return r }
                return isHex(b) ? hash(at: i) : nil
            }
            guard isDigit(b) else { return nil }
            if let end = uuid(at: i) { return (end, "<uuid>") }
            if let end = isoDate(at: i) { return (end, "<time>") }
            if let end = clock(at: i) { return (end, "<time>") }
            if let r = hash(at: i) { return r }
            if let end = ownBuildNumber(at: i) { return (end, "<n>") }
            return quantity(at: i)
        }

        /// The build's own id or number where the line names it as a build's: after `build` and a
        /// separator or two (`build-12`, `build 12`, `build: 12`, `BUILD=12`), or after `build id`,
        /// `build_id`, `build number` and the like (`IMAGEFACTORY_BUILD_ID=12`).
        func ownBuildNumber(at i: Int) -> Int? {
            guard let build, i > 0 else { return nil }
            let end = digits(from: i)
            // No leading zeros, no decimals or versions ("build 1.2"), at most 18 digits.
            guard end - i <= 18, s[i] != UInt8(ascii: "0") || end - i == 1, endsWord(end),
                  !(at(end) == UInt8(ascii: ".") && isDigit(at(end + 1))) else { return nil }
            var value: Int64 = 0
            for j in i..<end { value = value * 10 + Int64(s[j] - 0x30) }
            guard build.isOwn(value) else { return nil }
            guard var word = wordBefore(i, separators: 2) else { return nil }
            if matches("id", word: word) || matches("number", word: word) || matches("no", word: word)
                || matches("num", word: word) {
                guard let build = wordBefore(word.lowerBound, separators: 1) else { return nil }
                word = build
            }
            return matches("build", word: word) ? end : nil
        }

        /// The letters before position `i` after one to `separators` separators (` `, `-`, `_`, `=`,
        /// `:`, `#`), when they are a whole word.
        func wordBefore(_ i: Int, separators: Int) -> Range<Int>? {
            var j = i
            while j > 0 && i - j < separators && Self.numberSeparators.contains(s[j - 1]) { j -= 1 }
            guard j < i else { return nil }
            let wordEnd = j
            while j > 0 && isLetter(s[j - 1]) { j -= 1 }
            guard j < wordEnd, j == 0 || !isDigit(s[j - 1]) else { return nil }
            return j..<wordEnd
        }

        static let numberSeparators: Set<UInt8> = Set(" -_=:#".utf8)

        func matches(_ literal: String, word: Range<Int>) -> Bool {
            word.count == literal.utf8.count && matches(literal, at: word.lowerBound, caseInsensitive: true)
        }

        /// `sha256:…` digests, container ids, 12+ hex digits, and git-style 7+ mixing digits and letters.
        func hash(at i: Int) -> (Int, String)? {
            let end = hexRun(from: i)
            guard endsWord(end) else { return nil }
            let length = end - i
            var hasDigit = false
            var hasLetter = false
            for j in i..<end {
                if isDigit(s[j]) { hasDigit = true } else { hasLetter = true }
            }
            if hasDigit && (length >= 12 || (length >= 7 && hasLetter)) { return (end, "<hash>") }
            return nil
        }

        /// 8-4-4-4-12 hex digits.
        func uuid(at i: Int) -> Int? {
            var j = i
            for (index, length) in [8, 4, 4, 4, 12].enumerated() {
                if index > 0 {
                    guard at(j) == UInt8(ascii: "-") else { return nil }
                    j += 1
                }
                let end = hexRun(from: j)
                guard end - j == length else { return nil }
                j = end
            }
            return endsWord(j) ? j : nil
        }

        /// `2026-11-26`, optionally with `T12:00:01.123` (or a space) and `Z` / `+01:00`.
        func isoDate(at i: Int) -> Int? {
            guard digits(from: i) == i + 4, at(i + 4) == UInt8(ascii: "-"), digits(from: i + 5) == i + 7,
                  at(i + 7) == UInt8(ascii: "-"), digits(from: i + 8) == i + 10 else { return nil }
            var j = i + 10
            let separator = at(j)
            if separator == UInt8(ascii: "T") || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "_"),
               isDigit(at(j + 1)), let end = clock(at: j + 1, allowShort: true) {
                j = end
            } else if !endsWord(j) {
                return nil
            }
            return j
        }

        /// `12:00:01`, `12:00:01.123`, `01:02.345`, with `Z` or a numeric offset; with `allowShort`,
        /// also `12:00` (after a date).
        func clock(at i: Int, allowShort: Bool = false) -> Int? {
            let hoursEnd = digits(from: i)
            guard hoursEnd - i >= 1, hoursEnd - i <= 2, at(hoursEnd) == UInt8(ascii: ":"),
                  digits(from: hoursEnd + 1) == hoursEnd + 3 else { return nil }
            var j = hoursEnd + 3
            var complete = allowShort
            if at(j) == UInt8(ascii: ":"), digits(from: j + 1) == j + 3 {
                j += 3
                complete = true
            }
            if at(j) == UInt8(ascii: ".") || at(j) == UInt8(ascii: ","), digits(from: j + 1) > j + 1 {
                j = digits(from: j + 1)
                complete = true
            }
            guard complete else { return nil }
            if at(j) == UInt8(ascii: "Z") {
                j += 1
            } else if at(j) == UInt8(ascii: "+") || at(j) == UInt8(ascii: "-"), digits(from: j + 1) == j + 3 {
                var k = j + 3
                if at(k) == UInt8(ascii: ":") { k += 1 }
                if digits(from: k) == k + 2 { j = k + 2 }
            }
            return endsWord(j) ? j : nil
        }

        static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

        func word(_ list: [String], at i: Int) -> Int? {
            guard i + 3 <= n, endsWord(i + 3) || isLetter(at(i + 3)) else { return nil }
            guard list.contains(where: { matches($0, at: i, caseInsensitive: true) }) else { return nil }
            var j = i + 3
            while j < n && isLetter(s[j]) { j += 1 }  // "Thursday", "November"
            return j
        }

        /// RFC 1123 / ctime / syslog dates ending in a clock time: `Thu, 26 Nov 2026 12:00:01 GMT`,
        /// `Thu Nov 26 12:00:01 UTC 2026`, `Nov 26 12:00:01`.
        func namedDate(at i: Int) -> Int? {
            var j = i
            if let end = word(Self.weekdays, at: j) {
                j = end
                if at(j) == UInt8(ascii: ",") { j += 1 }
                guard at(j) == UInt8(ascii: " ") else { return nil }
                j += 1
            }
            var clockAt: Int
            if isDigit(at(j)) {
                // 26 Nov 2026 12:00:01
                let day = digits(from: j)
                guard day - j <= 2, at(day) == UInt8(ascii: " "), let month = word(Self.months, at: day + 1),
                      at(month) == UInt8(ascii: " ") else { return nil }
                let year = digits(from: month + 1)
                guard year - month - 1 == 4, at(year) == UInt8(ascii: " ") else { return nil }
                clockAt = year + 1
            } else {
                // Nov 26 12:00:01
                guard let month = word(Self.months, at: j), at(month) == UInt8(ascii: " ") else { return nil }
                var k = month + 1
                if at(k) == UInt8(ascii: " ") { k += 1 }
                let day = digits(from: k)
                guard day > k, day - k <= 2, at(day) == UInt8(ascii: " ") else { return nil }
                clockAt = day + 1
            }
            guard var end = clock(at: clockAt) else { return nil }
            // Time zone word and trailing year.
            if at(end) == UInt8(ascii: " "), isLetter(at(end + 1)) {
                var k = end + 1
                while k < n && isLetter(s[k]) { k += 1 }
                if k - end - 1 <= 4, (end + 1..<k).allSatisfy({ s[$0] >= 0x41 && s[$0] <= 0x5A }) { end = k }
            }
            if at(end) == UInt8(ascii: " "), digits(from: end + 1) == end + 5, endsWord(end + 5) { end += 5 }
            return end
        }

        /// `pid 1234`, `pid=1234`, `PID: 1234`.
        func pidWord(at i: Int) -> (Int, String)? {
            guard matches("pid", at: i, caseInsensitive: true), !isAlnum(at(i + 3)) else { return nil }
            var j = i + 3
            while j < n && (s[j] == UInt8(ascii: " ") || s[j] == UInt8(ascii: "=") || s[j] == UInt8(ascii: ":")) && j - i < 6 {
                j += 1
            }
            let end = digits(from: j)
            guard j > i + 3, end > j, endsWord(end) else { return nil }
            return (end, String(decoding: UnsafeBufferPointer(rebasing: s[i..<j]), as: UTF8.self) + "<pid>")
        }

        static let durationUnits: Set<String> = [
            "ns", "us", "µs", "ms", "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes",
            "h", "hr", "hrs", "hour", "hours", "d",
        ]
        /// Units also accepted after a space ("3 seconds"; "3 s" is too ambiguous).
        static let spacedDurationUnits: Set<String> = [
            "ms", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "hour", "hours",
        ]
        static let sizeUnits: Set<String> = [
            "B", "kB", "KB", "KiB", "MB", "MiB", "GB", "GiB", "TB", "TiB", "K", "M", "G", "k", "Ki", "Mi", "Gi",
            "bytes", "byte",
        ]
        static let spacedSizeUnits: Set<String> = ["B", "kB", "KB", "KiB", "MB", "MiB", "GB", "GiB", "TB", "TiB", "bytes"]

        func number(at i: Int) -> Int? {
            let whole = digits(from: i)
            guard whole > i else { return nil }
            if at(whole) == UInt8(ascii: "."), digits(from: whole + 1) > whole + 1 { return digits(from: whole + 1) }
            return whole
        }

        func unit(at i: Int) -> (String, Int)? {
            var j = i
            while j < n && (isLetter(s[j]) || s[j] == 0xC2 || s[j] == 0xB5) { j += 1 }  // µ is C2 B5
            guard j > i else { return nil }
            return (String(decoding: UnsafeBufferPointer(rebasing: s[i..<j]), as: UTF8.self), j)
        }

        /// Durations (`1.23s`, `450ms`, `2m3s`, `3 seconds`), byte sizes (`12.3 MB`), percentages.
        func quantity(at i: Int) -> (Int, String)? {
            guard let numberEnd = number(at: i) else { return nil }
            if at(numberEnd) == UInt8(ascii: "%") { return (numberEnd + 1, "<pct>") }
            if let (name, end) = unit(at: numberEnd), endsWord(end) || isDigit(at(end)) {
                if Self.durationUnits.contains(name) {
                    var j = end
                    // Compound durations: 1h2m3.5s.
                    while isDigit(at(j)), let next = number(at: j), let (more, moreEnd) = unit(at: next),
                          Self.durationUnits.contains(more) {
                        j = moreEnd
                    }
                    if endsWord(j) { return (j, "<dur>") }
                }
                if Self.sizeUnits.contains(name), endsWord(end) { return (end, "<size>") }
            }
            if at(numberEnd) == UInt8(ascii: " "), let (name, end) = unit(at: numberEnd + 1), endsWord(end) {
                if Self.spacedDurationUnits.contains(name) { return (end, "<dur>") }
                if Self.spacedSizeUnits.contains(name) { return (end, "<size>") }
            }
            return nil
        }

        static let tempPrefixes = ["/tmp/", "/var/tmp/", "/private/tmp/", "/dev/shm/"]

        /// Temporary directories (the first component under /tmp and the like, macOS's
        /// /var/folders/xx/yyy/T) and a build's workspace (`…/workspaces/build-12`).
        func path(at i: Int) -> (Int, String)? {
            // The build's own directories, wherever they are.
            if let build {
                for directory in build.directories where matches(directory.path, at: i) {
                    let end = i + directory.path.count
                    if end >= n || s[end] == slash || isPathEnd(s[end]) { return (end, directory.tag) }
                }
            }
            for prefix in Self.tempPrefixes where matches(prefix, at: i) {
                let start = i + prefix.utf8.count
                let end = pathComponentEnd(from: start)
                return end > start ? (end, "<tmp>") : nil
            }
            for prefix in ["/var/folders/", "/private/var/folders/"] where matches(prefix, at: i) {
                let start = i + prefix.utf8.count
                var j = start
                var end = start
                for _ in 0..<3 {
                    let componentEnd = pathComponentEnd(from: j)
                    guard componentEnd > j else { break }
                    end = componentEnd
                    guard at(componentEnd) == slash else { break }
                    j = componentEnd + 1
                }
                return end > start ? (end, "<tmp>") : nil
            }
            // A workspace anywhere in this path.
            var j = i
            let marker = "/workspaces/build-"
            while j < n && !isPathEnd(s[j]) {
                if s[j] == slash && matches(marker, at: j) {
                    let numberStart = j + marker.utf8.count
                    let end = digits(from: numberStart)
                    if end > numberStart && (end >= n || s[end] == slash || isPathEnd(s[end])) { return (end, "<tmp>") }
                }
                j += 1
            }
            return nil
        }

        func isPathEnd(_ b: UInt8) -> Bool {
            b == UInt8(ascii: " ") || b == 0x09 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "`")
                || b == UInt8(ascii: ":") || b == UInt8(ascii: ",") || b == UInt8(ascii: ";") || b == UInt8(ascii: ")")
                || b == UInt8(ascii: "]") || b == UInt8(ascii: "}") || b == UInt8(ascii: ">") || b == UInt8(ascii: "(")
        }

        func pathComponentEnd(from i: Int) -> Int {
            var j = i
            while j < n && s[j] != slash && !isPathEnd(s[j]) { j += 1 }
            return j
        }
    }
}
