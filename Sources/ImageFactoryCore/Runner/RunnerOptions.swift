import Foundation

public struct RunnerOptions: Sendable {
    /// How often metrics are sampled.
    public var sampleInterval: Duration
    /// How often log lines are committed to the store (the batch period of DESIGN.md).
    public var flushInterval: Duration
    /// Time between SIGTERM and SIGKILL on cancel or timeout.
    public var killGrace: Duration
    /// How often the runner checks whether someone asked to cancel the build.
    public var cancelPollInterval: Duration
    /// Bytes to keep free on the data filesystem: a build whose log would go under it is stopped first
    /// (the server's `--min-free`, passed to its runners as IMAGEFACTORY_MIN_FREE). Nil: only a full disk stops it.
    public var minFreeBytes: Int64? = nil

    public init(sampleInterval: Duration = .seconds(1), flushInterval: Duration = .milliseconds(100),
                killGrace: Duration = .seconds(5), cancelPollInterval: Duration = .milliseconds(200)) {
        self.sampleInterval = sampleInterval
        self.flushInterval = flushInterval
        self.killGrace = killGrace
        self.cancelPollInterval = cancelPollInterval
    }

    /// Defaults, overridable by `IMAGEFACTORY_SAMPLE_MS` and `IMAGEFACTORY_KILL_GRACE_MS`.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> RunnerOptions {
        var o = RunnerOptions()
        if let ms = env["IMAGEFACTORY_SAMPLE_MS"].flatMap(Int64.init), ms >= 50 { o.sampleInterval = .milliseconds(ms) }
        if let ms = env["IMAGEFACTORY_KILL_GRACE_MS"].flatMap(Int64.init), ms >= 0 { o.killGrace = .milliseconds(ms) }
        if let bytes = env["IMAGEFACTORY_MIN_FREE"].flatMap(Int64.init), bytes > 0 { o.minFreeBytes = bytes }
        return o
    }
}
