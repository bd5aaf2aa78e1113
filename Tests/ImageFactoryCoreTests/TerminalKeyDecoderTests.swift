import Testing
@testable import Terminal

@Suite("Terminal key decoding")
struct TerminalKeyDecoderTests {
    private func decode(_ input: KeyDecoder.Input, then following: [KeyDecoder.Input] = []) -> (Key?, KeyDecoder.Input?) {
        var queue = following
        let result = KeyDecoder.decode(input) { queue.isEmpty ? nil : queue.removeFirst() }
        return (result.key, result.unused)
    }

    private func key(_ c: UInt32) -> Key? { decode(.character(c)).0 }
    private func code(_ c: Int32) -> Key? { decode(.keyCode(c)).0 }

    @Test func printableCharactersArriveAsCharacters() {
        #expect(key(0x61) == .character("a"))
        #expect(key(0x20) == .character(" "))
        #expect(key(0x3F) == .character("?"))
        #expect(key(0xE9) == .character("é"))
        #expect(key(0x754C) == .character("界"))
        #expect(key(0x1F600) == .character("😀"))
    }

    @Test func controlBytesArriveAsCtrlLetters() {
        #expect(key(0x01) == .control("a"))
        #expect(key(0x0B) == .control("k"))
        #expect(key(0x0C) == .control("l"))
        #expect(key(0x03) == .control("c"))
        #expect(key(0x1A) == .control("z"))
        #expect(key(0x00) == .control(" "))
        #expect(key(0x1C) == .control("\\"))
        #expect(key(0x1D) == .control("]"))
    }

    @Test func ctrlSlashArrivesAsUnitSeparator() {
        #expect(key(0x1F) == .control("/"))
        #expect(Key(name: "ctrl+/") == key(0x1F))
    }

    @Test func tabEnterAndBackspaceVariants() {
        #expect(key(0x09) == .tab)
        // Enter, Ctrl+M and Ctrl+J are indistinguishable on a terminal.
        #expect(key(0x0A) == .enter)
        #expect(key(0x0D) == .enter)
        #expect(code(KeyDecoder.Code.enter) == .enter)
        #expect(key(0x08) == .backspace)
        #expect(key(0x7F) == .backspace)
        #expect(code(KeyDecoder.Code.backspace) == .backspace)
    }

    @Test func escapeFollowedByAKeyIsAlt() {
        #expect(decode(.character(27), then: [.character(0x78)]) == (.alt("x"), nil))
        #expect(decode(.character(27), then: [.character(0x58)]) == (.alt("X"), nil))
        #expect(decode(.character(27), then: [.character(0x2E)]) == (.alt("."), nil))
        #expect(decode(.character(27), then: [.character(0x0D)]) == (.alt("\n"), nil))
        #expect(Key(name: "alt+x") == .alt("x"))
    }

    @Test func loneOrDoubledEscapeIsEscape() {
        #expect(decode(.character(27)) == (.escape, nil))
        #expect(decode(.character(27), then: [.character(27)]) == (.escape, nil))
    }

    @Test func escapeBeforeAnotherKindOfKeyLeavesThatKeyForLater() {
        let up = KeyDecoder.Input.keyCode(KeyDecoder.Code.up)
        #expect(decode(.character(27), then: [up]) == (.escape, up))
        #expect(decode(.character(27), then: [.character(0x0B)]) == (.escape, .character(0x0B)))
    }

    @Test func keypadCodesMapToNamedKeys() {
        #expect(code(KeyDecoder.Code.up) == .up)
        #expect(code(KeyDecoder.Code.down) == .down)
        #expect(code(KeyDecoder.Code.left) == .left)
        #expect(code(KeyDecoder.Code.right) == .right)
        #expect(code(KeyDecoder.Code.home) == .home)
        #expect(code(KeyDecoder.Code.end) == .end)
        #expect(code(KeyDecoder.Code.pageDown) == .pageDown)
        #expect(code(KeyDecoder.Code.pageUp) == .pageUp)
        #expect(code(KeyDecoder.Code.delete) == .delete)
        #expect(code(KeyDecoder.Code.insert) == .insert)
        #expect(code(KeyDecoder.Code.backTab) == .backTab)
    }

    @Test func functionKeysKeepTheirNumber() {
        #expect(code(KeyDecoder.Code.f(1)) == .function(1))
        #expect(code(KeyDecoder.Code.f(5)) == .function(5))
        #expect(code(KeyDecoder.Code.f(12)) == .function(12))
        #expect(code(KeyDecoder.Code.f(24)) == .function(24))
        #expect(code(KeyDecoder.Code.f(0)) == nil)
    }

    @Test func resizeIsAKey() {
        #expect(code(KeyDecoder.Code.resize) == .resize)
    }

    @Test func unknownCodesAndStrayControlsDecodeToNothing() {
        #expect(code(KeyDecoder.Code.mouse) == nil)
        #expect(code(0x7FFF) == nil)
        #expect(key(0x85) == nil)
    }

    @Test func mouseButtonsAndWheelDecode() {
        func mouse(_ buttons: UInt32, _ x: Int = 7, _ y: Int = 3) -> Key? {
            decode(.mouse(.init(buttons: buttons, x: x, y: y))).0
        }
        let m = KeyDecoder.Mask.self
        #expect(mouse(m.button1Pressed) == .mouse(MouseEvent(kind: .leftClick, x: 7, y: 3)))
        #expect(mouse(m.button1Clicked, 0, 0) == .mouse(MouseEvent(kind: .leftClick, x: 0, y: 0)))
        #expect(mouse(m.button2Pressed) == .mouse(MouseEvent(kind: .middleClick, x: 7, y: 3)))
        #expect(mouse(m.button3Pressed) == .mouse(MouseEvent(kind: .rightClick, x: 7, y: 3)))
        #expect(mouse(m.button3Clicked) == .mouse(MouseEvent(kind: .rightClick, x: 7, y: 3)))
        #expect(mouse(m.button4Pressed, 40, 12) == .mouse(MouseEvent(kind: .wheelUp, x: 40, y: 12)))
        #expect(mouse(m.button5Pressed, 40, 12) == .mouse(MouseEvent(kind: .wheelDown, x: 40, y: 12)))
        // Releases are not asked for; if one comes anyway it means nothing.
        #expect(mouse(0) == nil)
        #expect(m.wanted & (m.button4Pressed | m.button5Pressed | m.button3Pressed) == m.button4Pressed | m.button5Pressed | m.button3Pressed)
    }
}
