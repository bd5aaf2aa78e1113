import Foundation
import Glibc
import Testing
@testable import ImageFactoryCore

@Suite struct MetricsParsingTests {
    private func withBytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        Array(s.utf8).withUnsafeBufferPointer(body)
    }

    @Test func statWithSpacesAndParenthesesInComm() throws {
        let line = "4242 (my (odd) name) )) R 17 4242 4240 34816 4242 4194560 2171 0 0 0 250 50 7 3 20 0 1 0 98765 1000000 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let s = try #require(withBytes(line) { MetricsProcStat.parse($0) })
        #expect(s.state == UInt8(ascii: "R"))
        #expect(s.ppid == 17)
        #expect(s.pgrp == 4242)
        #expect(s.session == 4240)
        #expect(s.utime == 250 && s.stime == 50)
        #expect(s.cutime == 7 && s.cstime == 3)
        #expect(s.startTicks == 98765)
        #expect(s.rssPages == 321)
    }

    @Test func truncatedOrGarbledStatIsRejected() {
        #expect(withBytes("4242 (sh) S 1 4242 4242 0 -1 4194560 2171 0") { MetricsProcStat.parse($0) } == nil)
        #expect(withBytes("no parenthesis at all") { MetricsProcStat.parse($0) } == nil)
        #expect(withBytes("") { MetricsProcStat.parse($0) } == nil)
    }

    @Test func ownStatMatchesTheKernel() throws {
        let buffer = MetricsByteBuffer(capacity: 64)
        #expect(buffer.readFile("/proc/self/stat", growable: true))
        let s = try #require(MetricsProcStat.parse(buffer.bytes))
        #expect(s.ppid == getppid())
        #expect(s.session == getsid(0))
        #expect(s.pgrp == getpgrp())
        #expect(s.rssPages > 0)
    }

    @Test func netDevSkipsLoopback() {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
              eth0:    5903      41    0    0    0     0          0         0     5713      61    0    0    0     0       0          0
            wlan0:100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0

            """
        let (rx, tx) = withBytes(text) { MetricsSamplerState.parseNetDev($0) }
        #expect(rx == 6003)
        #expect(tx == 5913)
    }

    @Test func keyedValues() {
        let io = "rchar: 10\nwchar: 20\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 61440\ncancelled_write_bytes: 7\n"
        withBytes(io) { b in
            #expect(MetricsParse.value(after: "read_bytes:", in: b) == 4096)
            #expect(MetricsParse.value(after: "write_bytes:", in: b) == 61440)
            #expect(MetricsParse.value(after: "missing:", in: b) == nil)
        }
        withBytes("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n") { b in
            #expect(MetricsParse.value(after: "oom_kill ", in: b) == 3)
        }
    }

    @Test func pidPathBuilder() {
        var path = MetricsPidPath()
        #expect(path.with(pid: 1, leaf: "stat") { String(cString: $0) } == "1/stat")
        #expect(path.with(pid: 4194304, leaf: "io") { String(cString: $0) } == "4194304/io")
    }

    @Test func growableBufferReadsLongFiles() {
        let buffer = MetricsByteBuffer(capacity: 64)
        #expect(buffer.readFile("/proc/self/maps", growable: true))
        #expect(buffer.count > 64)
        let fixed = MetricsByteBuffer(capacity: 64)
        #expect(fixed.readFile("/proc/self/maps", growable: false))
        #expect(fixed.count == 64)
        #expect(!buffer.readFile("/proc/self/no-such-file"))
    }
}

@Suite struct MetricsSummaryTests {
    private func sample(_ t: Int64, cpu: Double, mem: Int64, rd: Double = 0, rx: Double = 0) -> MetricSample {
        MetricSample(timeMs: t, cpuPercent: cpu, memoryBytes: mem, diskReadBytesPerSec: rd, diskWriteBytesPerSec: 0,
                     netReceiveBytesPerSec: rx, netTransmitBytesPerSec: 0, processCount: 1)
    }

    @Test func peaksAndTimeWeightedMeans() {
        // The baseline's rates cover no interval; 100% for 1 s then 40% for 3 s averages 55%.
        let s = MetricSummary.summarize([
            sample(1000, cpu: 0, mem: 100),
            sample(2000, cpu: 100, mem: 300, rd: 10),
            sample(5000, cpu: 40, mem: 200, rd: 2, rx: 8),
        ])
        #expect(s.sampleCount == 3)
        #expect(s.peakCpuPercent == 100)
        #expect(abs(s.meanCpuPercent - 55) < 1e-9)
        #expect(s.peakMemoryBytes == 300)
        #expect(s.meanMemoryBytes == 200)
        #expect(s.peakDiskReadBytesPerSec == 10)
        #expect(abs(s.meanDiskReadBytesPerSec - 4) < 1e-9)
        #expect(abs(s.meanNetReceiveBytesPerSec - 6) < 1e-9)
    }

    @Test func emptyAndSingle() {
        #expect(MetricSummary.summarize([]) == MetricSummary())
        let one = MetricSummary.summarize([sample(5, cpu: 12, mem: 7)])
        #expect(one.sampleCount == 1 && one.meanCpuPercent == 12 && one.meanMemoryBytes == 7)
    }

    @Test func codableRoundTrip() throws {
        let s = sample(1, cpu: 2, mem: 3, rd: 4, rx: 5)
        let data = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(MetricSample.self, from: data) == s)
    }
}

@Suite struct MetricsHostSnapshotTests {
    @Test func readsThisHost() {
        let a = HostSnapshot.read()
        #expect(a.cores == sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #expect(a.memTotalBytes > a.memAvailableBytes && a.memAvailableBytes > 0)
        #expect(a.loadAverage.count == 3)
        #expect(a.cpuTicks.total > a.cpuTicks.busy && a.cpuTicks.busy > 0)
        // Busy-wait a little so the host's counters move.
        let end = metricsTestNow() + 0.2
        while metricsTestNow() < end {}
        let b = HostSnapshot.read()
        let used = HostSnapshot.cpuPercent(from: a, to: b)
        #expect(used > 0 && used <= Double(b.cores) * 100 + 1)
    }

    @Test func cpuLine() {
        let text = "cpu  10 1 5 100 2 0 3 4 0 0\ncpu0 5 0 2 50 1 0 1 2 0 0\n"
        let t = Array(text.utf8).withUnsafeBufferPointer { HostSnapshot.parseCPULine($0) }
        #expect(t?.busy == 23)
        #expect(t?.total == 125)
    }
}
