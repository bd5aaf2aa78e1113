import Foundation

/// The processes descended from one, read from /proc. A container engine's RUN step runs in processes that
/// leave the build's process group and cgroup (runc puts them in their own session and cgroup), but they
/// stay the engine's descendants: that is how a cancel reaches them.
public enum ProcessTree {
    public static func descendants(of root: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var children: [Int32: [Int32]] = [:]
        for entry in entries {
            guard let pid = Int32(entry), let ppid = parent(of: pid) else { continue }
            children[ppid, default: []].append(pid)
        }
        var result: [Int32] = []
        var queue = children[root] ?? []
        while let next = queue.popLast() {
            result.append(next)
            queue += children[next] ?? []
        }
        return result
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let fields = ProcessLiveness.statFields(pid), fields.count > 1 else { return nil }
        return Int32(fields[1])
    }
}
