import Foundation
import GRDB
import Testing
@testable import ImageFactoryCore

/// A seeded generator, so a failing kill point can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The real runner process killed with SIGKILL at random points of a 1,000,000-line build, 20 times with fixed
/// seeds, then its log files torn at random offsets past what was kept. One at a time: each kill point is
/// meant to land while its build writes, not while twenty others compete for the cores.
@Suite(.serialized) struct RunnerFaultTests {
    /// The numbers of the build's own `n-N` lines, in log order.
    func numbers(_ lines: [LogLine]) -> [Int] {
        lines.compactMap { $0.text.hasPrefix("n-") ? Int($0.text.dropFirst(2)) : nil }
    }

    @Test(arguments: 0..<20)
    func aKilledRunnerKeepsAPrefixOfTheOutputAndAnIntactDatabase(seed: Int) async throws {
        var random = SplitMix64(state: UInt64(seed) &* 7919 &+ 1)
        let home = try TemporaryHome()
        let service = try home.service()
        // n-1 ... n-1000000; the command's own text (echoed in the log) does not contain `n-`.
        let manifest = """
            name: count
            commands:
              - |
                awk 'BEGIN { for (i = 1; i <= 1000000; i++) printf "%c-%d\\n", 110, i }'
            """
        let build = try service.startBuild(text: manifest, file: nil, in: try service.project(nil))
        let runner = try SimpleCommand.spawn([imagefactoryBinary, "build", "run", "--build-id", String(build.id!.rawValue)],
                                             newSession: true, outputPath: home.url.appendingPathComponent("runner.log").path,
                                             environment: ProcessInfo.processInfo.environment.merging(
                                                 ["IMAGEFACTORY_HOME": home.directory.root.path]) { _, new in new })
        // Somewhere between the build's first lines and the end of its output.
        #expect(await eventually { (try? service.store.build(id: build.id!)?.status) != .queued })
        let killAfter = Int.random(in: 0...1000, using: &random)
        try await Task.sleep(for: .milliseconds(killAfter))
        kill(runner, SIGKILL)
        var status: Int32 = 0
        waitpid(runner, &status, 0)

        let recovered = try service.recoverInterruptedBuilds()
        let ended = try #require(try service.store.build(id: build.id!))
        #expect(ended.status.isFinished, "killed after \(killAfter) ms: \(ended.status)")
        if ended.status != .succeeded { #expect(recovered.map(\.id).contains(build.id)) }
        #expect(try service.store.integrityCheck() == "ok")

        // The committed lines are a prefix of what the build printed: n-1, n-2, ... n-k with nothing skipped or
        // repeated. Lines only append, so k lines starting `n-` whose last is `n-k` are exactly that prefix.
        let dir = service.store.directory.logDirectory(for: build.id!)
        let reader = try LogReader(directory: dir, committedLines: Int(ended.logLines))
        #expect(reader.lineCount == Int(ended.logLines))
        let k = try reader.countMatches("n-")
        let lastSeq = try reader.searchBackward("n-", limit: 1).first
        let last = try lastSeq.flatMap { try reader.line($0)?.text }
        if k > 0 {
            #expect(last == "n-\(k)", "killed after \(killAfter) ms: \(k) lines of the build, the last \(last ?? "none")")
            #expect(try reader.search("n-", limit: 1).first.flatMap { try reader.line($0)?.text } == "n-1")
        }
        let sample = [0, reader.lineCount / 2, reader.lineCount - 1].filter { $0 >= 0 && $0 < reader.lineCount }
        let kept = try sample.map { try reader.line($0)?.text }

        // Torn tails: cut each file at a random offset past the kept lines; reopening shows exactly those lines.
        let text = dir.appendingPathComponent("text.log").path
        let index = dir.appendingPathComponent("index.bin").path
        let textSize = try FileManager.default.attributesOfItem(atPath: text)[.size] as! Int
        let indexSize = try FileManager.default.attributesOfItem(atPath: index)[.size] as! Int
        // text.log holds each kept line's plain text and a newline, in order: the kept part ends after the
        // lineCount-th newline.
        let textData = try Data(contentsOf: URL(fileURLWithPath: text))
        let keptText = textData.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var p = base
            var seen = 0
            while seen < reader.lineCount, let q = memchr(p, 0x0A, base + raw.count - p) {
                seen += 1
                p = UnsafeRawPointer(q) + 1
            }
            return p - base
        }
        let textCut = Int.random(in: min(keptText, textSize)...textSize, using: &random)
        let indexCut = Int.random(in: min(Int(ended.logLines) * LogIndexRecord.size, indexSize)...indexSize, using: &random)
        #expect(truncate(text, off_t(textCut)) == 0 && truncate(index, off_t(indexCut)) == 0)
        let reopened = try LogReader(directory: dir, committedLines: Int(ended.logLines))
        #expect(reopened.lineCount == Int(ended.logLines), "cut at text \(textCut) of \(textSize), index \(indexCut) of \(indexSize)")
        #expect(try sample.map { try reopened.line($0)?.text } == kept)
    }

    /// WAL: a reader holding a transaction never blocks the runner's commits; a writer holding the lock makes
    /// the runner wait (the busy timeout), and the runner's log says it waited; the build still succeeds.
    @Test func aLongReaderNeverBlocksCommitsAndAWaitingWriterSaysSo() async throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try service.startBuild(text: "name: slow\ncommands: [\"for i in $(seq 1 80); do echo line-$i; sleep 0.05; done\"]\n",
                                           file: nil, in: try service.project(nil))
        let runnerLog = home.url.appendingPathComponent("runner.log").path
        let runner = try SimpleCommand.spawn([imagefactoryBinary, "build", "run", "--build-id", String(build.id!.rawValue)],
                                             newSession: true, outputPath: runnerLog,
                                             environment: ProcessInfo.processInfo.environment.merging(
                                                 ["IMAGEFACTORY_HOME": home.directory.root.path]) { _, new in new })
        var config = Configuration()
        config.busyMode = .timeout(10)
        let other = try DatabaseQueue(path: home.directory.databaseURL.path, configuration: config)
        #expect(await eventually { (try? service.store.build(id: build.id!)?.logLines ?? 0) ?? 0 > 5 })

        // A long read transaction in another connection: commits go on meanwhile.
        let before = try #require(try service.store.build(id: build.id!)).logLines
        let during = try Self.holdingRead(other) { try service.store.build(id: build.id!)?.logLines ?? 0 }
        #expect(during > before, "commits went on while a reader held its transaction (\(before) -> \(during))")

        // The write lock held for 2.5 s: the runner waits, says so, and goes on.
        try Self.holdingWriteLock(other, seconds: 2.5)
        var status: Int32 = 0
        waitpid(runner, &status, 0)
        #expect(try service.store.build(id: build.id!)?.status == .succeeded)
        let said = (try? String(contentsOfFile: runnerLog, encoding: .utf8)) ?? ""
        #expect(said.contains("a database write waited"), "runner log: \(said)")
    }

    /// A read transaction held for a second; `meanwhile` runs inside it (on another connection).
    static func holdingRead<T>(_ queue: DatabaseQueue, _ meanwhile: () throws -> T) throws -> T {
        try queue.read { db -> T in
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM build")
            Thread.sleep(forTimeInterval: 1.0)
            return try meanwhile()
        }
    }

    static func holdingWriteLock(_ queue: DatabaseQueue, seconds: Double) throws {
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            Thread.sleep(forTimeInterval: seconds)
            try db.execute(sql: "COMMIT")
        }
    }
}
