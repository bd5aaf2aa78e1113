import Glibc
import Testing
@testable import ImageFactoryCore

/// Tests whose figures depend on having CPU to themselves run one at a time (nested suites,
/// also in other files, are serialized with them).
@Suite(.serialized) struct MetricsSerialTests {}

extension MetricsSerialTests {
    @Suite struct MetricsSamplerAccuracyTests {
        /// 300 MiB resident and one busy core for 5 s, sampled once a second.
        @Test(.enabled(if: metricsTestPython != nil, "python3 is not installed: the accuracy test needs it"))
        func residentMemoryAndOneBusyCore() throws {
            let python = try #require(metricsTestPython)
            let script = """
                import time
                n = 300 * 1024 * 1024
                b = bytearray(n)
                for i in range(0, n, 4096):
                    b[i] = 1
                print("ready", flush=True)
                t0 = time.monotonic(); c0 = time.process_time()
                while time.monotonic() - t0 < 5.0:
                    pass
                print("done %.4f %.4f" % (time.process_time() - c0, time.monotonic() - t0), flush=True)
                time.sleep(30)
                """
            let child = try MetricsTestChild([python, "-c", script], captureStdout: true)
            #expect(child.readLine(timeout: 30) == "ready")

            let sampler = BuildProcessSampler(membership: .session(child.pid))
            var samples = [sampler.sample()]
            for _ in 0..<4 {
                metricsTestSleep(1)
                samples.append(sampler.sample())
            }
            // "done <cpu seconds> <wall seconds>" of the spin, as the child measured it.
            var selfPercent: Double?
            if let done = child.readLine(timeout: 5)?.split(separator: " "), done.count == 3,
               let cpu = Double(done[1]), let wall = Double(done[2]), wall > 0 {
                selfPercent = cpu / wall * 100
            }

            let expectedBytes = Double(300 * 1024 * 1024)
            let peak = Double(samples.map(\.memoryBytes).max() ?? 0)
            let spinning = samples.dropFirst().map(\.cpuPercent).sorted()
            let median = spinning[spinning.count / 2]
            print("accuracy: peak memory \(Int64(peak)) B (\(String(format: "%.1f", peak / expectedBytes * 100))% of 300 MiB), "
                + "cpu samples \(spinning.map { String(format: "%.1f", $0) }), median \(String(format: "%.1f", median)), "
                + "child's own measure \(selfPercent.map { String(format: "%.1f", $0) } ?? "?")%")

            #expect(samples[0].cpuPercent == 0)
            #expect(abs(peak - expectedBytes) <= 0.10 * expectedBytes)
            #expect(samples.allSatisfy { $0.processCount == 1 })
            let own = try #require(selfPercent, "the child did not report its CPU time")
            // The sampler must agree with what the child itself measured.
            #expect(abs(median - own) <= 15)
            if own >= 85 {
                #expect(abs(median - 100) <= 15)
            } else {
                print("accuracy: the host was busy (the child got only \(own)% of a core): compared with that instead of 100%")
            }
        }

        /// Children that start and exit between two samples are seen through their parent's
        /// cutime/cstime; the sum must match what the shell itself reports with `times`.
        @Test func shortLivedChildrenAreCounted() throws {
            let script = """
                i=0
                while [ $i -lt 40 ]; do
                  sh -c 'j=0; while [ $j -lt 30000 ]; do j=$((j+1)); done'
                  i=$((i+1))
                done
                times
                echo done
                exec sleep 30
                """
            let child = try MetricsTestChild(["/bin/sh", "-c", script], captureStdout: true)
            let sampler = BuildProcessSampler(membership: .session(child.pid))
            var samples = [sampler.sample()]
            var timesLines: [String] = []
            while true {
                let line = child.readLine(timeout: 0.4)
                samples.append(sampler.sample())
                if let line {
                    if line == "done" { break }
                    timesLines.append(line)
                }
                if samples.count > 100 { break }
            }
            // dash prints "0m0.050000s 0m0.000000s" for the shell, then for its children.
            let truth = timesLines.flatMap { $0.split(separator: " ") }.compactMap { field -> Double? in
                let parts = field.dropLast().split(separator: "m")
                guard parts.count == 2, let m = Double(parts[0]), let s = Double(parts[1]) else { return nil }
                return m * 60 + s
            }.reduce(0, +)
            var measured = 0.0
            for k in 1..<samples.count {
                measured += samples[k].cpuPercent / 100 * Double(samples[k].timeMs - samples[k - 1].timeMs) / 1000
            }
            print("short-lived children: sampler \(String(format: "%.2f", measured)) CPU-s, shell's times \(String(format: "%.2f", truth)) CPU-s, "
                + "max processes seen \(samples.map(\.processCount).max() ?? 0)")
            #expect(timesLines.count == 2)
            #expect(truth > 1)
            #expect(abs(measured - truth) <= max(0.15 * truth, 0.1))
            #expect(samples.allSatisfy { $0.cpuPercent >= 0 && $0.diskReadBytesPerSec >= 0 && $0.diskWriteBytesPerSec >= 0 })
        }

        @Test func diskWritesAndReadsOfProcesses() throws {
            let dir = "/tmp/metrics-disk-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            #expect(mkdir(dir, 0o755) == 0)
            defer {
                unlink(dir + "/w")
                unlink(dir + "/r")
                rmdir(dir)
            }
            let size = 32 * 1024 * 1024

            // The writer stays alive after writing (dd blocks on the pipe), so its counters stay visible.
            let writer = try MetricsTestChild(["/bin/sh", "-c",
                "sleep 0.3; (head -c \(size) /dev/zero; sleep 30) | dd of=\(dir)/w bs=1M status=none"])
            let ws = BuildProcessSampler(membership: .session(writer.pid))
            var writes = [ws.sample()]
            let deadline = metricsTestNow() + 15
            while fileSize(dir + "/w") < size && metricsTestNow() < deadline {
                metricsTestSleep(0.2)
                writes.append(ws.sample())
            }
            metricsTestSleep(0.1)
            writes.append(ws.sample())
            let written = metricsTestIntegrate(writes, \.diskWriteBytesPerSec)

            // A file whose pages were pushed out of the page cache, read by a process that stays alive.
            try makeUncachedFile(dir + "/r", size: size)
            let reader = try MetricsTestChild(["/bin/sh", "-c", "sleep 0.3; exec tail -c +1 -f \(dir)/r > /dev/null"])
            let rs = BuildProcessSampler(membership: .session(reader.pid))
            var reads = [rs.sample()]
            for _ in 0..<8 {
                metricsTestSleep(0.25)
                reads.append(rs.sample())
            }
            let read = metricsTestIntegrate(reads, \.diskReadBytesPerSec)
            print("disk: wrote \(size) B, sampler saw \(Int64(written)) B written; read \(size) B, sampler saw \(Int64(read)) B read")
            #expect(abs(written - Double(size)) <= 0.25 * Double(size))
            #expect(abs(read - Double(size)) <= 0.25 * Double(size))
            #expect((writes + reads).allSatisfy { $0.diskReadBytesPerSec >= 0 && $0.diskWriteBytesPerSec >= 0 })
        }
    }
}

@Suite struct MetricsSamplerMembershipTests {
    @Test func sessionGroupAndProcsFileMembershipSeeTheSameTree() throws {
        let child = try MetricsTestChild(
            ["/bin/sh", "-c", "for i in 1 2 3 4 5; do sleep 30 & done; echo ready; wait"], captureStdout: true)
        #expect(child.readLine(timeout: 10) == "ready")

        let session = BuildProcessSampler(membership: .session(child.pid))
        let groups = BuildProcessSampler(membership: .processGroups([child.pid]))
        let first = session.sample()
        #expect(first.processCount == 6)
        #expect(first.cpuPercent == 0 && first.diskWriteBytesPerSec == 0 && first.netReceiveBytesPerSec == 0)
        #expect(first.memoryBytes > 6 * 100 * 1024)
        #expect(groups.sample().processCount == 6)

        // A procs file (as a cgroup would list them) in the kernel's one-PID-a-line format.
        let members = try #require(Self.sessionMembers(child.pid))
        #expect(members.count == 6)
        let file = "/tmp/metrics-procs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(file) }
        let text = members.map { "\($0)\n" }.joined() + "\(members[0])\n"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let procs = BuildProcessSampler(membership: .cgroup(procsFiles: [file, "/nonexistent/cgroup.procs"]))
        #expect(procs.sample().processCount == 6)

        child.signalGroup(SIGKILL)
        child.wait()
        metricsTestSleep(0.1)
        let after = session.sample()
        #expect(after.processCount == 0)
        #expect(after.cpuPercent >= 0 && after.diskReadBytesPerSec >= 0)
    }

    /// A process that ran before it joined the build brings its earlier CPU time along; that
    /// time must not show up as a spike in the first interval it is a member.
    @Test func processJoiningLateStartsAsABaseline() throws {
        let child = try MetricsTestChild(
            ["/bin/sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo ready; exec sleep 30"],
            captureStdout: true)
        #expect(child.readLine(timeout: 20) == "ready")
        let file = "/tmp/metrics-late-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(file) }
        let created = creat(file, 0o644)
        #expect(created >= 0)
        close(created)
        let sampler = BuildProcessSampler(membership: .cgroup(procsFiles: [file]))
        let empty = sampler.sample()
        #expect(empty.processCount == 0)
        let fd = open(file, O_WRONLY | O_TRUNC)
        _ = "\(child.pid)\n".withCString { write(fd, $0, strlen($0)) }
        close(fd)
        metricsTestSleep(0.3)
        let joined = sampler.sample()
        #expect(joined.processCount == 1)
        #expect(joined.cpuPercent < 20, "earlier CPU time counted as if used in this interval: \(joined.cpuPercent)%")
    }

    static func sessionMembers(_ sid: pid_t) -> [pid_t]? {
        guard let dir = opendir("/proc") else { return nil }
        defer { closedir(dir) }
        var out: [pid_t] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: &ent.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = pid_t(name) else { continue }
            let fd = open("/proc/\(pid)/stat", O_RDONLY)
            guard fd >= 0 else { continue }
            var buf = [UInt8](repeating: 0, count: 1024)
            let n = read(fd, &buf, buf.count)
            close(fd)
            guard n > 0, let close = buf[..<n].lastIndex(of: UInt8(ascii: ")")) else { continue }
            let fields = String(decoding: buf[(close + 2)..<n], as: UTF8.self).split(separator: " ")
            if fields.count > 3, pid_t(fields[3]) == sid { out.append(pid) }
        }
        return out
    }
}

func metricsTestIntegrate(_ samples: [MetricSample], _ rate: KeyPath<MetricSample, Double>) -> Double {
    var total = 0.0
    for k in 1..<samples.count {
        total += samples[k][keyPath: rate] * Double(samples[k].timeMs - samples[k - 1].timeMs) / 1000
    }
    return total
}

private func fileSize(_ path: String) -> Int {
    var st = stat()
    return stat(path, &st) == 0 ? Int(st.st_size) : 0
}

/// Writes a file, flushes it and drops its pages from the page cache, so reading it hits the disk.
private func makeUncachedFile(_ path: String, size: Int) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw MetricsTestError("open \(path)") }
    defer { close(fd) }
    let chunk = [UInt8](repeating: 7, count: 1 << 20)
    for _ in 0..<(size >> 20) {
        guard write(fd, chunk, chunk.count) == chunk.count else { throw MetricsTestError("write \(path)") }
    }
    guard fsync(fd) == 0 else { throw MetricsTestError("fsync \(path)") }
    _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
}
