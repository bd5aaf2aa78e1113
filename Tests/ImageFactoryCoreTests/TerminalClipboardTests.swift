import Foundation
import Testing
@testable import Terminal

@Suite("Terminal OSC sequences")
struct TerminalClipboardTests {
    private func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test func osc52CarriesBase64OfTheText() {
        #expect(text(OSC52.sequence(for: "hello", insideTmux: false)) == "\u{1B}]52;c;aGVsbG8=\u{07}")
        let unicode = "build 界 ✓"
        let seq = text(OSC52.sequence(for: unicode, insideTmux: false))!
        let payload = seq.dropFirst("\u{1B}]52;c;".count).dropLast()
        #expect(Data(base64Encoded: String(payload)).map { String(decoding: $0, as: UTF8.self) } == unicode)
    }

    @Test func osc52InsideTmuxIsWrappedInPassthroughWithEscapesDoubled() {
        #expect(text(OSC52.sequence(for: "hello", insideTmux: true))
                == "\u{1B}Ptmux;\u{1B}\u{1B}]52;c;aGVsbG8=\u{07}\u{1B}\\")
    }

    @Test func osc52RefusesPayloadsOverTheCap() {
        let big = String(repeating: "x", count: 3000)
        #expect(OSC52.sequence(for: big, insideTmux: false, maxBytes: 1000) == nil)
        let fits = OSC52.sequence(for: big, insideTmux: false, maxBytes: 5000)
        #expect(fits != nil && fits!.count <= 5000)
        // The wrapping counts too.
        let plain = OSC52.sequence(for: "abc", insideTmux: false)!.count
        #expect(OSC52.sequence(for: "abc", insideTmux: true, maxBytes: plain) == nil)
        #expect(OSC52.sequence(for: String(repeating: "y", count: 200_000), insideTmux: false) == nil)
    }

    @Test func notificationsStripControlCharacters() {
        #expect(text(DesktopNotification.osc9("build\u{07} done\u{1B}]0;x\n", insideTmux: false))
                == "\u{1B}]9;build done]0;x\u{07}")
        #expect(text(DesktopNotification.osc777(title: "Image\u{1B} Factory; web", body: "ok\u{9B}\r\n!", insideTmux: false))
                == "\u{1B}]777;notify;Image Factory, web;ok!\u{07}")
    }

    @Test func notificationsInsideTmuxArePassedThrough() {
        #expect(text(DesktopNotification.osc9("done", insideTmux: true))
                == "\u{1B}Ptmux;\u{1B}\u{1B}]9;done\u{07}\u{1B}\\")
    }
}
