import Foundation

/// The framing of every message on the socket:
/// `"IF"` magic (2 bytes), protocol version (1), kind (1), payload length (4, big-endian), payload.
/// JSON payloads for requests, replies and events; a compact binary payload for log lines.
public enum WireProtocol {
    public static let magic: [UInt8] = [0x49, 0x46]
    public static let version: UInt8 = 1
    public static let headerSize = 8
    /// A client never needs more than this for a request (the largest is a manifest).
    public static let maxRequestPayload = 1 << 20
    /// Replies and events from the server (a page of log lines is the largest).
    public static let maxServerPayload = 64 << 20
}

public enum FrameKind: UInt8, Sendable {
    case request = 1
    case reply = 2
    case event = 3
    case logLines = 4
    /// A fatal protocol error: the sender closes the connection after it.
    case error = 5
}

public struct Frame: Sendable {
    public var kind: FrameKind
    public var payload: [UInt8]

    public init(kind: FrameKind, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }

    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(WireProtocol.headerSize + payload.count)
        out += WireProtocol.magic
        out.append(WireProtocol.version)
        out.append(kind.rawValue)
        let n = UInt32(payload.count)
        out += [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
        out += payload
        return out
    }
}

public enum FrameError: Error, Sendable, CustomStringConvertible, Equatable {
    case badMagic([UInt8])
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    case tooLarge(Int, limit: Int)
    case unexpectedKind(FrameKind)
    case malformed(String)
    case outOfOrder(got: UInt64, after: UInt64)
    /// The peer closed the connection (cleanly between frames when `midFrame` is false).
    case closed(midFrame: Bool)

    public var description: String {
        switch self {
        case .badMagic(let b):
            "not an Image Factory frame: it starts with bytes \(b.map { String(format: "%02x", $0) }.joined(separator: " ")), not 49 46 (\"IF\")"
        case .unsupportedVersion(let v):
            "protocol version \(v) is not supported: this side speaks version \(WireProtocol.version)"
        case .unknownKind(let k): "unknown frame kind \(k)"
        case .tooLarge(let n, let limit): "frame payload of \(n) bytes exceeds the limit of \(limit) bytes"
        case .unexpectedKind(let k): "a \(k) frame is not allowed here"
        case .malformed(let why): "malformed message: \(why)"
        case .outOfOrder(let got, let after): "out-of-order request id \(got) after \(after): ids must increase"
        case .closed(let midFrame): midFrame ? "the connection closed in the middle of a frame" : "the connection closed"
        }
    }
}

/// Validates a header and returns the frame's kind and payload length.
public func parseFrameHeader(_ header: [UInt8], limit: Int) throws(FrameError) -> (FrameKind, Int) {
    precondition(header.count == WireProtocol.headerSize)
    guard header[0] == WireProtocol.magic[0], header[1] == WireProtocol.magic[1] else {
        throw .badMagic(Array(header[0..<2]))
    }
    guard header[2] == WireProtocol.version else { throw .unsupportedVersion(header[2]) }
    guard let kind = FrameKind(rawValue: header[3]) else { throw .unknownKind(header[3]) }
    let length = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
    guard length <= limit else { throw .tooLarge(length, limit: limit) }
    return (kind, length)
}
