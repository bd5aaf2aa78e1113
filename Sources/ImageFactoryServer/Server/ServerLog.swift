import Foundation

/// The server's own log: one timestamped line per event, to stderr (under a service manager) or a file
/// (when started in the background by a client).
public final class ServerLog: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private let formatter: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    public init(handle: FileHandle = .standardError) {
        self.handle = handle
    }

    public func info(_ message: String) { write("info", message) }
    public func error(_ message: String) { write("error", message) }

    private func write(_ level: String, _ message: String) {
        lock.withLock {
            let line = "\(formatter.string(from: Date())) \(level) \(message)\n"
            try? handle.write(contentsOf: Data(line.utf8)) // never a crash when the log's disk is full
        }
    }
}
