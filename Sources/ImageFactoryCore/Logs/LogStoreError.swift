#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failures of the log files, naming the file concerned.
public enum LogStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotOpen(path: String, errno: Int32)
    case readFailed(path: String, errno: Int32)
    case writeFailed(path: String, errno: Int32)
    case syncFailed(path: String, errno: Int32)
    case cannotMap(path: String, errno: Int32)
    case corrupt(path: String, reason: String)
    /// The files hold fewer complete lines than the database says were committed.
    case missingLines(directory: String, committed: Int, available: Int)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason): "cannot create log directory \(path): \(reason)"
        case .cannotOpen(let path, let code): "cannot open log file \(path): \(Self.message(code))"
        case .readFailed(let path, let code): "cannot read log file \(path): \(Self.message(code))"
        case .writeFailed(let path, let code): "cannot write log file \(path): \(Self.message(code))"
        case .syncFailed(let path, let code): "cannot sync log file \(path) to disk: \(Self.message(code))"
        case .cannotMap(let path, let code): "cannot map log file \(path): \(Self.message(code))"
        case .corrupt(let path, let reason): "log file \(path) is damaged: \(reason)"
        case .missingLines(let directory, let committed, let available):
            "log in \(directory) has \(available) complete lines but \(committed) were committed"
        }
    }

    private static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
