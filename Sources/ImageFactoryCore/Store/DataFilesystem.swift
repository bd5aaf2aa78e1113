import Foundation

/// The data directory's filesystem as the server sees it: what users are told when it is full or read-only.
/// Reads keep working either way (they are the server's, from its open database); writes cannot.
public struct DataFilesystem: Codable, Sendable, Hashable {
    public var path: String
    public var freeBytes: Int64
    public var totalBytes: Int64
    public var readOnly: Bool

    /// Room the server keeps in reserve for its last writes: 1/50 of the filesystem, between 1 and 8 MiB.
    public var reserveBytes: Int64 { min(8 << 20, max(1 << 20, totalBytes / 50)) }

    /// Below this (twice the reserve), the filesystem counts as full: builds would not have room to be
    /// recorded, so none starts, and the reserve is never what is left.
    public var fullBelow: Int64 { 2 * reserveBytes }

    /// `path` is the mount point that holds the data directory (what `df` names), so an operator knows
    /// which filesystem to free.
    public static func read(_ directory: DataDirectory) -> DataFilesystem? {
        var s = statvfs()
        guard statvfs(directory.root.path, &s) == 0 else { return nil }
        return DataFilesystem(path: mountPoint(of: directory.root.path), freeBytes: Int64(s.f_bavail) * Int64(s.f_frsize),
                              totalBytes: Int64(s.f_blocks) * Int64(s.f_frsize), readOnly: s.f_flag & UInt(ST_RDONLY) != 0)
    }

    public var isFull: Bool { freeBytes < fullBelow }

    /// The reason a build that ran out of room fails with: `no space left on /var/lib/imagefactory (0 B free)`.
    public var noSpaceReason: String { "no space left on \(path) (\(ByteCount(bytes: freeBytes)) free)" }

    /// The longest mount point of /proc/self/mountinfo that contains `path`; the path itself when unknown.
    static func mountPoint(of path: String) -> String {
        guard let text = readProcFile("/proc/self/mountinfo") else { return path }
        var best = "/"
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { continue }
            // Spaces in mount points are written as \040.
            let mount = String(fields[4]).replacingOccurrences(of: "\\040", with: " ")
            let inside = mount == "/" || path == mount || path.hasPrefix(mount + "/")
            if inside && mount.count >= best.count { best = mount }
        }
        return best
    }

    /// The default room kept free for the host: 5% of the filesystem, at most 1 GiB.
    public var defaultMinimumFree: Int64 { min(1 << 30, totalBytes / 20) }

    /// `--min-free` as given: a size (`2GiB`), a share (`5%`), or `0` (off). Nil when it is neither.
    public func minimumFree(parsing text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "0" { return 0 }
        if t.hasSuffix("%"), let p = Double(t.dropLast()), p >= 0, p < 100 { return Int64(Double(totalBytes) * p / 100) }
        return ByteCount(parsing: t)?.bytes
    }

    /// Why nothing starts, or a running build stops, while free space is under `minimum`.
    public func lowSpaceReason(minimum: Int64) -> String {
        "\(path) has \(ByteCount(bytes: freeBytes)) free, under the \(ByteCount(bytes: minimum)) kept free for the host (imagefactory server --min-free)"
    }

    /// One sentence for the dashboard, `build list` and `server status` when something is wrong; nil when all is well.
    public var warning: String? {
        if readOnly {
            return "the data filesystem (\(path)) is read-only: builds cannot start or be recorded; everything already stored can still be read"
        }
        if isFull {
            return "\(noSpaceReason): builds cannot be recorded until space is freed; queued builds wait; everything already stored can still be read"
        }
        return nil
    }
}

/// The whole of a /proc file: they report a size of 0, so read until the end rather than trust stat.
func readProcFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = read(fd, &buffer, buffer.count)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        out += buffer[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}
