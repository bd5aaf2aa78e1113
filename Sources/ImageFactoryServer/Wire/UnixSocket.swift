import CSystemShims
import Foundation
import ImageFactoryCore

/// A connected Unix stream socket with blocking frame I/O. Reads happen on one thread and writes on
/// another (the server's writer, the client's caller), which a socket allows.
public final class FrameSocket: @unchecked Sendable {
    public let fd: Int32
    private let closeLock = NSLock()
    private var closed = false

    /// Writes use MSG_NOSIGNAL, so a peer that went away gives EPIPE rather than a SIGPIPE.
    public init(fd: Int32) {
        self.fd = fd
    }

    /// Connects to the socket at `path`; nil when nothing listens there (no file, or a stale one).
    public static func connect(path: String) throws -> FrameSocket? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FactoryError.runtime("cannot create a socket: \(errnoText())") }
        var addr = try unixAddress(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            if e == ENOENT || e == ECONNREFUSED { return nil }
            if e == EACCES {
                throw FactoryError.permissionDenied("cannot connect to the build server at \(path): you are not allowed to use its socket (ask for membership of its group)")
            }
            throw FactoryError.runtime("cannot connect to the build server at \(path): \(String(cString: strerror(e)))")
        }
        return FrameSocket(fd: fd)
    }

    /// Reads one whole frame; throws `FrameError` for anything that is not a well-formed frame.
    public func readFrame(limit: Int) throws -> Frame {
        var header = [UInt8](repeating: 0, count: WireProtocol.headerSize)
        try readExactly(&header, allowCleanEOF: true)
        let (kind, length) = try parseFrameHeader(header, limit: limit)
        var payload = [UInt8](repeating: 0, count: length)
        if length > 0 { try readExactly(&payload, allowCleanEOF: false) }
        return Frame(kind: kind, payload: payload)
    }

    private func readExactly(_ buffer: inout [UInt8], allowCleanEOF: Bool) throws {
        var got = 0
        let count = buffer.count
        while got < count {
            let n = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + got, count - got) }
            if n > 0 { got += n; continue }
            if n == 0 { throw FrameError.closed(midFrame: !(allowCleanEOF && got == 0)) }
            if errno == EINTR { continue }
            throw FrameError.closed(midFrame: got > 0)
        }
    }

    /// Writes all bytes; false when the peer is gone.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in send(fd, raw.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0, errno == EINTR { continue }
            return false
        }
        return true
    }

    public func write(_ frame: Frame) -> Bool { write(frame.encoded()) }

    /// Releases the descriptor once. Only the last thread that uses the socket may call this: a descriptor
    /// number closed under another thread's read or write can be reused by the next socket or file it opens.
    /// Other threads call `shutdownBoth()`, which wakes a blocked reader without freeing the number.
    public func close() {
        closeLock.withLock {
            guard !closed else { return }
            closed = true
            shutdown(fd, Int32(SHUT_RDWR))
            Glibc.close(fd)
        }
    }

    public func shutdownBoth() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// The connected peer's uid, gid and pid as the kernel recorded them at connect time (SO_PEERCRED).
    public func peerCredentials() -> (uid: uid_t, gid: gid_t, pid: pid_t)? {
        var uid: UInt32 = 0, gid: UInt32 = 0, pid: Int32 = 0
        guard if_peer_credentials(fd, &uid, &gid, &pid) == 0 else { return nil }
        return (uid, gid, pid)
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

func unixAddress(_ path: String) throws -> sockaddr_un {
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: addr.sun_path)
    guard bytes.count < capacity else {
        throw FactoryError.invalidInput("socket path \(path) is \(bytes.count) bytes long; Unix sockets allow at most \(capacity - 1)")
    }
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in
        for (i, b) in bytes.enumerated() { raw[i] = b }
        raw[bytes.count] = 0
    }
    return addr
}

/// A listening socket at `path` with the given mode (and group, for a shared build host).
public final class ListeningSocket: @unchecked Sendable {
    public let fd: Int32
    public let path: String

    public init(path: String, mode: mode_t, group: gid_t?) throws {
        self.path = path
        var addr = try unixAddress(path)
        // A socket file left by a dead server is removed; a live one means another server owns the path.
        if FileManager.default.fileExists(atPath: path) {
            if let live = try? FrameSocket.connect(path: path) {
                live.close()
                throw FactoryError.conflict("a build server already listens on \(path)")
            }
            unlink(path)
        }
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FactoryError.runtime("cannot create a socket: \(errnoText())") }
        // Bind with a restrictive umask so the socket is never briefly open to everyone.
        let old = umask(0o177)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard rc == 0 else {
            let why = errnoText()
            Glibc.close(fd)
            throw FactoryError.runtime("cannot listen on \(path): \(why)")
        }
        if let group, chown(path, uid_t.max, group) != 0 {
            let why = errnoText()
            Glibc.close(fd)
            throw FactoryError.runtime("cannot give socket \(path) to group \(group): \(why)")
        }
        chmod(path, mode)
        guard listen(fd, 64) == 0 else {
            let why = errnoText()
            Glibc.close(fd)
            throw FactoryError.runtime("cannot listen on \(path): \(why)")
        }
    }

    /// Blocks for the next connection; nil once the socket was closed.
    public func accept() -> FrameSocket? {
        while true {
            let c = Glibc.accept(fd, nil, nil)
            if c >= 0 {
                // Runners the server spawns must not inherit client connections.
                _ = fcntl(c, F_SETFD, FD_CLOEXEC)
                return FrameSocket(fd: c)
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        unlink(path)
    }
}
