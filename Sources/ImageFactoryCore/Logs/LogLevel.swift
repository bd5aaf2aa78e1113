/// Severity of one stored log line.
public enum LogLevel: UInt8, Sendable, Codable, CaseIterable, Comparable {
    case info = 0
    case warn = 1
    case error = 2

    public var name: String {
        switch self {
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        }
    }

    /// Accepts the names above plus the usual spellings ("warning", "err"), case-insensitively.
    public init?(name: String) {
        switch name.lowercased() {
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error", "err": self = .error
        default: return nil
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a line came from: the runner itself or one of the child's pipes.
public enum LogStream: UInt8, Sendable, Codable, CaseIterable {
    case system = 0
    case stdout = 1
    case stderr = 2
}

/// Per-level line counts.
public struct LogLevelCounts: Sendable, Hashable, Codable {
    public var info: Int
    public var warn: Int
    public var error: Int

    public init(info: Int = 0, warn: Int = 0, error: Int = 0) {
        self.info = info
        self.warn = warn
        self.error = error
    }

    public var total: Int { info + warn + error }

    public subscript(level: LogLevel) -> Int {
        get {
            switch level {
            case .info: info
            case .warn: warn
            case .error: error
            }
        }
        set {
            switch level {
            case .info: info = newValue
            case .warn: warn = newValue
            case .error: error = newValue
            }
        }
    }
}
