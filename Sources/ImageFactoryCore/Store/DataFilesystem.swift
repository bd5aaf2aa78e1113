import Foundation

/// The data directory's filesystem as the server sees it: what users are told when it is full or read-only.
/// Reads keep working either way (they are the server's, from its open database); writes cannot.
public struct DataFilesystem: Codable, Sendable, Hashable {
    public var path: String
    public var freeBytes: Int64
    public var totalBytes: Int64
    public var readOnly: Bool

    /// Below this, a filesystem counts as full: SQLite and the log writer need room for a page and a batch.
    public static let fullBelow: Int64 = 1 << 20

    public static func read(_ directory: DataDirectory) -> DataFilesystem? {
        var s = statvfs()
        guard statvfs(directory.root.path, &s) == 0 else { return nil }
        return DataFilesystem(path: directory.root.path, freeBytes: Int64(s.f_bavail) * Int64(s.f_frsize),
                              totalBytes: Int64(s.f_blocks) * Int64(s.f_frsize), readOnly: s.f_flag & UInt(ST_RDONLY) != 0)
    }

    /// One sentence for the dashboard, `build list` and `server status` when something is wrong; nil when all is well.
    public var warning: String? {
        if readOnly {
            return "the data filesystem (\(path)) is read-only: builds cannot start or be recorded; everything already stored can still be read"
        }
        if freeBytes < Self.fullBelow {
            return "no space left on \(path) (\(ByteCount(bytes: freeBytes)) free): builds cannot be recorded until space is freed; everything already stored can still be read"
        }
        return nil
    }
}
