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
