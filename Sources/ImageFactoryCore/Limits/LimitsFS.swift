import Foundation
import Glibc

/// Small-file access for cgroupfs and procfs. cgroupfs reports a rejected value as the
/// errno of write(2), so writes must be single raw writes whose errno is kept.
enum LimitsFS {
    static func read(_ path: String) -> String? {
        let buffer = MetricsByteBuffer(capacity: 4096)
        guard buffer.readFile(path) else { return nil }
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    /// Returns 0 on success, else the errno.
    @discardableResult
    static func write(_ path: String, _ value: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { return errno }
        defer { close(fd) }
        var bytes = Array(value.utf8)
        let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 { return errno }
        return n == bytes.count ? 0 : EIO
    }

    /// Returns 0 on success (or when the directory already exists), else the errno.
    static func makeDirectory(_ path: String) -> Int32 {
        if mkdir(path, 0o755) == 0 { return 0 }
        let e = errno
        return e == EEXIST && isDirectory(path) ? 0 : e
    }

    /// Returns 0 on success (or when it is already gone), else the errno.
    static func removeDirectory(_ path: String) -> Int32 {
        if rmdir(path) == 0 { return 0 }
        let e = errno
        return e == ENOENT ? 0 : e
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func subdirectories(of path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let ent = readdir(dir) {
            guard ent.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: &ent.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func describe(_ err: Int32) -> String {
        String(cString: strerror(err))
    }

    struct Mount: Hashable {
        var point: String
        var type: String
        var options: [String]
    }

    /// Mounts from /proc/self/mounts, with the octal escapes of the mount point undone.
    static func mounts() -> [Mount] {
        guard let text = read("/proc/self/mounts") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 4 else { return nil }
            return Mount(point: unescape(f[1]), type: String(f[2]),
                         options: f[3].split(separator: ",").map(String.init))
        }
    }

    private static func unescape(_ s: Substring) -> String {
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count,
               let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Quotes a string for /bin/sh.
    static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
