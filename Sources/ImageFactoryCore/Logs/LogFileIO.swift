#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the system calls the log files use, retrying EINTR and short transfers.
enum LogFileIO {
    static func openFile(_ path: String, flags: Int32) throws -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, 0o644)
            if fd >= 0 { return fd }
            if errno != EINTR { throw LogStoreError.cannotOpen(path: path, errno: errno) }
        }
    }

    static func closeFile(_ fd: Int32) {
        _ = close(fd)
    }

    static func size(_ fd: Int32, path: String) throws -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LogStoreError.readFailed(path: path, errno: errno) }
        return Int(info.st_size)
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int, path: String) throws {
        var p = bytes
        var remaining = count
        while remaining > 0 {
            let n = write(fd, p, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw LogStoreError.writeFailed(path: path, errno: errno)
            }
            p += n
            remaining -= n
        }
    }

    /// Reads up to `count` bytes at `offset`; returns fewer only at end of file.
    static func readAt(_ fd: Int32, into buffer: UnsafeMutableRawPointer, _ count: Int, at offset: Int, path: String) throws -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw LogStoreError.readFailed(path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    static func truncateFile(_ fd: Int32, to size: Int, path: String) throws {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw LogStoreError.writeFailed(path: path, errno: errno) }
        }
    }

    static func syncFile(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw LogStoreError.syncFailed(path: path, errno: errno) }
        }
    }

    /// Offset just past the first `\n` at or after `offset`, or nil if the file ends first.
    static func endOfLine(_ fd: Int32, from offset: Int, fileSize: Int, path: String) throws -> Int? {
        let chunk = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var position = offset
        while position < fileSize {
            let n = try readAt(fd, into: buffer, min(chunk, fileSize - position), at: position, path: path)
            if n == 0 { return nil }
            if let hit = memchr(buffer, 0x0A, n) {
                return position + (UnsafeRawPointer(hit) - UnsafeRawPointer(buffer)) + 1
            }
            position += n
        }
        return nil
    }
}
