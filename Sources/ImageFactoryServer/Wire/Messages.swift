import Foundation
import ImageFactoryCore

/// What a client asks: one case per call of the client API (``FactoryAPI``). The caller's identity is never
/// part of a request: the server takes it from the socket.
public enum Request: Codable, Sendable {
    case status
    case dashboard
    case projects
    case project(name: String?)
    case projectByID(ProjectID)
    case createProject(name: String, description: String)
    case changeProject(ProjectID, ProjectSettingsChange)
    case members(ProjectID)
    case setMember(login: String, uid: Int64?, role: Role?, project: ProjectID)
    case activity(project: ProjectID?, limit: Int)
    case templates(ProjectID)
    case saveTemplate(name: String, manifestText: String, file: String?, team: Bool, project: ProjectID)
    case dryRun(text: String, file: String?, project: ProjectID, workingDirectory: String?)
    case startBuild(StartBuildRequest)
    case cancelBuild(BuildID)
    case rerunBuild(BuildID)
    case listBuilds(project: ProjectID?, limit: Int)
    case showBuild(reference: String, defaultProject: String?)
    case buildByID(BuildID)
    case metrics(BuildID, sinceMs: Int64)
    case queryLog(BuildID, LogQuery)
    case compareWithLastGood(BuildID)
    case readArtifact(BuildID, name: String, offset: Int64, length: Int)
    case notifications(limit: Int)
    case doctor
    /// Live events of one build; with `lines`, its log lines from `fromSeq` on (0 for all, the committed
    /// count for new ones only).
    case subscribeBuild(build: BuildID, fromSeq: Int, lines: Bool)
    case unsubscribeBuild(build: BuildID)
    /// Queued and running builds whenever they change.
    case subscribeDashboard
    /// The caller's own notifications (their builds starting, succeeding, failing).
    case subscribeNotifications
    case stopServer(now: Bool)
}

public struct RequestFrame: Codable, Sendable {
    /// Strictly increasing per connection; the reply carries the same id.
    public var id: UInt64
    public var request: Request
}

/// A reply travels as the request's id (8 bytes, big-endian) and then this body in JSON: the value of
/// the call's own type, or the error. The receiver decodes the body with the type it asked for.
public struct ReplyBody<Value: Codable>: Codable {
    public var value: Value?
    public var error: RemoteError?
}

/// A call with nothing to return.
public struct Done: Codable, Sendable { public init() {} }

enum ReplyCodec {
    static func frame<Value: Codable>(id: UInt64, _ body: ReplyBody<Value>) -> Frame {
        var out = [UInt8]()
        withUnsafeBytes(of: id.bigEndian) { out += $0 }
        out += (try? WireJSON.encoder().encode(body)).map { Array($0) } ?? Array(#"{"error":{"message":"the reply could not be encoded","exitCode":70}}"#.utf8)
        return Frame(kind: .reply, payload: out)
    }

    static func id(of payload: [UInt8]) throws -> UInt64 {
        guard payload.count >= 8 else { throw FrameError.malformed("a reply shorter than its id") }
        return payload[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func body<Value: Codable>(_ type: Value.Type, _ payload: [UInt8]) throws -> ReplyBody<Value> {
        try WireJSON.decode(ReplyBody<Value>.self, Array(payload.dropFirst(8)))
    }
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
    /// The data filesystem's trouble (full, read-only), if any.
    public var storageWarning: String?
    /// The data filesystem's free bytes, and what the server keeps free (queue held, builds stopped under it).
    public var freeBytes: Int64?
    public var minFreeBytes: Int64?
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
