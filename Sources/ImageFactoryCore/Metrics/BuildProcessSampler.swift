import Glibc
import Foundation
import Synchronization

/// Samples the CPU, memory and disk use of one running build from /proc (and host network
/// traffic from /proc/net/dev). One sampler per build; calls are serialised by a lock, so it
/// may be handed between tasks.
///
/// CPU accounting: per process, the positive change of utime+stime since the previous sample.
/// Processes that exit between samples take their last slice of CPU with them, but a parent
/// that waits for them receives it in cutime+cstime, so for member parents the growth of
/// cutime+cstime (less what was already counted for the children that vanished) is added too.
/// That also catches short-lived children (compilers run by make) that start and exit
/// between two samples and are never seen directly. Disk I/O has no such per-child total,
/// so the I/O of processes that exit between samples is missed.
///
/// Cost: cgroup membership reads only the cgroup.procs file; session and process-group
/// membership list /proc and read the stat of processes not known to be outside the build.
/// Members' stat and io files stay open between samples (see `fileBudget`).
public final class BuildProcessSampler: Sendable {
    public enum Membership: Sendable, Hashable {
        /// Every process whose session id (field 6 of /proc/PID/stat) equals this.
        case session(pid_t)
        /// PIDs listed in these cgroup.procs files (the union, when several hierarchies;
        /// `BuildCgroup.samplerMembership` names the one file that suffices).
        case cgroup(procsFiles: [String])
        /// Every process whose process group (field 5) is one of these.
        case processGroups(Set<pid_t>)
    }

    public let membership: Membership
    private let state: Mutex<MetricsSamplerState>

    public init(membership: Membership) {
        self.membership = membership
        state = Mutex(MetricsSamplerState(membership: membership))
    }

    /// Takes one sample. The first call only establishes the baseline: its CPU and rates are 0.
    /// `now` stamps the sample; intervals are measured on the monotonic clock.
    public func sample(now: Date = Date()) -> MetricSample {
        let timeMs = Int64((now.timeIntervalSince1970 * 1000).rounded())
        return state.withLock { $0.sample(timeMs: timeMs) }
    }
}

struct MetricsProcRecord {
    var pid: pid_t
    var ppid: pid_t
    var startTicks: Int64
    var ownTicks: Int64
    var childTicks: Int64
    var readBytes: Int64
    var writeBytes: Int64
    var rssPages: Int64
    /// Exited, waiting for its parent's wait(): its final CPU time still counts, but it is
    /// no longer a running process.
    var isZombie: Bool
    /// /proc/PID/stat and /proc/PID/io kept open for the next sample, or -1.
    var statFd: Int32
    var ioFd: Int32
}

struct MetricsProcFiles {
    var stat: Int32 = -1
    var io: Int32 = -1
}

final class MetricsSamplerState {
    private enum Mode {
        case session(pid_t)
        case groups([pid_t])  // sorted
        case cgroup([String])
    }

    private let mode: Mode
    private let buffer = MetricsByteBuffer(capacity: 4096)
    private var path = MetricsPidPath()
    private var procDir: OpaquePointer?
    private var procFd: Int32 = -1
    private var current: [MetricsProcRecord] = []
    private var previous: [MetricsProcRecord] = []
    private var listed: [pid_t] = []
    private var childDelta: [Int64] = []
    private var credit: [Int64] = []
    private var vanished: [Int] = []
    // PIDs found outside the build in the previous scan, not read again: a process cannot
    // join an existing session. Only a PID handed out again since then may now be a new
    // process; /proc/sys/kernel/ns_last_pid (the last PID allocated) tells which PIDs were
    // handed out in between, so exactly those are read again.
    private var outsiders: [pid_t] = []
    private var nextOutsiders: [pid_t] = []
    private var previousLastPid: Int64 = -1
    // Process-group mode: sessions of the member groups (a handful).
    private var memberSessions: [Int32] = []
    private var nextMemberSessions: [Int32] = []
    // Members' stat and io files stay open between samples (two descriptors per process),
    // for at most this many processes: 1/16 of the descriptor limit, at most 256.
    private let fileBudget: Int
    private var keptOpen = 0

    private var hasBaseline = false
    private var previousMonoNs: Int64 = 0
    private var previousBootTicks: Int64 = 0
    private var previousNetRx: Int64 = 0
    private var previousNetTx: Int64 = 0

    init(membership: BuildProcessSampler.Membership) {
        switch membership {
        case .session(let sid): mode = .session(sid)
        case .processGroups(let groups): mode = .groups(groups.sorted())
        case .cgroup(let files): mode = .cgroup(files)
        }
        current.reserveCapacity(256)
        previous.reserveCapacity(256)
        var limit = rlimit()
        let soft = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : 1024
        fileBudget = min(256, soft / 16)
    }

    deinit {
        if let dir = procDir { closedir(dir) }
        if procFd >= 0 { close(procFd) }
        for r in previous + current {
            if r.statFd >= 0 { close(r.statFd) }
            if r.ioFd >= 0 { close(r.ioFd) }
        }
    }

    func sample(timeMs: Int64) -> MetricSample {
        let monoNs = MetricsClock.nanoseconds(CLOCK_MONOTONIC)
        let tps = MetricsClock.ticksPerSecond
        let bootTicks = MetricsClock.nanoseconds(CLOCK_BOOTTIME) / (1_000_000_000 / tps)

        collect()
        let (netRx, netTx) = readNetDev()

        // Memory is summed RSS (field 24 of /proc/PID/stat): each process's pages in RAM now,
        // what top and ps call RES. A cgroup's usage minus cache would count each page once,
        // but it leaves out the mapped files (binaries, libraries) the build runs from,
        // includes kernel memory and tmpfs pages that outlive their processes, and exists
        // only for cgroup membership; the same build should read the same in every mode.
        // Pages shared between processes count once per process, so this is an upper bound.
        var memoryPages: Int64 = 0
        var running = 0
        for r in current {
            memoryPages += r.rssPages
            if !r.isZombie { running += 1 }
        }
        var result = MetricSample(
            timeMs: timeMs, cpuPercent: 0, memoryBytes: memoryPages * MetricsClock.pageSize,
            diskReadBytesPerSec: 0, diskWriteBytesPerSec: 0,
            netReceiveBytesPerSec: 0, netTransmitBytesPerSec: 0,
            processCount: running)

        if hasBaseline {
            let seconds = Double(monoNs - previousMonoNs) / 1e9
            if seconds > 0 {
                let (ticks, rd, wr) = accumulate(previousBootTicks: previousBootTicks)
                let cores = Double(MetricsClock.onlineCores)
                result.cpuPercent = min(cores * 100, Double(ticks) / Double(tps) / seconds * 100)
                result.diskReadBytesPerSec = Double(rd) / seconds
                result.diskWriteBytesPerSec = Double(wr) / seconds
                // Counters reset when an interface goes away; never report a negative rate.
                result.netReceiveBytesPerSec = Double(max(0, netRx - previousNetRx)) / seconds
                result.netTransmitBytesPerSec = Double(max(0, netTx - previousNetTx)) / seconds
            }
        }
        hasBaseline = true
        previousMonoNs = monoNs
        previousBootTicks = bootTicks
        previousNetRx = netRx
        previousNetTx = netTx
        swap(&previous, &current)
        return result
    }

    // MARK: - Accounting

    /// CPU ticks, read bytes and write bytes used since the previous sample.
    private func accumulate(previousBootTicks: Int64) -> (Int64, Int64, Int64) {
        let n = current.count
        childDelta.removeAll(keepingCapacity: true)
        childDelta.append(contentsOf: repeatElement(0, count: n))
        credit.removeAll(keepingCapacity: true)
        credit.append(contentsOf: repeatElement(0, count: n))
        vanished.removeAll(keepingCapacity: true)

        var ticks: Int64 = 0, rd: Int64 = 0, wr: Int64 = 0
        var j = 0
        for i in 0..<n {
            let c = current[i]
            while j < previous.count && previous[j].pid < c.pid {
                vanished.append(j)
                j += 1
            }
            if j < previous.count && previous[j].pid == c.pid && previous[j].startTicks == c.startTicks {
                let p = previous[j]
                ticks += max(0, c.ownTicks - p.ownTicks)
                childDelta[i] = max(0, c.childTicks - p.childTicks)
                rd += max(0, c.readBytes - p.readBytes)
                wr += max(0, c.writeBytes - p.writeBytes)
                j += 1
                continue
            }
            if j < previous.count && previous[j].pid == c.pid {
                // Same PID, different start time: the old process is gone.
                vanished.append(j)
                j += 1
            }
            // A process first seen now counts whole only if it started within the interval;
            // one that was already running (joined the build late) starts as a baseline.
            if c.startTicks >= previousBootTicks - 1 {
                ticks += c.ownTicks
                childDelta[i] = c.childTicks
                rd += c.readBytes
                wr += c.writeBytes
            }
        }
        while j < previous.count {
            vanished.append(j)
            j += 1
        }

        // What vanished processes had accumulated was counted already; when their parent
        // reaped them it received that same time again in cutime, so subtract it there.
        // A parent that vanished too hands the credit on to its own parent.
        for v in vanished {
            let gone = previous[v]
            let already = gone.ownTicks + gone.childTicks
            var parent = gone.ppid
            var hops = 0
            while hops < 64 {
                hops += 1
                if let k = Self.index(of: parent, in: current) {
                    credit[k] += already
                    break
                }
                guard let up = Self.index(of: parent, in: previous) else { break }
                parent = previous[up].ppid
            }
        }
        for i in 0..<n { ticks += max(0, childDelta[i] - credit[i]) }
        return (ticks, rd, wr)
    }

    private static func index(of pid: pid_t, in records: [MetricsProcRecord]) -> Int? {
        var lo = 0, hi = records.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if records[mid].pid < pid { lo = mid + 1 } else { hi = mid }
        }
        return lo < records.count && records[lo].pid == pid ? lo : nil
    }

    // MARK: - Membership

    private func collect() {
        current.removeAll(keepingCapacity: true)
        keptOpen = 0
        switch mode {
        case .cgroup(let files):
            listed.removeAll(keepingCapacity: true)
            for f in files where buffer.readFile(f) {
                let b = buffer.bytes
                var i = 0
                while i < b.count {
                    let v = MetricsParse.uint(b, &i)
                    if v > 0 { listed.append(pid_t(truncatingIfNeeded: v)) }
                    i += 1
                }
            }
            listed.sort()
            if procFd < 0 { procFd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            var last: pid_t = -1
            for pid in listed where pid != last {
                last = pid
                var files = openFiles(pid, dirfd: procFd)
                guard let stat = readStat(pid, &files, dirfd: procFd) else { continue }
                appendRecord(pid: pid, stat: stat, files: files, dirfd: procFd)
            }
        case .session, .groups:
            scanProc()
        }
        // Files of processes that are gone (or left the build) are not needed any more.
        for k in previous.indices {
            closeFiles(MetricsProcFiles(stat: previous[k].statFd, io: previous[k].ioFd))
            previous[k].statFd = -1
            previous[k].ioFd = -1
        }
    }

    private func scanProc() {
        if procDir == nil { procDir = opendir("/proc") }
        guard let dir = procDir else { return }
        rewinddir(dir)
        let fd = dirfd(dir)

        var groupsMode = false
        if case .groups = mode { groupsMode = true }
        // Read the last PID before listing, so PIDs allocated during the scan count as new next time.
        let lastPid = buffer.readFile("/proc/sys/kernel/ns_last_pid") ? MetricsParse.value(in: buffer.bytes) : -1
        let from = previousLastPid
        previousLastPid = lastPid
        // Whether `pid` may have been handed out since the previous scan: (from, lastPid],
        // around the end of the PID range if the allocator wrapped. Without the file, all may.
        func reallocated(_ pid: pid_t) -> Bool {
            let p = Int64(pid)
            if from < 0 || lastPid < 0 { return true }
            return lastPid >= from ? (p > from && p <= lastPid) : (p > from || p <= lastPid)
        }
        nextOutsiders.removeAll(keepingCapacity: true)
        var sorted = true
        var lastListed: pid_t = -1

        while let ent = readdir(dir) {
            let pid = Self.pidName(ent)
            guard pid > 0 else { continue }
            if pid < lastListed { sorted = false }
            lastListed = pid
            if !reallocated(pid) && Self.contains(outsiders, pid) {
                nextOutsiders.append(pid)
                continue
            }
            var files = openFiles(pid, dirfd: fd)
            guard let stat = readStat(pid, &files, dirfd: fd) else { continue }
            let member: Bool
            switch mode {
            case .session(let sid): member = stat.session == sid
            case .groups(let groups): member = Self.contains(groups, stat.pgrp)
            case .cgroup: member = false
            }
            if member {
                appendRecord(pid: pid, stat: stat, files: files, dirfd: fd)
                if groupsMode && !nextMemberSessions.contains(stat.session) { nextMemberSessions.append(stat.session) }
            } else {
                closeFiles(files)
                // setpgid can move a process only into a group of its own session, so only
                // processes of other sessions stay outside for sure.
                if !groupsMode || !memberSessions.contains(stat.session) { nextOutsiders.append(pid) }
            }
        }
        if groupsMode {
            swap(&memberSessions, &nextMemberSessions)
            nextMemberSessions.removeAll(keepingCapacity: true)
        }
        // /proc lists PIDs in ascending order; sort only if a kernel ever does otherwise.
        if !sorted {
            current.sort { $0.pid < $1.pid }
            nextOutsiders.sort()
        }
        swap(&outsiders, &nextOutsiders)
    }

    /// Takes over the files kept open for `pid` at the previous sample, if any.
    private func openFiles(_ pid: pid_t, dirfd: Int32) -> MetricsProcFiles {
        guard let k = Self.index(of: pid, in: previous) else { return MetricsProcFiles() }
        let files = MetricsProcFiles(stat: previous[k].statFd, io: previous[k].ioFd)
        previous[k].statFd = -1
        previous[k].ioFd = -1
        return files
    }

    private func closeFiles(_ files: MetricsProcFiles) {
        if files.stat >= 0 { close(files.stat) }
        if files.io >= 0 { close(files.io) }
    }

    private func readStat(_ pid: pid_t, _ files: inout MetricsProcFiles, dirfd: Int32) -> MetricsProcStat? {
        if files.stat >= 0 {
            if buffer.reread(files.stat) { return MetricsProcStat.parse(buffer.bytes) }
            // The process the files were opened for is gone; the PID may be a new process.
            closeFiles(files)
            files = MetricsProcFiles()
        }
        if keptOpen < fileBudget {
            let fd = path.with(pid: pid, leaf: "stat") { MetricsByteBuffer.open(at: dirfd, path: $0) }
            guard fd >= 0 else { return nil }
            files.stat = fd
            guard buffer.reread(fd) else {
                closeFiles(files)
                files = MetricsProcFiles()
                return nil
            }
            return MetricsProcStat.parse(buffer.bytes)
        }
        guard path.with(pid: pid, leaf: "stat", { buffer.readFile(at: dirfd, path: $0, growable: false) }) else { return nil }
        return MetricsProcStat.parse(buffer.bytes)
    }

    private func appendRecord(pid: pid_t, stat: MetricsProcStat, files: MetricsProcFiles, dirfd: Int32) {
        var files = files
        var ok = false
        if files.stat >= 0 {
            if files.io < 0 {
                files.io = path.with(pid: pid, leaf: "io") { MetricsByteBuffer.open(at: dirfd, path: $0) }
            }
            ok = files.io >= 0 && buffer.reread(files.io)
            keptOpen += 1
        } else {
            ok = path.with(pid: pid, leaf: "io") { buffer.readFile(at: dirfd, path: $0, growable: false) }
        }
        // /proc/PID/io needs ptrace-read access; without it the process adds no disk I/O.
        var rd: Int64 = 0, wr: Int64 = 0
        if ok {
            let b = buffer.bytes
            rd = MetricsParse.value(after: "read_bytes:", in: b) ?? 0
            wr = MetricsParse.value(after: "write_bytes:", in: b) ?? 0
        }
        current.append(MetricsProcRecord(
            pid: pid, ppid: stat.ppid, startTicks: stat.startTicks,
            ownTicks: stat.utime + stat.stime, childTicks: stat.cutime + stat.cstime,
            readBytes: rd, writeBytes: wr, rssPages: stat.rssPages, isZombie: stat.state == UInt8(ascii: "Z"),
            statFd: files.stat, ioFd: files.io))
    }

    private static func contains(_ sortedPids: [pid_t], _ pid: pid_t) -> Bool {
        var lo = 0, hi = sortedPids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedPids[mid] < pid { lo = mid + 1 } else { hi = mid }
        }
        return lo < sortedPids.count && sortedPids[lo] == pid
    }

    private static func pidName(_ ent: UnsafeMutablePointer<dirent>) -> pid_t {
        withUnsafeBytes(of: &ent.pointee.d_name) { name -> pid_t in
            var v: Int32 = 0
            for c in name {
                if c == 0 { break }
                guard c >= 48 && c <= 57 else { return 0 }
                v = v &* 10 &+ Int32(c - 48)
            }
            return v
        }
    }

    // MARK: - Network

    /// Host-wide received and transmitted bytes over every interface except lo.
    private func readNetDev() -> (Int64, Int64) {
        guard buffer.readFile("/proc/net/dev") else { return (previousNetRx, previousNetTx) }
        return Self.parseNetDev(buffer.bytes)
    }

    static func parseNetDev(_ b: UnsafeBufferPointer<UInt8>) -> (Int64, Int64) {
        var rx: Int64 = 0, tx: Int64 = 0
        var i = 0
        var line = 0
        while i < b.count {
            var end = i
            while end < b.count && b[end] != 10 { end += 1 }
            if line >= 2 {
                var colon = i
                while colon < end && b[colon] != UInt8(ascii: ":") { colon += 1 }
                if colon < end {
                    var nameStart = i
                    while nameStart < colon && b[nameStart] == 32 { nameStart += 1 }
                    let isLo = colon - nameStart == 2 && b[nameStart] == UInt8(ascii: "l")
                        && b[nameStart + 1] == UInt8(ascii: "o")
                    if !isLo {
                        let fields = UnsafeBufferPointer(rebasing: b[(colon + 1)..<end])
                        var k = 0
                        rx += MetricsParse.uint(fields, &k)
                        for _ in 0..<7 { MetricsParse.skipField(fields, &k) }
                        tx += MetricsParse.uint(fields, &k)
                    }
                }
            }
            line += 1
            i = end + 1
        }
        return (rx, tx)
    }
}
