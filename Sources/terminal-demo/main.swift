// A small full-screen program for checking the ncurses backend by hand and from the tmux tests:
// draws a coloured title, wide characters, the terminal's size and capabilities, echoes every key with
// a running count (so a repeated key shows as a change), suspends on Ctrl+Z and quits on q.
import Foundation
import Terminal

let terminal: NCursesTerminal
do {
    terminal = try NCursesTerminal()
} catch {
    try? FileHandle.standardError.write(contentsOf: Data("terminal-demo: \(error)\n".utf8))
    exit(1)
}

var lastKey = "none"
var keyCount = 0
/// "w" cycles the second line through variants that move wide characters, to exercise partial redraws.
let wideLines = ["wide: 界|emoji: 😀|end", "wide: ab|emoji: cd|end", "wide:  界|emoji:😀 |end"]
var wideLine = 0

func render(_ terminal: NCursesTerminal, lastKey: String, count: Int, wide: String) {
    let (width, height) = terminal.size
    var grid = Grid(width: width, height: height)
    let caps = terminal.capabilities
    grid.fill(Rect(x: 0, y: 0, width: width, height: 1), style: TextStyle(background: .blue))
    grid.put("Terminal demo", x: 0, y: 0, style: TextStyle(foreground: .index(208), background: .blue, bold: true))
    grid.put(wide, x: 0, y: 1)
    grid.put("size: \(width)x\(height) colors: \(caps.colors) unicode: \(caps.unicode) tmux: \(caps.insideTmux) mouse: \(caps.mouse)", x: 0, y: 2)
    grid.put("key \(count): \(lastKey)", x: 0, y: 3, style: TextStyle(reverse: true))
    grid.put("pid: \(getpid())", x: 0, y: 4)
    grid.put("press q to quit", x: 0, y: height - 1, style: TextStyle(foreground: .green, dim: true))
    terminal.present(grid)
}

render(terminal, lastKey: lastKey, count: keyCount, wide: wideLines[wideLine])
while true {
    guard let key = terminal.readKey(timeoutMs: 1000) else { continue }
    keyCount += 1
    switch key {
    case .character("q"):
        terminal.shutdown()
        exit(0)
    case .character("w"):
        wideLine = (wideLine + 1) % wideLines.count
        lastKey = key.name
    case .control("z"):
        terminal.suspendToShell()
        lastKey = "resumed"
    case .mouse(let m):
        lastKey = "\(key.name)@\(m.x),\(m.y)"
    default:
        lastKey = key.name
    }
    render(terminal, lastKey: lastKey, count: keyCount, wide: wideLines[wideLine])
}
