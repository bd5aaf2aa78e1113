import Foundation

/// Short helper commands (tar) and the detached build runner, spawned with posix_spawn so the
/// child starts with a clean signal mask and default dispositions (SIGTERM must work in it).
public enum SimpleCommand {
    /// Runs argv to completion with stdio on /dev/null and returns its exit status (128+signal when killed).
    public static func run(_ argv: [String]) throws -> Int32 {
        let pid = try spawn(argv, newSession: false, outputPath: "/dev/null")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw FactoryError.runtime("waitpid failed for \(argv[0]): errno \(errno)") }
        }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Runs argv with this process's terminal (an editor), and returns its exit status.
    public static func runAttached(_ argv: [String]) throws -> Int32 {
        let pid = try spawn(argv, newSession: false, outputPath: nil)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw FactoryError.runtime("waitpid failed for \(argv[0]): errno \(errno)") }
        }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Starts argv, optionally in a new session, with stdin on /dev/null and stdout/stderr appended to
    /// `outputPath`; with no output path the child shares this process's stdio.
    public static func spawn(_ argv: [String], newSession: Bool, outputPath: String?,
                             environment: [String: String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let outputPath {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession { flags |= 0x80 /* POSIX_SPAWN_SETSID, glibc >= 2.26 */ }
        posix_spawnattr_setflags(&attr, Int16(flags))

        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        var cenv: [UnsafeMutablePointer<CChar>?] = (environment ?? [:]).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cenv { free(p) } }
        let rc = environment == nil ? posix_spawn(&pid, argv[0], &actions, &attr, &cargs, environ)
                                    : posix_spawn(&pid, argv[0], &actions, &attr, &cargs, &cenv)
        guard rc == 0 else { throw FactoryError.runtime("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        return pid
    }
}
