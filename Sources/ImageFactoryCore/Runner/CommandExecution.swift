import Foundation
import Subprocess
import SystemPackage

/// How one command of a build ended.
enum CommandOutcome: Sendable {
    case exited(Int32)
    case signaled(Int32)

    var succeeded: Bool { if case .exited(0) = self { true } else { false } }

    var exitCode: Int {
        switch self {
        case .exited(let c): Int(c)
        case .signaled(let s): 128 + Int(s)
        }
    }

    var summary: String {
        switch self {
        case .exited(let c): "exit status \(c)"
        case .signaled(let s): "signal \(s) (\(signalName(s)))"
        }
    }
}

func signalName(_ s: Int32) -> String {
    switch s {
    case SIGKILL: "SIGKILL"
    case SIGTERM: "SIGTERM"
    case SIGINT: "SIGINT"
    case SIGSEGV: "SIGSEGV"
    case SIGABRT: "SIGABRT"
    case SIGPIPE: "SIGPIPE"
    case SIGHUP: "SIGHUP"
    case SIGBUS: "SIGBUS"
    default: "signal \(s)"
    }
}

/// Runs one command as the leader of a new session (and so of its own process group),
/// streaming stdout and stderr into the build log.
enum CommandExecution {
    static func run(
        argv: [String],
        environment: [String: String],
        workingDirectory: URL,
        log: BuildLog,
        onStart: @Sendable (Int32) -> Void
    ) async throws -> CommandOutcome {
        var options = PlatformOptions()
        options.createSession = true
        var env: [Environment.Key: String] = [:]
        for (k, v) in environment { if let key = Environment.Key(rawValue: k) { env[key] = v } }

        let result = try await Subprocess.run(
            .path(FilePath(argv[0])),
            arguments: Arguments(Array(argv.dropFirst())),
            environment: .custom(env),
            workingDirectory: FilePath(workingDirectory.path),
            platformOptions: options,
            input: .none,
            output: .sequence,
            error: .sequence
        ) { execution in
            let pid = execution.processIdentifier.value
            onStart(pid)
            // A background process left by the command keeps the pipes open after the leader exits;
            // once the leader is gone, its process group is ended so the streams reach end of file.
            let reaper = Task.detached {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    if !ProcessLiveness.isAlive(pid: pid, startTicks: nil) {
                        try? await Task.sleep(for: .milliseconds(300))
                        if Task.isCancelled { return }
                        kill(-pid, SIGTERM)
                        try? await Task.sleep(for: .seconds(2))
                        if Task.isCancelled { return }
                        kill(-pid, SIGKILL)
                        return
                    }
                }
            }
            defer { reaper.cancel() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await chunk in execution.standardOutput {
                        chunk.withUnsafeBytes { log.ingest($0, stream: .stdout) }
                    }
                    log.endOfStream(.stdout)
                }
                group.addTask {
                    for try await chunk in execution.standardError {
                        chunk.withUnsafeBytes { log.ingest($0, stream: .stderr) }
                    }
                    log.endOfStream(.stderr)
                }
                try await group.waitForAll()
            }
            return pid
        }
        // Whatever the command left behind in its group does not outlive it.
        kill(-result.closureResult, SIGKILL)
        switch result.terminationStatus {
        case .exited(let code): return .exited(code)
        case .signaled(let sig): return .signaled(sig)
        }
    }
}
