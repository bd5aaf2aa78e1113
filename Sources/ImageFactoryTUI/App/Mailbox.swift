import Foundation

/// Background loads hand their results to the UI loop here; the loop drains it once per iteration,
/// so the loop itself never waits on the database.
final class Mailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [@Sendable () -> Void] = []

    func post(_ item: @escaping @Sendable () -> Void) {
        lock.withLock { items.append(item) }
    }

    func drain() -> [@Sendable () -> Void] {
        lock.withLock {
            defer { items.removeAll() }
            return items
        }
    }
}

/// A self-pipe: background work signals it after posting to the mailbox, and the loop's wait for input
/// returns at once.
final class Wakeup: @unchecked Sendable {
    let readFD: Int32
    private let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        if readFD >= 0 { Foundation.close(readFD) }
        if writeFD >= 0 { Foundation.close(writeFD) }
    }

    func signal() {
        guard writeFD >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }
}
