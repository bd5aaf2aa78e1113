/// A screen the TUI draws on: the real terminal (ncurses) or an in-memory one for tests.
public protocol TerminalBackend: AnyObject {
    /// Current size in cells.
    var size: (width: Int, height: Int) { get }
    /// What the terminal can show: colours (256, 16 or none) and whether UTF-8 glyphs are safe.
    var capabilities: TerminalCapabilities { get }
    /// Draws a frame: only the cells that differ from the previous frame, in one write.
    func present(_ grid: Grid)
    /// Waits up to `timeoutMs` (0: don't wait) for one input event.
    func readKey(timeoutMs: Int) -> Key?
    /// Leaves the full screen (for $EDITOR or Ctrl+Z) and restores it.
    func suspend()
    func resume()
    /// Sends bytes straight to the terminal (OSC 52 clipboard, OSC 9 notifications), outside the grid.
    func writeRaw(_ bytes: [UInt8])
    /// Rings the terminal bell.
    func bell()
    /// Restores the terminal for good.
    func shutdown()
}

/// A terminal whose wait for input another thread can cut short through a file descriptor.
public protocol WakeableInput {
    func readKey(timeoutMs: Int, wakeFD: Int32) -> Key?
}

extension TerminalBackend {
    public func bell() { writeRaw([0x07]) }

    /// Copies `text` to the clipboard with OSC 52; inside tmux the forms follow tmux's options (`tmux` asks it).
    /// Returns what was sent and whether it reaches anything; nil when the text is too large (nothing sent).
    public func copyToClipboard(_ text: String,
                                tmux: () -> TmuxClipboardSettings = { TmuxClipboardSettings.query() }) -> ClipboardWrite? {
        guard let write = OSC52.write(for: text, tmux: capabilities.insideTmux ? tmux() : nil) else { return nil }
        writeRaw(write.bytes)
        return write
    }
}

public struct TerminalCapabilities: Sendable, Hashable {
    public enum Colors: Sendable, Hashable { case none, sixteen, palette256 }
    public var colors: Colors
    public var unicode: Bool
    public var mouse: Bool
    /// Running inside tmux: OSC sequences must be wrapped in a DCS passthrough.
    public var insideTmux: Bool

    public init(colors: Colors, unicode: Bool, mouse: Bool, insideTmux: Bool) {
        self.colors = colors
        self.unicode = unicode
        self.mouse = mouse
        self.insideTmux = insideTmux
    }
}

/// The test backend: a fixed-size screen in memory with a queue of keys to read.
public final class MemoryTerminal: TerminalBackend {
    public private(set) var screen: Grid
    public private(set) var frames = 0
    public private(set) var rawWrites: [[UInt8]] = []
    public var pendingKeys: [Key] = []
    public var capabilities: TerminalCapabilities
    public private(set) var suspended = false

    public init(width: Int, height: Int,
                capabilities: TerminalCapabilities = .init(colors: .palette256, unicode: true, mouse: true, insideTmux: false)) {
        screen = Grid(width: width, height: height)
        self.capabilities = capabilities
    }

    public var size: (width: Int, height: Int) { (screen.width, screen.height) }

    public func resize(width: Int, height: Int) {
        screen = Grid(width: width, height: height)
        pendingKeys.append(.resize)
    }

    public func present(_ grid: Grid) {
        screen = grid
        frames += 1
    }

    public func readKey(timeoutMs: Int) -> Key? { pendingKeys.isEmpty ? nil : pendingKeys.removeFirst() }
    public func suspend() { suspended = true }
    public func resume() { suspended = false }
    public func writeRaw(_ bytes: [UInt8]) { rawWrites.append(bytes) }
    public func shutdown() {}
}
