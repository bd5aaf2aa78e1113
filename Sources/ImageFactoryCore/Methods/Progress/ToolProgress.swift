/// What one line of a build tool's own output says about the build's progress.
public enum ToolProgressEvent: Sendable, Hashable {
    /// A step began: a BuildKit vertex, a podman `STEP n/m`, a nix build activity, a packer builder stage.
    /// `group` names a step group (a platform such as `linux/arm64`, a packer build name); nil for none.
    case started(key: String, name: String, group: String?)
    /// The step was satisfied from the tool's cache.
    case cached(key: String)
    /// Progress of a step in the tool's own units (nix done of expected, BuildKit bytes); `expected` nil when unknown.
    case progress(key: String, done: Int64, expected: Int64?)
    case finished(key: String)
    /// The step failed; `message` is the tool's own error for it, when the line says.
    case failed(key: String, message: String?)
    /// The tool's own error for the whole build (BuildKit `ERROR`, podman `Error:`, nix `msg` at level 0,
    /// packer `ui,error`): the build's failure reason.
    case error(String)
    /// Something the tool produced: a packer artifact file, a nix output path.
    case artifact(path: String, kind: String?)
    /// An identity of the result: a nix output store path, an image id.
    case fingerprint(String)
}

/// What a parser made of one line.
public struct ToolLine: Sendable, Hashable {
    public var events: [ToolProgressEvent]
    /// The key of the step the line belongs to, when the tool says (BuildKit's `#5 ...`).
    public var stepKey: String?
    /// A level the parser is sure of; nil keeps the log classifier's.
    public var level: LogLevel?

    public init(events: [ToolProgressEvent] = [], stepKey: String? = nil, level: LogLevel? = nil) {
        self.events = events
        self.stepKey = stepKey
        self.level = level
    }
}

/// Turns a tool's output, one line at a time (stdout and stderr merged, in arrival order), into progress events.
public protocol ToolProgressParser: Sendable {
    mutating func parse(_ line: String) -> ToolLine
    /// Called once when the tool has exited: close what is still open.
    mutating func finish(succeeded: Bool) -> [ToolProgressEvent]
}
