import Glibc
import Testing

/// A child process for tests, started with posix_spawn (Foundation.Process would leave SIGTERM
/// blocked in children started from async code). Kills its process group and reaps it when
/// released, so a failing test leaves nothing running.
final class MetricsTestChild: @unchecked Sendable {
    let pid: pid_t
    private let stdoutFd: Int32
    private var pending: [UInt8] = []
    private var status: Int32?

    // Glibc defines POSIX_SPAWN_SETSID only under _GNU_SOURCE, which Swift's import does not set.
    private static let spawnSetsid: Int32 = 0x80

    /// Starts `argv` (argv[0] is searched in PATH) as the leader of a new session (and so of a
    /// new process group), or of a new process group only.
    init(_ argv: [String], newSession: Bool = true, captureStdout: Bool = false) throws {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession {
            flags |= Self.spawnSetsid
        } else {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attr, 0)
        }
        posix_spawnattr_setflags(&attr, Int16(flags))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var fds: [Int32] = [-1, -1]
        if captureStdout {
            guard pipe(&fds) == 0 else { throw MetricsTestError("pipe: \(String(cString: strerror(errno)))") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        }

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, argv[0], &actions, &attr, cArgs, environ)
        if captureStdout { close(fds[1]) }
        guard rc == 0 else {
            if captureStdout { close(fds[0]) }
            throw MetricsTestError("posix_spawnp \(argv[0]): \(String(cString: strerror(rc)))")
        }
        pid = child
        stdoutFd = captureStdout ? fds[0] : -1
    }

    deinit {
        if status == nil {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            var st: Int32 = 0
            _ = waitpid(pid, &st, 0)
        }
        if stdoutFd >= 0 { close(stdoutFd) }
    }

    /// The next line of the child's stdout, or nil at EOF or timeout.
    func readLine(timeout: Double) -> String? {
        let deadline = metricsTestNow() + timeout
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<nl], as: UTF8.self)
                pending.removeSubrange(...nl)
                return line
            }
            let left = deadline - metricsTestNow()
            if left <= 0 { return nil }
            var p = pollfd(fd: stdoutFd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(left * 1000) + 1)
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { return nil }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(stdoutFd, &chunk, chunk.count)
            if n <= 0 { return nil }
            pending += chunk[..<n]
        }
    }

    func signalGroup(_ sig: Int32) {
        kill(-pid, sig)
    }

    /// Waits for the child to exit; returns the raw wait status.
    @discardableResult
    func wait(timeout: Double = 10) -> Int32? {
        if let status { return status }
        let deadline = metricsTestNow() + timeout
        while metricsTestNow() < deadline {
            var st: Int32 = 0
            let r = waitpid(pid, &st, WNOHANG)
            if r == pid {
                status = st
                return st
            }
            if r < 0 { return nil }
            usleep(10_000)
        }
        return nil
    }
}

struct MetricsTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func metricsTestNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func metricsTestSleep(_ seconds: Double) {
    usleep(UInt32(seconds * 1_000_000))
}

/// WIFSIGNALED/WTERMSIG, which are macros Swift does not import.
func metricsTestTermSignal(_ status: Int32) -> Int32? {
    let sig = status & 0x7f
    return sig != 0 && sig != 0x7f ? sig : nil
}

/// A live process (not a zombie, which only waits to be reaped).
func metricsTestIsRunning(_ pid: pid_t) -> Bool {
    let fd = open("/proc/\(pid)/stat", O_RDONLY)
    if fd < 0 { return false }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 1024)
    let n = read(fd, &buf, buf.count)
    guard n > 0, let close = buf[..<n].lastIndex(of: UInt8(ascii: ")")), close + 2 < n else { return false }
    return buf[close + 2] != UInt8(ascii: "Z")
}

/// The real python3 executable (not a version-manager shim, which adds processes), or nil.
let metricsTestPython: String? = {
    for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] where access(candidate, X_OK) == 0 {
        return candidate
    }
    let path = getenv("PATH").map { String(cString: $0) } ?? ""
    for dir in path.split(separator: ":") where access("\(dir)/python3", X_OK) == 0 {
        return "\(dir)/python3"
    }
    return nil
}()

@Suite struct MetricsTestSupportTests {
    /// Children must start with an empty signal mask, or a SIGTERM-based stop would hang.
    @Test func spawnedChildHasNoBlockedSignals() throws {
        let child = try MetricsTestChild(["/bin/sh", "-c", "grep SigBlk /proc/self/status"], captureStdout: true)
        let line = child.readLine(timeout: 5)
        #expect(line?.hasSuffix("0000000000000000") == true, "got \(line ?? "nothing")")
        #expect(child.wait() != nil)
    }
}
