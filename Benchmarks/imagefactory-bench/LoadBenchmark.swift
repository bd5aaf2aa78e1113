import Foundation
import ImageFactoryCore
import ImageFactoryServer

// 9. Load: many builds queued on a server limited to a few at a time, each printing numbered lines, with
//    several clients following every one of them live. Every follower checks every build's lines: in order,
//    no gap, no duplicate, all of them. Against the same commands run by sh, as many at a time, into files.

/// What a follower's loop hears: the server's frames, the builds as they are queued, and the replies to its
/// subscriptions (a build that ended before the subscription is known ended from the reply alone).
private enum FollowerInput: Sendable {
    case frame(ClientEvent)
    case queued(BuildID, name: String)
    case subscribed(BuildRow)
    case deadline
}

/// One follower's view of one build.
private struct BuildTally: Sendable {
    var prefix: [UInt8] = []
    /// The line number expected next (numbers start at 1), and the sequence number expected next.
    var nextNumber = 1
    var nextSeq = 0
    var distinct = 0
    var violations = 0
    var received = 0
    /// The build's final line count, once it is known to have ended.
    var expected: Int?
    var endedByPush = false
    var done: Bool { expected.map { received >= $0 } ?? false }
}

private struct FollowerResult: Sendable {
    var tallies: [BuildID: BuildTally]
    var deadlineHit: Bool
    var closed: String??
}

/// Consumes one client's frames until every build it follows has ended and all its lines came (or the deadline).
private func follow(_ input: AsyncStream<FollowerInput>, builds: Int, numberDigits: Int) -> FollowerResultTask {
    Task {
        var tallies: [BuildID: BuildTally] = [:]
        var finished = 0
        var closed: String??
        var deadlineHit = false
        func settle(_ id: BuildID, _ t: BuildTally) {
            let wasDone = tallies[id]?.done ?? false
            tallies[id] = t
            if t.done && !wasDone { finished += 1 }
        }
        loop: for await item in input {
            switch item {
            case .queued(let id, let name):
                var t = tallies[id] ?? BuildTally()
                t.prefix = Array("\(name) line ".utf8)
                tallies[id] = t
            case .frame(.lines(let m)):
                var t = tallies[m.build] ?? BuildTally()
                let want = t.prefix.count + numberDigits
                for line in m.lines {
                    var bad = line.seq != t.nextSeq
                    t.nextSeq = line.seq + 1
                    t.received += 1
                    let u = line.text.utf8
                    guard u.count == want, u.starts(with: t.prefix) else { continue } // the step's own lines
                    var n = 0
                    for b in u.dropFirst(t.prefix.count) { n = n * 10 + Int(b &- 48) }
                    if n == t.nextNumber {
                        t.distinct += 1
                        t.nextNumber += 1
                    } else if n < t.nextNumber {
                        bad = true // a duplicate, or a line out of order
                    } else {
                        bad = true // a gap
                        t.distinct += 1
                        t.nextNumber = n + 1
                    }
                    if bad { t.violations += 1 }
                }
                settle(m.build, t)
            case .frame(.event(.build(let row))), .subscribed(let row):
                guard row.build.status.isFinished, let id = row.build.id else { break }
                var t = tallies[id] ?? BuildTally()
                t.expected = Int(row.build.logLines)
                if case .frame = item { t.endedByPush = true }
                settle(id, t)
            case .frame(.closed(let reason)):
                closed = .some(reason)
                break loop
            case .deadline:
                deadlineHit = true
                break loop
            case .frame:
                break
            }
            if finished == builds { break }
        }
        return FollowerResult(tallies: tallies, deadlineHit: deadlineHit, closed: closed)
    }
}

private typealias FollowerResultTask = Task<FollowerResult, Never>

/// Runs `body` on a thread of its own (it makes blocking calls), without holding a thread of the task pool.
private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        let thread = Thread { c.resume(with: Result(catching: body)) }
        thread.start()
    }
}

/// Peak resident memory from /proc/PID/status: the high-water mark (VmHWM), and the largest anonymous part
/// seen by `LoadMemoryWatch` (the rest of the mark is the store's and logs' mapped file pages).
private func procStatusKB(_ pid: pid_t, _ field: String) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
          let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
    return kb
}

/// Samples a process's anonymous resident memory every 50 ms on a thread of its own.
private final class LoadMemoryWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var peakAnonKB = 0.0

    init(pid: pid_t) {
        Thread { [self] in
            while !lock.withLock({ stopped }) {
                if let kb = procStatusKB(pid, "RssAnon") { lock.withLock { peakAnonKB = max(peakAnonKB, kb) } }
                usleep(50_000)
            }
        }.start()
    }

    /// Stops sampling; the peak anonymous resident memory in bytes.
    func stop() -> Double { lock.withLock { stopped = true; return peakAnonKB * 1024 } }
}

private struct LoadRun {
    var wall: Double
    var delivered: Int
    var peakRSS: Double
    var startRSS: Double
    var peakAnon: Double
    var lost: Int
    var violations: Int
    var endsPushed: Int
    var endsFromReply: Int
    var problems: Int
}

/// Section 9; false when a line was lost or came out of order (or a run did not finish).
func loadBenchmark(cli: String, root: URL, runs: Int, builds: Int = 40, slots: Int = 4, lines: Int = 20_000, clients: Int = 10,
                   timeout: Double = 120) async throws -> Bool {
    print("9. Load: \(builds) builds of \(lines) numbered lines queued on a server limited to \(slots) at a time, \(clients) clients each following all \(builds) live")
    print("   (\(runs == 1 ? "one run" : "\(runs) runs, medians"); each run a fresh server process and data directory)")
    var all: [LoadRun] = []
    for run in 0..<runs {
        all.append(try await loadRun(cli: cli, base: root.appendingPathComponent("load-\(run)"), builds: builds, slots: slots,
                                     lines: lines, clients: clients, timeout: timeout))
    }

    // The baseline: the same commands by sh, `slots` at a time, each into a file.
    let outDir = root.appendingPathComponent("load-sh")
    try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
    let digits = String(lines).count
    var shTimes: [Double] = []
    for _ in 0..<max(3, runs) {
        let t = ContinuousClock.now
        let script = "seq 1 \(builds) | xargs -P \(slots) -I N sh -c \"seq -f 'load-N line %0\(digits)g' 1 \(lines) > \(outDir.path)/N.log\""
        let status = try SimpleCommand.run(["/bin/sh", "-c", script])
        shTimes.append(seconds(ContinuousClock.now - t))
        precondition(status == 0, "the sh baseline failed")
    }
    let shTime = median(shTimes)
    let wall = median(all.map(\.wall))
    let lost = all.reduce(0) { $0 + $1.lost }
    let violations = all.reduce(0) { $0 + $1.violations }
    let problems = all.reduce(0) { $0 + $1.problems }
    let ends = all.reduce(0) { $0 + $1.endsPushed }
    let fromReply = all.reduce(0) { $0 + $1.endsFromReply }
    let mib = { (x: Double) in String(format: "%.1f MiB", x / 1_048_576) }
    print("   wall time, first build queued to the last line at the last follower: \(String(format: "%.2f s", wall))   (runs: \(all.map { String(format: "%.2f", $0.wall) }.joined(separator: ", ")) s)")
    print("   lines delivered to followers: \(all.first?.delivered ?? 0) a run, \(String(format: "%.0f", Double(all.first?.delivered ?? 0) / wall)) lines/s; ends heard: \(ends) pushed, \(fromReply) only from the subscribe reply")
    print("   baseline, sh running the same \(builds) commands \(slots) at a time into files (xargs -P \(slots)): \(String(format: "%.3f s", shTime))   ratio \(String(format: "%.1fx", wall / shTime))")
    print("   server peak RSS (VmHWM): \(mib(median(all.map(\.peakRSS))))   (\(mib(median(all.map(\.startRSS)))) with the clients connected before the first build; anonymous memory at most \(mib(median(all.map(\.peakAnon)))), the rest is file pages: the binary, its libraries, the database and the logs it reads)")
    print("   lines lost: \(lost) (must be 0)")
    print("   order violations: \(violations) (must be 0)")
    if problems > 0 { print("   unfinished followers or builds that did not succeed: \(problems) (must be 0)") }
    return lost == 0 && violations == 0 && problems == 0
}

/// One run against a server of its own.
private func loadRun(cli: String, base: URL, builds: Int, slots: Int, lines: Int, clients: Int, timeout: Double) async throws -> LoadRun {
    let directory = DataDirectory(root: base.appendingPathComponent("data"))
    try FileManager.default.createDirectory(at: directory.root, withIntermediateDirectories: true)
    var env = ProcessInfo.processInfo.environment
    env["IMAGEFACTORY_HOME"] = directory.root.path
    env["IMAGEFACTORY_SERVER_MIN_FREE"] = "0" // the free-space guard must not hold the queue on a nearly full /tmp
    env.removeValue(forKey: "IMAGEFACTORY_SOCKET")
    let serverLog = base.appendingPathComponent("server.log").path
    let serverPid = try SimpleCommand.spawn([cli, "server", "--max-builds", String(slots)], newSession: true,
                                            outputPath: serverLog, environment: env)
    var serverReaped = false
    defer {
        if !serverReaped {
            kill(serverPid, SIGKILL)
            var status: Int32 = 0
            waitpid(serverPid, &status, 0)
        }
    }
    func connect() throws -> ServerClient {
        let deadline = Date().addingTimeInterval(20)
        while true {
            do { return try ServerClient.connect(directory: directory, startIfNeeded: false) } catch {
                if Date() > deadline { throw error }
                usleep(20_000)
            }
        }
    }
    let memory = LoadMemoryWatch(pid: serverPid)
    defer { _ = memory.stop() }
    let submitter = try connect()
    let followers = try (0..<clients).map { _ in try connect() }
    let startRSS = (procStatusKB(serverPid, "VmRSS") ?? 0) * 1024
    let digits = String(lines).count
    let manifests = (1...builds).map { n in
        // seq's %0Ng numbers every line with the same width: "load-7 line 000042".
        "name: load-\(n)\nmethod: shell\ncommands:\n  - seq -f 'load-\(n) line %0\(digits)g' 1 \(lines)\n"
    }

    var inputs: [AsyncStream<FollowerInput>.Continuation] = []
    var tasks: [FollowerResultTask] = []
    for client in followers {
        let (stream, input) = AsyncStream<FollowerInput>.makeStream()
        inputs.append(input)
        Task.detached {
            for await frame in client.frames { input.yield(.frame(frame)) }
        }
        tasks.append(follow(stream, builds: builds, numberDigits: digits))
    }
    let inputsNow = inputs
    let watchdog = Task {
        try await Task.sleep(for: .seconds(timeout))
        for input in inputsNow { input.yield(.deadline) }
    }

    // Each build is queued, then every follower subscribes to it from its first line; the first ones start (and
    // may end) while the others subscribe.
    let t0 = ContinuousClock.now
    let ids = try await onThread { () -> [BuildID] in
        var ids: [BuildID] = []
        for (n, text) in manifests.enumerated() {
            let build = try submitter.startBuild(StartBuildRequest(text: text, file: nil, project: nil, template: nil,
                                                                  priority: 0, workingDirectory: base.path)).row.build
            ids.append(build.id!)
            for (client, input) in zip(followers, inputsNow) {
                input.yield(.queued(build.id!, name: "load-\(n + 1)"))
                let (row, _) = try client.subscribe(build: build.id!, fromSeq: 0)
                input.yield(.subscribed(row))
            }
        }
        return ids
    }
    var results: [FollowerResult] = []
    for task in tasks { results.append(await task.value) }
    let wall = seconds(ContinuousClock.now - t0)
    watchdog.cancel()
    let peak = (procStatusKB(serverPid, "VmHWM") ?? 0) * 1024
    let peakAnon = memory.stop()

    // What the server says of each build: all must have succeeded with every line.
    var notSucceeded: [String] = []
    for (n, id) in ids.enumerated() {
        let b = try submitter.build(id: id).row.build
        if b.status != .succeeded || b.logLines < Int64(lines) {
            notSucceeded.append("load-\(n + 1) \(b.status.rawValue) with \(b.logLines) lines")
        }
    }

    // Totals over every follower and build.
    var lost = 0
    var violations = 0
    var delivered = 0
    var endedByPush = 0
    var endedByReply = 0
    var incomplete: [String] = []
    for (c, r) in results.enumerated() {
        for (n, id) in ids.enumerated() {
            let t = r.tallies[id] ?? BuildTally()
            lost += lines - t.distinct
            violations += t.violations
            delivered += t.received
            if t.endedByPush { endedByPush += 1 } else if t.done { endedByReply += 1 }
            if !t.done {
                incomplete.append("client \(c + 1) load-\(n + 1): \(t.received) lines received, end \(t.expected.map { "known (\($0) lines)" } ?? "never heard")")
            }
        }
        if r.deadlineHit { print("   client \(c + 1) did not finish within \(Int(timeout)) s") }
        if let reason = r.closed { print("   client \(c + 1): the connection closed (\(reason ?? "no reason given"))") }
    }
    for line in incomplete.prefix(10) { print("   unfinished: \(line)") }
    if incomplete.count > 10 { print("   ... and \(incomplete.count - 10) more unfinished") }
    for line in notSucceeded.prefix(10) { print("   build \(line)") }

    try? submitter.stopServer(now: true)
    let deadline = Date().addingTimeInterval(10)
    var status: Int32 = 0
    while waitpid(serverPid, &status, WNOHANG) == 0 && Date() < deadline { usleep(20_000) }
    serverReaped = waitpid(serverPid, &status, WNOHANG) != 0 // else the defer kills it
    submitter.close()
    for f in followers { f.close() }

    return LoadRun(wall: wall, delivered: delivered, peakRSS: peak, startRSS: startRSS, peakAnon: peakAnon, lost: lost, violations: violations,
                   endsPushed: endedByPush, endsFromReply: endedByReply,
                   problems: incomplete.count + notSucceeded.count)
}
