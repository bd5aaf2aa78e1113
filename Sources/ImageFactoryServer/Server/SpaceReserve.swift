import Foundation

/// A file of zeros on the data filesystem that holds room for the server's last writes: when a build fills
/// the disk, deleting it lets the server record that build's end (and every line its log holds) anyway.
final class SpaceReserve: @unchecked Sendable {
    let path: String
    let bytes: Int
    private var lastAttempt = Date.distantPast

    init(path: String, bytes: Int) {
        self.path = path
        self.bytes = bytes
    }

    var isHeld: Bool {
        var st = stat()
        return stat(path, &st) == 0 && Int(st.st_size) >= bytes
    }

    /// Makes the reserve when it is missing and there is plenty of room (at most every 10 s).
    func ensure() {
        guard Date().timeIntervalSince(lastAttempt) > 10, !isHeld else { return }
        lastAttempt = Date()
        var s = statvfs()
        guard statvfs((path as NSString).deletingLastPathComponent, &s) == 0,
              Int64(s.f_bavail) * Int64(s.f_frsize) > Int64(bytes) * 4 else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // Real blocks, not a sparse file: the room must exist.
        if posix_fallocate(fd, 0, off_t(bytes)) != 0 { _ = ftruncate(fd, 0); unlink(path) }
    }

    /// Frees the room; false when there was none held.
    @discardableResult
    func release() -> Bool {
        guard isHeld else { return false }
        lastAttempt = Date()
        return unlink(path) == 0
    }
}
