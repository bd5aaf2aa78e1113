import Foundation

/// Tells a live process from a dead one whose pid may have been reused, using the start time in /proc/PID/stat.
public enum ProcessLiveness {
    /// Field 22 of /proc/PID/stat (start time in clock ticks since boot), and the state letter.
    public static func stat(_ pid: Int32) -> (state: Character, startTicks: Int64)? {
        guard let fields = statFields(pid) else { return nil }
        // fields[0] is the state (field 3); start time is field 22, i.e. fields[19].
        guard fields.count > 19, let state = fields[0].first, let start = Int64(fields[19]) else { return nil }
        return (state, start)
    }

    public static func isAlive(pid: Int32, startTicks: Int64?) -> Bool {
        guard pid > 0, let s = stat(pid), s.state != "Z", s.state != "X" else { return false }
        if let startTicks { return s.startTicks == startTicks }
        return true
    }

    /// Pids of every process whose process group is `pgid`.
    public static func members(ofProcessGroup pgid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var result: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry), let fields = statFields(pid) else { continue }
            if fields.count > 2, Int32(fields[2]) == pgid, fields[0] != "Z" { result.append(pid) }
        }
        return result
    }

    /// The fields of /proc/PID/stat after `pid (comm)`: state, ppid, pgrp, ... (the command may hold spaces).
    static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}
