import Foundation
import ImageFactoryCore

// imagefactory-bench: the speed and memory goals, each measured against a baseline run in the same process.
// Usage: swift run -c release imagefactory-bench [--lines N] [--runs N]
// Figures are medians: these machines are shared and noisy.

func argument(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return value
}

let lineCount = argument("--lines", default: 2_000_000)
let runs = argument("--runs", default: 3)
let needle = "needle-7f3a"

func now() -> ContinuousClock.Instant { ContinuousClock.now }
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }
func percentile(_ xs: [Double], _ p: Double) -> Double { let s = xs.sorted(); return s.isEmpty ? 0 : s[min(s.count - 1, Int(Double(s.count) * p))] }
func ms(_ x: Double) -> String { String(format: "%.2f ms", x * 1000) }

/// Waits for a child and returns its exit status and peak resident memory in bytes.
func waitWithUsage(_ pid: pid_t) -> (Int32, Int64) {
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    return ((status >> 8) & 0xff, Int64(usage.ru_maxrss) * 1024)
}

let producer = """
    awk 'BEGIN { for (i = 0; i < \(lineCount); i++) printf "%09d the quick brown fox jumps over the lazy dog, build log line %s\\n", i, (i % 100 == 0 ? "\(needle)" : "filler-0000") }'
    """

let binDir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
    .deletingLastPathComponent()
let cli = binDir.appendingPathComponent("imagefactory").path
guard FileManager.default.isExecutableFile(atPath: cli) else {
    print("error: \(cli) not found: build it first (swift build -c release)")
    exit(2)
}

let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("if-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: root) }
let directory = DataDirectory(root: root.appendingPathComponent("data"))
let service = try FactoryService.open(directory: directory)
let project = try service.project(nil)
setenv("IMAGEFACTORY_HOME", directory.root.path, 1)

print("Image Factory benchmark: \(lineCount) lines of ~80 characters, \(runs) runs each, medians")
print("")

// 1. Ingestion: a real shell build through the real runner process, against the same command redirected to a file.
var baselineTimes: [Double] = []
var buildTimes: [Double] = []
var peakRSS: [Double] = []
var lastBuild: Build?
for _ in 0..<runs {
    let plain = root.appendingPathComponent("plain.log").path
    let t0 = now()
    let status = try SimpleCommand.run(["/bin/sh", "-c", "\(producer) > \(plain)"])
    baselineTimes.append(seconds(now() - t0))
    precondition(status == 0, "baseline command failed")

    let manifest = "name: ingest\nmethod: shell\ncommands:\n  - |\n    \(producer)\n"
    let build = try service.startBuild(text: manifest, file: nil, in: project)
    let t1 = now()
    let pid = try SimpleCommand.spawn([cli, "build", "run", "--build-id", String(build.id!.rawValue)], newSession: false,
                                      outputPath: root.appendingPathComponent("runner.log").path)
    let (exit, rss) = waitWithUsage(pid)
    buildTimes.append(seconds(now() - t1))
    peakRSS.append(Double(rss))
    precondition(exit == 0, "benchmark build failed, see \(root.path)/runner.log")
    lastBuild = try service.store.build(id: build.id!)
    precondition(lastBuild?.logLines ?? 0 >= Int64(lineCount), "not every line was stored")
}
let ingestTime = median(buildTimes)
let baseTime = median(baselineTimes)
print("1. Ingestion (start of build until every line is stored and searchable)")
print("   plain file (sh > file):   \(String(format: "%.3f s", baseTime))  \(String(format: "%.0f", Double(lineCount) / baseTime)) lines/s")
print("   imagefactory build:       \(String(format: "%.3f s", ingestTime))  \(String(format: "%.0f", Double(lineCount) / ingestTime)) lines/s   (goal >= 1,000,000 lines/s)")
print("   ratio to plain file:      \(String(format: "%.2fx", ingestTime / baseTime))   (goal within 5x; best within 2x)")
print("")

// 2. Search: first 50 matches and the full count, against grep -c on the plain text of the same log.
let build = lastBuild!
let reader = try service.logReader(for: build)!
var first50: [Double] = []
var fullCount: [Double] = []
var grepTimes: [Double] = []
var found = 0
var grepCount = ""
let textLog = directory.logDirectory(for: build.id!).appendingPathComponent("text.log").path
for _ in 0..<max(5, runs) {
    var t = now()
    let hits = try reader.search(needle, limit: 50)
    first50.append(seconds(now() - t))
    precondition(hits.count == 50)
    t = now()
    found = try reader.countMatches(needle)
    fullCount.append(seconds(now() - t))
    t = now()
    let out = root.appendingPathComponent("grep.out").path
    _ = try SimpleCommand.run(["/bin/sh", "-c", "grep -c \(needle) \(textLog) > \(out)"])
    grepTimes.append(seconds(now() - t))
    grepCount = (try? String(contentsOfFile: out, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
}
print("2. Search for a substring in 1% of the lines (\(found) matches; grep -c says \(grepCount))")
print("   first 50 matches:         \(ms(median(first50)))   (goal < 50 ms)")
print("   full count:               \(ms(median(fullCount)))   (goal < 500 ms)")
print("   grep -c on the text file: \(ms(median(grepTimes)))   ratio full count / grep: \(String(format: "%.2fx", median(fullCount) / median(grepTimes)))")
print("")

// 3. Memory of the ingesting process (the runner), from wait4's ru_maxrss.
let rss = median(peakRSS)
print("3. Peak RSS of the ingesting runner process: \(String(format: "%.1f MB", rss / 1e6))   (goal < 64 MB)")
print("   it does not grow with the log (lines go to files as they come); lnav's 48 bytes a line would be \(String(format: "%.0f MB", 48 * Double(lineCount) / 1e6)) here")
print("")

// 4. Sampler: one sample of a build with 100 processes, against one read of /proc/self/stat.
let tree = try SimpleCommand.spawn(["/bin/sh", "-c", "for i in $(seq 99); do sleep 120 & done; wait"], newSession: true, outputPath: "/dev/null")
var members = 0
for _ in 0..<100 {
    members = ProcessLiveness.members(ofProcessGroup: tree).count
    if members >= 100 { break }
    usleep(50_000)
}
let sampler = BuildProcessSampler(membership: .session(tree))
_ = sampler.sample()
var sampleCosts: [Double] = []
var processCount = 0
for _ in 0..<200 {
    let t = now()
    processCount = sampler.sample().processCount
    sampleCosts.append(seconds(now() - t))
}
var statCosts: [Double] = []
for _ in 0..<200 {
    let t = now()
    _ = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
    statCosts.append(seconds(now() - t))
}
kill(-tree, SIGKILL)
_ = waitWithUsage(tree)
print("4. Metrics sampler, one sample of a build with \(processCount) processes")
print("   median \(ms(median(sampleCosts)))  p90 \(ms(percentile(sampleCosts, 0.9)))   (goal < 1 ms)")
print("   baseline, one read of /proc/self/stat: \(ms(median(statCosts)))   ratio \(String(format: "%.0fx", median(sampleCosts) / median(statCosts)))")
