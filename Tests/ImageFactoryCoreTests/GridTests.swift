import Testing
@testable import Terminal

@Suite struct GridTests {
    @Test func textIsClippedToTheGridAndToMaxWidth() {
        var g = Grid(width: 10, height: 2)
        #expect(g.put("hello world", x: 0, y: 0) == 10)
        #expect(g.row(0) == "hello worl")
        g.put("abcdef", x: 2, y: 1, maxWidth: 3)
        #expect(g.row(1) == "  abc")
    }

    @Test func wideCharactersTakeTwoCellsAndAreNeverSplit() {
        var g = Grid(width: 5, height: 1)
        #expect(g.put("a界b", x: 0, y: 0) == 4)
        #expect(g.row(0) == "a界b")
        #expect(g[2, 0].text == "")
        var h = Grid(width: 2, height: 1)
        h.put("a界", x: 0, y: 0)
        #expect(h.row(0) == "a")
    }

    @Test func controlCharactersAreNeverDrawn() {
        var g = Grid(width: 20, height: 1)
        g.put("a\u{1B}]52;c;x\u{07}b", x: 0, y: 0)
        #expect(!g.row(0).contains("\u{1B}"))
        #expect(!g.row(0).contains("\u{07}"))
    }

    @Test func stylesCanBeFoundByText() {
        var g = Grid(width: 20, height: 2)
        g.put("status: ", x: 0, y: 1)
        g.put("failed", x: 8, y: 1, style: TextStyle(foreground: .red, bold: true))
        #expect(g.style(of: "failed") == TextStyle(foreground: .red, bold: true))
        #expect(g.column(of: "failed", inRow: 1) == 8)
    }

    @Test func truncateAndPadCountColumns() {
        #expect(CellWidth.truncate("abcdefgh", to: 5) == "abcd…")
        #expect(CellWidth.of(CellWidth.pad("界x", to: 6)) == 6)
        #expect(CellWidth.of("📦") == 2)
        #expect(CellWidth.of("e\u{301}") == 1)
    }

    @Test func keyNamesRoundTripAndAcceptAliases() {
        for name in ["ctrl+k", "alt+x", "enter", "esc", "?", "f1", "shift+tab", "pgdn", "space", "ctrl+/"] {
            let key = Key(name: name)
            #expect(key != nil, "\(name)")
            #expect(key?.name == name)
        }
        #expect(Key(name: "C-k") == .control("k"))
        #expect(Key(name: "M-x") == .alt("x"))
        #expect(Key(name: "return") == .enter)
        #expect(Key(name: "ctrl+") == nil)
        #expect(Key(name: "hyper+x") == nil)
    }
}
