import Foundation

/// Which of its step's commands the runner is in: `index` (from 1) of `count`.
public struct CommandPosition: Codable, Sendable, Hashable {
    /// The plan step (`Step.idx`).
    public var step: Int
    public var index: Int
    public var count: Int

    public init(step: Int, index: Int, count: Int) {
        self.step = step
        self.index = index
        self.count = count
    }
}

/// How far a build is, from what is known of it, and what that is based on.
///
/// Every plan step weighs the same (so `step 3/4` reads as it sounds). Within the running step, in order of trust:
/// the command it is in (`command 2/3` puts it between 1/3 and 2/3 of the step), the build tool's own progress
/// (nix builds done of expected, BuildKit bytes) within that command, else the time spent against the median
/// duration of the same step in earlier successful builds of the same manifest, kept inside the command's share.
public struct BuildProgress: Sendable, Hashable {
    /// 0...1.
    public var fraction: Double
    /// What the figure is based on: `step 3/4, command 2/3`, `step 2/3, ~40% of the step by earlier runs`.
    public var basis: String

    public var percent: Int { Int((fraction * 100).rounded(.down)) }

    public init(fraction: Double, basis: String) {
        self.fraction = fraction
        self.basis = basis
    }

    /// - Parameters:
    ///   - earlierStepDurations: median seconds of each step (by `Step.idx`) in earlier builds; nil where unknown.
    public static func of(status: BuildStatus, steps: [Step], toolSteps: [ToolStep], command: CommandPosition?,
                          earlierStepDurations: [Double?], now: Date = Date()) -> BuildProgress {
        if status == .succeeded { return BuildProgress(fraction: 1, basis: "done") }
        guard !steps.isEmpty else { return BuildProgress(fraction: 0, basis: "no steps") }
        let total = Double(steps.count)
        let done = steps.filter { $0.status == .succeeded }.count
        let stepsDone = "\(done)/\(steps.count) steps"
        guard status == .running, let position = steps.firstIndex(where: { $0.status == .running }) else {
            return BuildProgress(fraction: Double(done) / total, basis: stepsDone)
        }
        let step = steps[position]
        var parts = ["step \(position + 1)/\(steps.count)"]
        // The running command's share of the step.
        var low = 0.0, high = 1.0
        if let command, command.step == step.idx, command.count > 1, (1...command.count).contains(command.index) {
            low = Double(command.index - 1) / Double(command.count)
            high = Double(command.index) / Double(command.count)
            parts.append("command \(command.index)/\(command.count)")
        }
        var within = low
        let tool = toolSteps.last { $0.stepIdx == step.idx && $0.status == .running && $0.percent != nil }
        let median = step.idx < earlierStepDurations.count ? earlierStepDurations[step.idx] : nil
        if let tool, let doneUnits = tool.done, let expected = tool.expected, expected > 0 {
            let t = min(1, max(0, Double(doneUnits) / Double(expected)))
            within = low + (high - low) * t
            parts.append("\(tool.name.count > 24 ? tool.name.prefix(23) + "…" : tool.name) \(Int(t * 100))%")
        } else if let median, median > 0, let elapsed = step.startedAt.map({ now.timeIntervalSince($0) }) {
            let t = min(0.99, max(0, elapsed / median))
            within = min(high, max(low, t))
            parts.append("~\(Int(t * 100))% of the step by earlier runs")
        }
        let fraction = min(1, max(0, (Double(done) + within) / total))
        return BuildProgress(fraction: fraction, basis: parts.joined(separator: ", "))
    }
}
