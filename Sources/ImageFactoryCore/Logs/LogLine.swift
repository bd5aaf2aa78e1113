/// One stored line as the reader returns it.
public struct LogLine: Sendable, Hashable, Codable {
    /// 0-based position in the build's log.
    public var seq: Int
    /// Milliseconds since the build started.
    public var timeMs: UInt32
    public var step: UInt16
    public var level: LogLevel
    public var stream: LogStream
    /// Sanitized text without escape sequences.
    public var text: String
    /// Sanitized text with SGR colour sequences kept; equals `text` when the line had no colour.
    public var display: String

    public init(seq: Int, timeMs: UInt32, step: UInt16, level: LogLevel, stream: LogStream, text: String, display: String) {
        self.seq = seq
        self.timeMs = timeMs
        self.step = step
        self.level = level
        self.stream = stream
        self.text = text
        self.display = display
    }
}

/// The lines of one step: `lines` runs from its first to past its last line (other steps' lines may
/// fall inside when steps interleave; `lineCount` counts only this step's).
public struct LogStepRange: Sendable, Hashable, Codable {
    public var step: UInt16
    public var lines: Range<Int>
    public var lineCount: Int

    public init(step: UInt16, lines: Range<Int>, lineCount: Int) {
        self.step = step
        self.lines = lines
        self.lineCount = lineCount
    }
}
