import Foundation
import Testing
@testable import Terminal

@Suite("Terminal backend")
struct TerminalBackendTests {
    @Test func basicColoursStayAndPaletteColoursMapToTheNearestBasicOne() {
        #expect(ColorReduction.nearest(3, among: 16) == 3)
        #expect(ColorReduction.nearest(12, among: 16) == 12)
        #expect(ColorReduction.nearest(12, among: 8) == 4)
        #expect(ColorReduction.nearest(196, among: 16) == 9)   // bright red
        #expect(ColorReduction.nearest(196, among: 8) == 1)
        #expect(ColorReduction.nearest(208, among: 8) == 3)    // orange: yellow
        #expect(ColorReduction.nearest(21, among: 16) == 4)    // blue
        #expect(ColorReduction.nearest(232, among: 16) == 0)   // near black
        #expect(ColorReduction.nearest(255, among: 16) == 7)   // light grey
        #expect(ColorReduction.nearest(231, among: 16) == 15)  // white
        #expect(ColorReduction.nearest(244, among: 16) == 8)   // mid grey
    }

    @Test(.enabled(if: isatty(STDIN_FILENO) == 0 || isatty(STDOUT_FILENO) == 0,
                   "stdin and stdout are a terminal here: opening it would take the screen over"))
    func openingWithoutATerminalFailsClearly() {
        #expect(throws: TerminalError.notATerminal) { _ = try NCursesTerminal() }
    }
}
