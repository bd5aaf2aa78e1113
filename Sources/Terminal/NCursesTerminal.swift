import Foundation
@preconcurrency import CNCursesW
#if canImport(Glibc)
import Glibc
#endif

public enum TerminalError: Error, CustomStringConvertible, Equatable {
    case notATerminal
    case alreadyOpen
    case cannotInitialize(term: String)

    public var description: String {
        switch self {
        case .notATerminal: "standard input and output must be a terminal for the full-screen interface"
        case .alreadyOpen: "the terminal is already open in this process"
        case .cannotInitialize(let term): "cannot initialize the terminal (TERM=\(term)); check that TERM names a terminfo entry"
        }
    }
}

/// True while ncurses owns the screen. Read by the signal handlers and the exit hook, which must not
/// call endwin twice: a second endwin re-sends the exit sequences after the shell has the terminal back.
nonisolated(unsafe) private var cursesActive = false
nonisolated(unsafe) private var exitHooksInstalled = false

private func restoreTerminalAndReraise(_ signal: Int32) {
    if cursesActive {
        cursesActive = false
        endwin()
    }
    // SA_RESETHAND put back the default action; the signal stays blocked until this handler returns.
    raise(signal)
}

/// Installs, once per process, the hooks that give the terminal back on exit or on a fatal signal.
/// Signals the program already handles or ignores are left alone.
private func installExitHooks() {
    guard !exitHooksInstalled else { return }
    exitHooksInstalled = true
    atexit {
        if cursesActive {
            cursesActive = false
            endwin()
        }
    }
    for sig in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] {
        var old = sigaction()
        guard sigaction(sig, nil, &old) == 0, old.__sigaction_handler.sa_handler == nil,
              old.sa_flags & Int32(truncatingIfNeeded: SA_SIGINFO) == 0 else { continue }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = restoreTerminalAndReraise
        sigemptyset(&action.sa_mask)
        action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
        sigaction(sig, &action, nil)
    }
}

/// The real terminal, through ncurses (wide-character API). One per process.
public final class NCursesTerminal: TerminalBackend, WakeableInput {
    public let capabilities: TerminalCapabilities
    private let window: UnsafeMutablePointer<WINDOW>
    private let screen: OpaquePointer
    private let escapeDelayMs: Int32
    /// 16 or 8 when colours are reduced; 256 otherwise.
    private let basicColorCount: Int
    private let defaultColors: Bool
    private var open = true
    private var suspended = false
    private var lastGrid: Grid?
    private var lastSize = (width: 0, height: 0)
    private var fullRedraw = true
    private var cursorVisible = false
    private var pending: [KeyDecoder.Input] = []
    private var pairs: [Int32: Int16] = [:]
    private var nextPair: Int32 = 1
    private let pairLimit: Int32
    private var wideBuffer: [wchar_t] = []
    private var cchar = cchar_t()

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalError.notATerminal }
        guard !cursesActive else { throw TerminalError.alreadyOpen }
        setlocale(LC_ALL, "")
        installExitHooks()
        // newterm rather than initscr: initscr exits the process when the terminal is unknown.
        let term = environment["TERM"].flatMap { $0.isEmpty ? nil : $0 }
        guard let output = fdopen(STDOUT_FILENO, "w"), let input = fdopen(STDIN_FILENO, "r"),
              let screen = term.map({ newterm($0, output, input) }) ?? newterm(nil, output, input)
        else { throw TerminalError.cannotInitialize(term: term ?? "(unset)") }
        self.screen = screen
        cursesActive = true
        window = cnc_stdscr()

        // raw rather than cbreak: Ctrl+C, Ctrl+Z, Ctrl+S, Ctrl+Q and Ctrl+\ reach the app as keys.
        raw()
        noecho()
        nonl()
        keypad(window, true)
        intrflush(window, false)
        meta(window, true)
        curs_set(0)
        leaveok(window, true)
        let delay = Int32(environment["ESCDELAY"] ?? "").map { min(max($0, 0), 1000) } ?? 25
        escapeDelayMs = delay
        set_escdelay(delay)

        var colors = TerminalCapabilities.Colors.none
        var defaultColors = false
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        if !noColor, has_colors(), start_color() == OK {
            defaultColors = use_default_colors() == OK
            let count = cnc_colors()
            colors = count >= 256 ? .palette256 : count >= 8 ? .sixteen : .none
        }
        self.defaultColors = defaultColors
        basicColorCount = colors == .palette256 ? 256 : cnc_colors() >= 16 ? 16 : 8
        pairLimit = colors == .none ? 0 : min(cnc_color_pairs(), Int32(Int16.max))

        let mouse = mousemask(mmask_t(KeyDecoder.Mask.wanted), nil) != 0
        mouseinterval(0)

        let codeset = cnc_codeset().map { String(cString: $0) } ?? ""
        let unicode = codeset.uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        capabilities = TerminalCapabilities(colors: colors, unicode: unicode, mouse: mouse,
                                            insideTmux: !(environment["TMUX"] ?? "").isEmpty)
    }

    deinit { shutdown() }

    public var size: (width: Int, height: Int) {
        // After shutdown the window is freed; the last size is the best answer.
        open ? (Int(getmaxx(window)), Int(getmaxy(window))) : lastSize
    }

    // MARK: Drawing

    public func present(_ grid: Grid) {
        guard open, !suspended else { return }
        let (columns, rows) = size
        if fullRedraw || lastGrid?.width != grid.width || lastGrid?.height != grid.height
            || lastSize != (columns, rows) {
            werase(window)
            lastGrid = nil
            fullRedraw = false
        }
        let width = min(columns, grid.width)
        var dirty = [Bool](repeating: false, count: width + 1)
        for y in 0..<min(rows, grid.height) {
            markDirty(&dirty, grid: grid, old: lastGrid, y: y, width: width)
            for x in 0..<width where dirty[x] { drawCell(grid, x: x, y: y, columns: width) }
        }
        if let c = grid.cursor, c.x >= 0, c.x < columns, c.y >= 0, c.y < rows {
            wmove(window, Int32(c.y), Int32(c.x))
            setCursor(visible: true)
        } else {
            setCursor(visible: false)
        }
        wrefresh(window)
        lastGrid = grid
        lastSize = (columns, rows)
    }

    /// Cells that differ from the old grid, widened so a wide character is always drawn with its right half.
    private func markDirty(_ dirty: inout [Bool], grid: Grid, old: Grid?, y: Int, width: Int) {
        for x in 0..<dirty.count { dirty[x] = false }
        for x in 0..<width {
            let new = grid[x, y]
            guard let old else { dirty[x] = true; continue }
            let previous = old[x, y]
            guard new != previous else { continue }
            dirty[x] = true
            if new.text.isEmpty || previous.text.isEmpty, x > 0 { dirty[x - 1] = true }
            if CellWidth.of(new.text) == 2 || CellWidth.of(previous.text) == 2 { dirty[x + 1] = true }
        }
    }

    private func drawCell(_ grid: Grid, x: Int, y: Int, columns: Int) {
        let cell = grid[x, y]
        if cell.text.isEmpty {
            // The right half of a wide character is drawn with it; an orphan right half is a blank.
            if x > 0, glyph(for: grid[x - 1, y].text, atLastColumn: x - 1 == columns - 1).width == 2 { return }
            put(" ", style: cell.style, x: x, y: y)
            return
        }
        let g = glyph(for: cell.text, atLastColumn: x == columns - 1)
        put(g.text, style: cell.style, x: x, y: y)
        // The locale's wcwidth says 1 where the grid reserved 2 columns: blank the second one.
        if g.width == 2, g.padRight, x + 1 < columns { put(" ", style: cell.style, x: x + 1, y: y) }
    }

    /// What to draw for a cell's text: control characters removed, ASCII stand-ins without UTF-8, and
    /// characters the locale cannot show replaced. `width` is the columns the grid gave it.
    private func glyph(for text: String, atLastColumn: Bool) -> (text: String, width: Int, padRight: Bool) {
        let gridWidth = CellWidth.of(text)
        let clean = text.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F..<0xA0).contains($0.value) }
        guard clean, gridWidth > 0 else { return (" ", 1, false) }
        if !capabilities.unicode {
            return text.unicodeScalars.allSatisfy(\.isASCII) ? (text, 1, false) : ("?", 1, false)
        }
        if gridWidth == 2 && atLastColumn { return (" ", 1, false) }
        let base = text.unicodeScalars.first!.value
        let localeWidth = cnc_wcwidth(wchar_t(bitPattern: base))
        if localeWidth < 0 || (localeWidth == 2 && gridWidth == 1) { return ("?", gridWidth, gridWidth == 2) }
        return (text, gridWidth, gridWidth == 2 && localeWidth == 1)
    }

    private func put(_ text: String, style: TextStyle, x: Int, y: Int) {
        wideBuffer.removeAll(keepingCapacity: true)
        for scalar in text.unicodeScalars {
            // A cchar_t holds one spacing character followed by a few zero-width ones.
            if !wideBuffer.isEmpty, cnc_wcwidth(wchar_t(bitPattern: scalar.value)) != 0 { break }
            wideBuffer.append(wchar_t(bitPattern: scalar.value))
            if wideBuffer.count == 5 { break }
        }
        wideBuffer.append(0)
        setcchar(&cchar, wideBuffer, attributes(style), colorPair(style), nil)
        mvwadd_wch(window, Int32(y), Int32(x), &cchar)
    }

    private func attributes(_ style: TextStyle) -> attr_t {
        var a = cnc_a_normal()
        if style.bold { a |= cnc_a_bold() }
        if style.dim { a |= cnc_a_dim() }
        if style.underline { a |= cnc_a_underline() }
        if style.reverse { a |= cnc_a_reverse() }
        return a
    }

    /// The colour pair for a style, allocated on first use; pair 0 (the terminal's colours) when the
    /// terminal has no colours or the pairs run out.
    private func colorPair(_ style: TextStyle) -> Int16 {
        guard pairLimit > 0 else { return 0 }
        let fg = colorNumber(style.foreground, fallback: 7)
        let bg = colorNumber(style.background, fallback: 0)
        if fg == -1 && bg == -1 { return 0 }
        let key = Int32(UInt16(bitPattern: fg)) << 16 | Int32(UInt16(bitPattern: bg))
        if let pair = pairs[key] { return pair }
        guard nextPair < pairLimit, init_pair(Int16(nextPair), fg, bg) == OK else { return 0 }
        let pair = Int16(nextPair)
        nextPair += 1
        pairs[key] = pair
        return pair
    }

    private func colorNumber(_ color: TerminalColor, fallback: Int16) -> Int16 {
        switch color {
        case .default: defaultColors ? -1 : fallback
        case .index(let i): Int16(ColorReduction.nearest(i, among: basicColorCount))
        }
    }

    private func setCursor(visible: Bool) {
        guard visible != cursorVisible else { return }
        cursorVisible = visible
        curs_set(visible ? 1 : 0)
        leaveok(window, !visible)
    }

    // MARK: Input

    /// Waits up to `timeoutMs` (negative: without limit) for one key; inputs that decode to nothing
    /// (mouse releases, unknown codes) are skipped while time remains.
    public func readKey(timeoutMs: Int) -> Key? {
        guard open, !suspended else { return nil }
        let deadline = timeoutMs < 0 ? nil : DispatchTime.now().uptimeNanoseconds / 1_000_000 + UInt64(timeoutMs)
        while true {
            let input: KeyDecoder.Input
            if !pending.isEmpty {
                input = pending.removeFirst()
            } else {
                let now = DispatchTime.now().uptimeNanoseconds / 1_000_000
                let wait = deadline.map { $0 > now ? Int($0 - now) : 0 } ?? -1
                guard let read = readInput(timeoutMs: wait) else { return nil }
                input = read
            }
            let decoded = KeyDecoder.decode(input) { readInput(timeoutMs: Int(escapeDelayMs)) }
            if let unused = decoded.unused { pending.append(unused) }
            if decoded.key == .resize { fullRedraw = true }
            if let key = decoded.key { return key }
            if let deadline, DispatchTime.now().uptimeNanoseconds / 1_000_000 >= deadline { return nil }
        }
    }

    /// Waits for a key or for `wakeFD` to become readable (another thread has news for the loop), so an
    /// idle application sleeps in poll(2) instead of waking for every frame tick.
    public func readKey(timeoutMs: Int, wakeFD: Int32) -> Key? {
        // What ncurses already holds (the rest of an escape sequence) comes first.
        if let key = readKey(timeoutMs: 0) { return key }
        guard open, !suspended else { return nil }
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 2, Int32(clamping: timeoutMs)) > 0 else { return nil }
        if fds[1].revents != 0 {
            var sink = [UInt8](repeating: 0, count: 64)
            while read(wakeFD, &sink, sink.count) > 0 {}
        }
        return fds[0].revents != 0 ? readKey(timeoutMs: 0) : nil
    }

    private func readInput(timeoutMs: Int) -> KeyDecoder.Input? {
        wtimeout(window, Int32(clamping: timeoutMs))
        var ch: wint_t = 0
        switch wget_wch(window, &ch) {
        case OK:
            return .character(UInt32(ch))
        case Int32(cnc_key_code_yes()):
            guard Int32(ch) == KeyDecoder.Code.mouse else { return .keyCode(Int32(ch)) }
            var event = MEVENT()
            guard getmouse(&event) == OK else { return .keyCode(Int32(ch)) }
            return .mouse(.init(buttons: UInt32(event.bstate), x: Int(event.x), y: Int(event.y)))
        default:
            return nil
        }
    }

    // MARK: Leaving the screen

    public func suspend() {
        guard open, !suspended else { return }
        suspended = true
        def_prog_mode()
        endwin()
        cursesActive = false
        fflush(nil)
    }

    public func resume() {
        guard open, suspended else { return }
        suspended = false
        cursesActive = true
        reset_prog_mode()
        clearok(window, true)
        wrefresh(window)
        fullRedraw = true
    }

    /// Ctrl+Z: gives the shell the terminal, stops the process, and takes the screen back after `fg`.
    public func suspendToShell() {
        suspend()
        raise(SIGSTOP)
        resume()
    }

    public func writeRaw(_ bytes: [UInt8]) {
        fflush(nil)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
    }

    /// Through ncurses, so the bell goes out with its own buffered output rather than beside it.
    public func bell() {
        guard open, !suspended else { return }
        beep()
    }

    public func shutdown() {
        guard open else { return }
        open = false
        if !suspended { endwin() }
        cursesActive = false
        delscreen(screen)
        fflush(nil)
    }
}
