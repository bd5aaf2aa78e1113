import Foundation
import Testing
@testable import ImageFactoryCore

@Suite struct LogSanitizerTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Decoding repairs invalid input, so it round-trips exactly when the bytes were valid.
    private func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes)
    }

    @Test func printableASCIIIsPassedThroughWithoutACopy() {
        let line = bytes("Step 1/3 : FROM debian\twith a tab")
        var scratch = LogSanitizer.Scratch()
        line.withUnsafeBytes { raw in
            #expect(LogSanitizer.isPrintableASCII(raw))
            LogSanitizer.sanitize(raw, scratch: &scratch) { plain, display in
                #expect(plain.baseAddress == raw.baseAddress)
                #expect(plain.count == raw.count)
                #expect(display == nil)
            }
        }
    }

    @Test func sgrColourIsKeptForDisplayAndStrippedFromPlain() {
        let result = LogSanitizer.sanitize("\u{1B}[1;32m==> null: done\u{1B}[0m and \u{1B}[38;5;196mred\u{1B}[m")
        #expect(result.plain == "==> null: done and red")
        #expect(result.display == "\u{1B}[1;32m==> null: done\u{1B}[0m and \u{1B}[38;5;196mred\u{1B}[m")
        var scratch = LogSanitizer.Scratch()
        bytes("\u{1B}[31merror\u{1B}[0m").withUnsafeBytes { raw in
            LogSanitizer.sanitize(raw, scratch: &scratch) { plain, display in
                #expect(String(decoding: plain, as: UTF8.self) == "error")
                #expect(display.map { String(decoding: $0, as: UTF8.self) } == "\u{1B}[31merror\u{1B}[0m")
            }
        }
    }

    @Test func oscClipboardTitleAndHyperlinkSequencesAreRemovedFromBoth() {
        let clipboard = LogSanitizer.sanitize("before\u{1B}]52;c;ZXZpbCBjb21tYW5k\u{07}after")
        #expect(clipboard.plain == "beforeafter")
        #expect(clipboard.display == "beforeafter")
        let title = LogSanitizer.sanitize("\u{1B}]0;pwned title\u{1B}\\text")
        #expect(title == (plain: "text", display: "text"))
        let link = LogSanitizer.sanitize("\u{1B}]8;;https://evil.example\u{1B}\\click\u{1B}]8;;\u{1B}\\")
        #expect(link == (plain: "click", display: "click"))
        let unterminated = LogSanitizer.sanitize("x\u{1B}]52;c;AAAA")
        #expect(unterminated == (plain: "x", display: "x"))
    }

    @Test func cursorMovementAndEveryOtherEscapeAreRemovedFromBoth() {
        let raw = "a\u{1B}[2J\u{1B}[H\u{1B}[1A\u{1B}[5;10H\u{1B}[?25l\u{1B}[?1049h\u{1B}[6n\u{1B}[0 q"
            + "b\u{1B}P1$r0m\u{1B}\\c\u{1B}_apc payload\u{1B}\\d\u{1B}(0e\u{1B}7\u{1B}8\u{1B}c\u{1B}Mf\u{1B}[?1m\u{1B}[>4;1mg"
        let result = LogSanitizer.sanitize(raw)
        #expect(result.plain == "abcdefg")
        #expect(result.display == "abcdefg")
    }

    @Test func cutOffEscapesAreDropped() {
        #expect(LogSanitizer.sanitize("text\u{1B}") == (plain: "text", display: "text"))
        #expect(LogSanitizer.sanitize("text\u{1B}[31") == (plain: "text", display: "text"))
        #expect(LogSanitizer.sanitize("a\u{1B}[3\u{1}1mb") == (plain: "a1mb", display: "a1mb"))
    }

    @Test func invalidUTF8IsReplacedAndValidTextKept() {
        let raw: [UInt8] = [0x61, 0xFF, 0x62, 0xC3, 0x28, 0xE2, 0x82] + bytes(" héllo ✓ 😀") + [0xED, 0xA0, 0x80, 0xF0, 0x9F]
        let result = LogSanitizer.sanitize(raw)
        #expect(result.plain == "a\u{FFFD}b\u{FFFD}(\u{FFFD} héllo ✓ 😀\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(result.display == result.plain)
    }

    @Test func nulControlsAndBinaryGarbageAreStoredSafely() {
        let raw: [UInt8] = [0x00, 0x01, 0x07, 0x08] + bytes("abc") + [0x7F, 0x1A, 0x9B, 0x9D] + bytes("\u{9B}31m\u{85}z")
        let result = LogSanitizer.sanitize(raw)
        #expect(result.plain == "abc\u{FFFD}\u{FFFD}31mz")
        #expect(result.display == result.plain)
    }

    @Test func randomBytesNeverProduceTerminalControls() {
        var generator = SystemRandomNumberGenerator()
        var scratch = LogSanitizer.Scratch()
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<64, using: &generator)
            // Bias toward ESC and the bytes that start sequences.
            let alphabet: [UInt8] = [0x1B, 0x1B, UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "m"), UInt8(ascii: ";"),
                                     UInt8(ascii: "1"), 0x07, 0x5C, 0xC2, 0x9B, 0xE2, 0x80, 0xFF, 0x00, UInt8(ascii: "a")]
            let raw = (0..<length).map { _ in
                Bool.random(using: &generator) ? alphabet.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            raw.withUnsafeBytes { buffer in
                LogSanitizer.sanitize(buffer, scratch: &scratch) { plain, display in
                    #expect(!plain.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F })
                    #expect(isValidUTF8(Array(plain)))
                    let shown = Array(display ?? plain)
                    #expect(isValidUTF8(shown))
                    #expect(!String(decoding: shown, as: UTF8.self).unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
                    // Every ESC left in display starts an SGR sequence: ESC [ digits ; : m
                    var i = 0
                    while i < shown.count {
                        if shown[i] == 0x1B {
                            #expect(i + 1 < shown.count && shown[i + 1] == UInt8(ascii: "["))
                            var j = i + 2
                            while j < shown.count, shown[j] >= 0x30 && shown[j] <= 0x3B, shown[j] != 0x3C { j += 1 }
                            #expect(j < shown.count && shown[j] == UInt8(ascii: "m"))
                            i = j
                        } else if shown[i] < 0x20 && shown[i] != 0x09 {
                            Issue.record("control byte \(shown[i]) in display")
                        }
                        i += 1
                    }
                }
            }
        }
    }
}
