import Foundation
import ImageFactoryCore

/// What a client asks. The caller's identity is never part of a request: the server takes it from the socket.
public enum Request: Codable, Sendable {
    case status
    case startBuild(StartBuildRequest)
    case cancelBuild(reference: String, defaultProject: String?)
    case listBuilds(project: String?, limit: Int)
    case showBuild(reference: String, defaultProject: String?)
    case readLog(build: BuildID, from: Int, count: Int)
    /// Live events of one build; log lines from `fromSeq` on (0 for all, the committed count for new ones only).
    case subscribeBuild(build: BuildID, fromSeq: Int)
    case unsubscribeBuild(build: BuildID)
    /// Queued and running builds whenever they change.
    case subscribeDashboard
    /// The caller's own notifications (their builds starting, succeeding, failing).
    case subscribeNotifications
    case notifications(limit: Int)
    case addMember(AddMemberRequest)
    case stopServer(now: Bool)
}

public struct StartBuildRequest: Codable, Sendable {
    public var text: String
    public var file: String?
    public var project: String?
    public var template: String?
    public var priority: Int
    /// The client's working directory, for a manifest's relative `context`.
    public var workingDirectory: String?

    public init(text: String, file: String?, project: String?, template: String?, priority: Int, workingDirectory: String?) {
        self.text = text
        self.file = file
        self.project = project
        self.template = template
        self.priority = priority
        self.workingDirectory = workingDirectory
    }
}

public struct AddMemberRequest: Codable, Sendable {
    public var login: String
    /// The account's OS uid; looked up from the server's password database when absent.
    public var uid: Int64?
    public var project: String?
    public var role: Role

    public init(login: String, uid: Int64?, project: String?, role: Role) {
        self.login = login
        self.uid = uid
        self.project = project
        self.role = role
    }
}

public struct RequestFrame: Codable, Sendable {
    /// Strictly increasing per connection; the reply carries the same id.
    public var id: UInt64
    public var request: Request
}

public enum Reply: Codable, Sendable {
    case ok
    case status(ServerStatus)
    case build(BuildDetail)
    case builds([BuildRow])
    case logLines(LogPage)
    case subscribed(build: BuildRow, committedLines: Int)
    case notifications([BuildNotification])
    case member(login: String, uid: Int64?, project: String, role: Role)
}

public struct ReplyFrame: Codable, Sendable {
    public var id: UInt64
    public var reply: Reply?
    public var error: RemoteError?
}

public struct RemoteError: Codable, Sendable, Error, CustomStringConvertible {
    public var message: String
    /// The CLI exit status the error maps to (see the README).
    public var exitCode: Int32

    public init(message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }

    public init(_ error: Error) {
        if let f = error as? FactoryError {
            self.init(message: f.description, exitCode: f.exitCode)
        } else {
            self.init(message: "\(error)", exitCode: 70)
        }
    }

    public var description: String { message }
    public var factoryError: FactoryError { .server(message, exitCode: exitCode) }
}

/// A build with the name of its project, the unit every list shows.
public struct BuildRow: Codable, Sendable, Hashable {
    public var build: Build
    public var project: String
    public var startedBy: String?

    public init(build: Build, project: String, startedBy: String?) {
        self.build = build
        self.project = project
        self.startedBy = startedBy
    }

    public var reference: String { "\(project)#\(build.number.rawValue)" }
}

public struct BuildDetail: Codable, Sendable {
    public var row: BuildRow
    public var steps: [Step]
    public var artifacts: [Artifact]
    /// The build tool's own steps; absent from servers older than the methods issue.
    public var toolSteps: [ToolStep]?
}

public struct LogPage: Codable, Sendable {
    public var build: BuildID
    public var committedLines: Int
    public var lines: [WireLogLine]
}

public struct WireLogLine: Codable, Sendable, Hashable {
    public var seq: Int
    public var timeMs: UInt32
    public var step: UInt16
    public var level: LogLevel
    public var text: String

    public init(seq: Int, timeMs: UInt32, step: UInt16, level: LogLevel, text: String) {
        self.seq = seq
        self.timeMs = timeMs
        self.step = step
        self.level = level
        self.text = text
    }

    public init(_ line: LogLine) {
        self.init(seq: line.seq, timeMs: line.timeMs, step: line.step, level: line.level, text: line.display)
    }
}

public struct ServerStatus: Codable, Sendable {
    public var pid: Int32
    public var version: String
    public var startedAt: Date
    public var socket: String
    public var dataDirectory: String
    public var shared: Bool
    public var clients: Int
    public var you: String
    public var budget: ResourceBudget
    public var inUse: ResourceUse
    public var running: [BuildRow]
    public var queued: [BuildRow]
}

public struct ResourceBudget: Codable, Sendable, Hashable {
    public var maxBuilds: Int
    public var cpus: Double
    public var memoryBytes: Int64

    public init(maxBuilds: Int, cpus: Double, memoryBytes: Int64) {
        self.maxBuilds = maxBuilds
        self.cpus = cpus
        self.memoryBytes = memoryBytes
    }
}

public struct ResourceUse: Codable, Sendable, Hashable {
    public var builds: Int
    public var cpus: Double
    public var memoryBytes: Int64
}

/// Sent once when a connection is accepted: who the server took the caller to be.
public struct Welcome: Codable, Sendable {
    public var serverPid: Int32
    public var version: String
    public var login: String
    public var uid: Int64
}

public enum ServerEvent: Codable, Sendable {
    case welcome(Welcome)
    case build(BuildRow)
    case step(Step)
    case metric(MetricRow)
    case artifact(Artifact)
    /// The client is reading this build's log more slowly than it grows: `nextSeq` is where the server is
    /// sending from, `committedLines` where the log is. A follower may re-read the end from the store instead.
    case behind(build: BuildID, nextSeq: Int, committedLines: Int)
    case dashboard([BuildRow])
    case notification(BuildNotification)
    case stopping(reason: String)
}

// MARK: Encoding

enum WireJSON {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }

    static func frame<T: Encodable>(_ kind: FrameKind, _ value: T) -> Frame {
        Frame(kind: kind, payload: Array((try? encoder().encode(value)) ?? Data("{}".utf8)))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ payload: [UInt8]) throws -> T {
        do {
            return try decoder().decode(type, from: Data(payload))
        } catch let DecodingError.dataCorrupted(context) {
            throw FrameError.malformed("\(T.self): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw FrameError.malformed("\(T.self): missing `\(key.stringValue)` at \(path(context))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw FrameError.malformed("\(T.self): wrong type at \(path(context)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw FrameError.malformed("\(T.self): missing value at \(path(context))")
        } catch {
            throw FrameError.malformed("\(T.self): \(error)")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let p = context.codingPath.map(\.stringValue).joined(separator: ".")
        return p.isEmpty ? "the top level" : p
    }
}

/// Log lines travel in a binary frame: at two million lines a build, JSON would cost more than the build.
/// Layout: build id (8), first seq (8), count (4), then per line: seq delta (4), time ms (4), step (2),
/// level (1), text length (4), UTF-8 text.
public struct LogLinesMessage: Sendable, Equatable {
    public var build: BuildID
    public var lines: [WireLogLine]

    public init(build: BuildID, lines: [WireLogLine]) {
        self.build = build
        self.lines = lines
    }

    public func frame() -> Frame {
        var out = [UInt8]()
        out.reserveCapacity(20 + lines.reduce(0) { $0 + 15 + $1.text.utf8.count })
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.bigEndian) { out += $0 } }
        let first = lines.first?.seq ?? 0
        put(build.rawValue)
        put(Int64(first))
        put(UInt32(lines.count))
        for l in lines {
            put(UInt32(l.seq - first))
            put(l.timeMs)
            put(l.step)
            out.append(l.level.wireCode)
            let text = Array(l.text.utf8)
            put(UInt32(text.count))
            out += text
        }
        return Frame(kind: .logLines, payload: out)
    }

    public init(payload p: [UInt8]) throws {
        var i = 0
        func take<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard i + size <= p.count else { throw FrameError.malformed("log lines frame is truncated at byte \(i)") }
            var v: T = 0
            for k in 0..<size { v = v << 8 | T(p[i + k]) }
            i += size
            return v
        }
        build = BuildID(rawValue: try take(Int64.self))
        let first = Int(try take(Int64.self))
        let count = Int(try take(UInt32.self))
        guard count <= p.count else { throw FrameError.malformed("log lines frame claims \(count) lines in \(p.count) bytes") }
        var lines: [WireLogLine] = []
        lines.reserveCapacity(count)
        for _ in 0..<count {
            let seq = first + Int(try take(UInt32.self))
            let time = try take(UInt32.self)
            let step = try take(UInt16.self)
            let level = LogLevel(wireCode: try take(UInt8.self))
            let n = Int(try take(UInt32.self))
            guard i + n <= p.count else { throw FrameError.malformed("log line \(seq) runs past the end of its frame") }
            let text = String(decoding: p[i..<(i + n)], as: UTF8.self)
            i += n
            lines.append(WireLogLine(seq: seq, timeMs: time, step: step, level: level, text: text))
        }
        self.lines = lines
    }
}

extension LogLevel {
    var wireCode: UInt8 { rawValue }
    init(wireCode: UInt8) { self = LogLevel(rawValue: wireCode) ?? .info }
}
