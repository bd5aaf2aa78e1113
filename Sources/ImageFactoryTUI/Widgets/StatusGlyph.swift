import ImageFactoryCore
import Terminal

extension Glyphs {
    func status(_ s: BuildStatus, frame: Int) -> String {
        switch s {
        case .succeeded: succeeded
        case .failed: failed
        case .cancelled: cancelled
        case .interrupted: interrupted
        case .running: spinner[frame % spinner.count]
        case .queued: queued
        }
    }

    func step(_ s: StepStatus, frame: Int) -> String {
        switch s {
        case .succeeded: succeeded
        case .failed: failed
        case .cancelled, .skipped: cancelled
        case .interrupted: interrupted
        case .running: spinner[frame % spinner.count]
        case .pending: queued
        }
    }
}

extension Theme {
    func style(for s: BuildStatus) -> TextStyle {
        switch s {
        case .succeeded: success
        case .failed: error
        case .cancelled, .interrupted: cancelled
        case .running: running
        case .queued: queued
        }
    }

    func style(for s: StepStatus) -> TextStyle {
        switch s {
        case .succeeded: success
        case .failed: error
        case .cancelled, .skipped, .interrupted: cancelled
        case .running: running
        case .pending: queued
        }
    }
}
