import Glibc

/// A growable byte buffer reused across reads, so sampling /proc does not allocate per file.
final class MetricsByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Bytes filled by the last read.
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    private func grow() {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Reads the whole file (relative to `dirfd`, or absolute with AT_FDCWD) into the buffer.
    /// Returns false when the file cannot be opened or read (e.g. the process exited).
    func readFile(at dirfd: Int32, path: UnsafePointer<CChar>, growable: Bool) -> Bool {
        let fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return false }
        defer { close(fd) }
        count = 0
        while true {
            if count == capacity {
                // Small proc files fit; only list files (cgroup.procs) may need more room.
                guard growable else { return true }
                grow()
            }
            let n = read(fd, base + count, capacity - count)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            if n == 0 { return true }
            count += n
        }
    }

    /// Opens a file for repeated reads with `reread`; -1 if it cannot be opened.
    static func open(at dirfd: Int32, path: UnsafePointer<CChar>) -> Int32 {
        openat(dirfd, path, O_RDONLY | O_CLOEXEC)
    }

    /// Reads a kept-open procfs file again from offset 0: procfs regenerates the content, and
    /// skipping the path lookup of open(2) halves the cost. Fails (ESRCH) once the process
    /// the file was opened for has gone, even if its PID was reused.
    func reread(_ fd: Int32) -> Bool {
        count = 0
        while count < capacity {
            let n = pread(fd, base + count, capacity - count, off_t(count))
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            if n == 0 { break }
            count += n
        }
        return count > 0
    }

    func readFile(_ path: String, growable: Bool = true) -> Bool {
        path.withCString { readFile(at: AT_FDCWD, path: $0, growable: growable) }
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}
