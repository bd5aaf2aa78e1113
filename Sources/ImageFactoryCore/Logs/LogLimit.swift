import Foundation

/// How much of a build's output its log keeps: a size of text, a number of lines, or both (the first
/// reached applies). Lines past it are counted, not stored, so a runaway build cannot take the disk.
///
/// Spelled `1GiB`, `512MiB`, `2000000 lines` (also `2_000_000 lines`, `2,000,000 lines`), or both joined
/// by ` or `. The server's default is ``standard``; a project may set its own, and a manifest may lower
/// the project's, never raise it.
public struct LogLimit: Sendable, Hashable, Codable, CustomStringConvertible {
    public var maxBytes: Int64?
    public var maxLines: Int64?

    public init(maxBytes: Int64? = nil, maxLines: Int64? = nil) {
        self.maxBytes = maxBytes
        self.maxLines = maxLines
    }

    /// 1 GiB of text: GitLab's 4 MB job log is too small to debug a compiler's output in; a gigabyte is
    /// about ten million lines, and still reads back in a few seconds.
    public static let standard = LogLimit(maxBytes: 1 << 30)

    public init?(parsing text: String) {
        var bytes: Int64?
        var lines: Int64?
        for part in text.lowercased().components(separatedBy: " or ") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("lines") || trimmed.hasSuffix("line") {
                let digits = trimmed.drop(while: { $0 == " " }).prefix(while: { $0.isNumber || $0 == "_" || $0 == "," })
                let rest = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
                guard rest == "lines" || rest == "line", lines == nil,
                      let n = Int64(digits.filter(\.isNumber)), n > 0 else { return nil }
                lines = n
            } else {
                // A bare number could mean bytes or lines: a unit must say which.
                guard bytes == nil, trimmed.contains(where: \.isLetter), let size = ByteCount(parsing: trimmed) else { return nil }
                bytes = size.bytes
            }
        }
        guard bytes != nil || lines != nil else { return nil }
        maxBytes = bytes
        maxLines = lines
    }

    /// The tighter of two limits, bound by bound.
    public func tightened(by other: LogLimit?) -> LogLimit {
        guard let other else { return self }
        func least(_ a: Int64?, _ b: Int64?) -> Int64? { [a, b].compactMap { $0 }.min() }
        return LogLimit(maxBytes: least(maxBytes, other.maxBytes), maxLines: least(maxLines, other.maxLines))
    }

    /// `1.0 GiB`, `2,000,000 lines`, `512 MiB or 2,000,000 lines`.
    public var description: String {
        [maxBytes.map { ByteCount(bytes: $0).description }, maxLines.map { "\(DisplayFormat.grouped($0)) lines" }]
            .compactMap { $0 }.joined(separator: " or ")
    }

    /// The spelling a manifest or a project setting takes back: `1GiB`, `2000000 lines`.
    public var manifestText: String {
        [maxBytes.map { ByteCount(bytes: $0).exactDescription }, maxLines.map { "\($0) lines" }]
            .compactMap { $0 }.joined(separator: " or ")
    }
}

/// What the build does when its log reaches the limit.
public enum LogLimitAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Drop further lines, count them, and let the build finish.
    case `continue`
    /// Stop the build and fail it, naming the limit.
    case fail
}
