#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only shared mapping of a growing file. It reserves address space beyond the current size so
/// that data appended later by the writer becomes visible without remapping; only bytes below the size
/// observed at refresh time are ever touched (beyond end of file a page access would fault).
final class LogFileMapping: @unchecked Sendable {
    let base: UnsafeRawPointer?
    let length: Int

    static let empty = LogFileMapping()

    private init() {
        base = nil
        length = 0
    }

    /// Maps at least `size` bytes of `fd`, with headroom for growth.
    init(fd: Int32, size: Int, path: String) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let wanted = max(size + size / 2, size + 16 << 20)
        let length = (wanted + page - 1) / page * page
        let p = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else { throw LogStoreError.cannotMap(path: path, errno: errno) }
        base = UnsafeRawPointer(p)
        self.length = length
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), length) }
    }

    /// This mapping if it covers `size` bytes, otherwise a new, larger one.
    func covering(_ size: Int, fd: Int32, path: String) throws -> LogFileMapping {
        if size == 0 || (base != nil && size <= length) { return self }
        return try LogFileMapping(fd: fd, size: size, path: path)
    }
}
