import Foundation
import Subprocess
import SystemPackage
@testable import ImageFactoryCore
import ImageFactoryServer

/// A private data directory per test, removed afterwards.
final class TemporaryHome: @unchecked Sendable {
    let url: URL

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("if-test-\(safe)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var directory: DataDirectory { DataDirectory(root: url.appendingPathComponent("data")) }

    func service(login: String = "alice", uid: Int64 = 4242) throws -> FactoryService {
        try FactoryService.open(directory: directory,
                                identity: .init(login: login, uid: uid, displayName: login.capitalized))
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    deinit {
        // The build server a test's CLI or interface started for this data directory: SIGTERM ends its builds
        // and everything they started. No waiting here: a deinit runs on a shared thread of the test run,
        // and blocking it starves other tests' timed waits.
        let endpoint = ServerEndpoint.personal(directory: directory)
        if let pid = endpoint.runningPid() { kill(pid, SIGTERM) }
        try? FileManager.default.removeItem(atPath: endpoint.directory)
        try? FileManager.default.removeItem(at: url)
        // The per-data-directory cgroup parents this test's builds used.
        let parent = directory.cgroupParentName
        for controller in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            rmdir("/sys/fs/cgroup/\(controller)/\(parent)")
        }
    }
}

/// Runs a shell manifest through the service in this process and returns the finished build.
func runShellBuild(_ service: FactoryService, _ manifest: String, options: RunnerOptions = RunnerOptions(sampleInterval: .milliseconds(250), killGrace: .seconds(1))) async throws -> Build {
    let project = try service.project(nil)
    let build = try service.startBuild(text: manifest, file: nil, in: project)
    return try await service.runBuild(build.id!, options: options)
}

func allLogText(_ service: FactoryService, _ build: Build) throws -> [LogLine] {
    guard let reader = try service.logReader(for: build) else { return [] }
    return try reader.lines(0..<reader.lineCount)
}

/// The `imagefactory` executable next to the test bundle.
var imagefactoryBinary: String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    while dir.path != "/" {
        let candidate = dir.appendingPathComponent("imagefactory")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        dir = dir.deletingLastPathComponent()
    }
    return "imagefactory-binary-not-found-next-to-\(exe)"
}

struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the real CLI binary with a private data directory.
/// With `asUser`, it runs as that uid and gid (no supplementary groups) through setpriv.
func runCLI(_ arguments: [String], home: TemporaryHome, cwd: URL? = nil, extraEnv: [String: String] = [:],
            asUser: (uid: UInt32, gid: UInt32)? = nil) async throws -> CLIResult {
    var env: [Environment.Key: String] = [:]
    for (k, v) in ProcessInfo.processInfo.environment { if let key = Environment.Key(rawValue: k) { env[key] = v } }
    env["IMAGEFACTORY_HOME"] = home.directory.root.path
    env["NO_COLOR"] = "1"
    env["IMAGEFACTORY_SAMPLE_MS"] = "250"
    env["IMAGEFACTORY_KILL_GRACE_MS"] = "1000"
    env["IMAGEFACTORY_SERVER_MIN_FREE"] = "0" // a server this starts must not depend on the disk's free space
    for (k, v) in extraEnv { env[Environment.Key(rawValue: k)!] = v }
    var executable = imagefactoryBinary
    var argv = arguments
    if let user = asUser {
        executable = "/usr/bin/setpriv"
        argv = ["--reuid", String(user.uid), "--regid", String(user.gid), "--clear-groups", imagefactoryBinary] + arguments
    }
    let result = try await Subprocess.run(
        .path(FilePath(executable)), arguments: Arguments(argv), environment: .custom(env),
        workingDirectory: FilePath((cwd ?? home.url).path),
        output: .string(limit: 16 << 20), error: .string(limit: 16 << 20))
    let status: Int32
    switch result.terminationStatus {
    case .exited(let c): status = c
    case .signaled(let s): status = 128 + s
    }
    return CLIResult(status: status, stdout: result.standardOutput, stderr: result.standardError)
}

/// Polls until a condition holds or the time runs out; tests never sleep a fixed time to wait for something.
func eventually(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try condition()
}

/// Pids of live processes whose command line contains `marker`.
func processes(matching marker: String) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { entry -> Int32? in
        guard let pid = Int32(entry), pid != getpid(),
              let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        guard cmd.contains(marker), let s = ProcessLiveness.stat(pid), s.state != "Z" else { return nil }
        return pid
    }
}
