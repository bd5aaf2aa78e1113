import Foundation
import Testing
@testable import ImageFactoryCore

@Suite struct LogLineSplitterTests {
    private func split(_ input: [UInt8], chunkSizes: [Int]? = nil, maxLineBytes: Int = 1 << 20) -> [String] {
        var splitter = LogLineSplitter(maxLineBytes: maxLineBytes)
        var lines: [String] = []
        let collect = { (line: UnsafeRawBufferPointer) in lines.append(String(decoding: line, as: UTF8.self)) }
        input.withUnsafeBytes { all in
            var offset = 0
            var k = 0
            while offset < all.count {
                let size = chunkSizes.map { $0[k % $0.count] } ?? all.count
                let end = min(all.count, offset + size)
                splitter.feed(UnsafeRawBufferPointer(rebasing: all[offset..<end]), collect)
                offset = end
                k += 1
            }
        }
        splitter.finish(collect)
        return lines
    }

    private func split(_ text: String, maxLineBytes: Int = 1 << 20) -> [String] {
        split(Array(text.utf8), maxLineBytes: maxLineBytes)
    }

    @Test func newlineEndsALineAndTheCarriageReturnOfCRLFIsDropped() {
        #expect(split("a\nb\r\nc\n") == ["a", "b", "c"])
    }

    @Test func carriageReturnKeepsOnlyTheLastProgressState() {
        #expect(split("50%\r100%\r\n") == ["100%"])
        #expect(split("a\rb\rc\n") == ["c"])
        #expect(split("a\r\rb\n") == ["b"])
        #expect(split("downloading 10%\rdownloading 99%\r") == ["downloading 99%"])
        #expect(split("\rstart\n") == ["start"])
    }

    @Test func emptyLinesAreKept() {
        #expect(split("\n\nx\n\n") == ["", "", "x", ""])
        #expect(split("\r\n") == [""])
    }

    @Test func finalLineWithoutNewlineIsEmittedOnFinish() {
        #expect(split("one\ntwo") == ["one", "two"])
        #expect(split("") == [])
        #expect(split("one\n") == ["one"])
    }

    @Test func chunkBoundariesAnywhereGiveTheSameLines() {
        let input = Array("first line\r\nprogress 1%\rprogress 50%\rprogress 100%\r\n\n\r\nlast\rrewritten\r\nabcdefghijklmnop\ntail".utf8)
        let whole = split(input)
        #expect(whole == ["first line", "progress 100%", "", "", "rewritten", "abcdefghijklmnop", "tail"])
        #expect(split(input, chunkSizes: [1]) == whole)
        #expect(split(input, chunkSizes: [2, 3, 5, 7]) == whole)
        for cut in 0...input.count {
            #expect(split(input, chunkSizes: [max(cut, 1), input.count]) == whole)
        }
        // Overlong lines too: pieces do not depend on where chunks end.
        let small = split(input, maxLineBytes: 4)
        #expect(split(input, chunkSizes: [1], maxLineBytes: 4) == small)
        #expect(split(input, chunkSizes: [3, 1], maxLineBytes: 4) == small)
    }

    @Test func lineOfExactlyMaxBytesStaysWholeAndLongerLinesComeInPieces() {
        #expect(split("abcd\n", maxLineBytes: 4) == ["abcd"])
        #expect(split("abcde\n", maxLineBytes: 4) == ["abcd", "e"])
        #expect(split("abcdefghij", maxLineBytes: 4) == ["abcd", "efgh", "ij"])
        #expect(split(Array("abcdefgh\n".utf8), chunkSizes: [1], maxLineBytes: 4) == ["abcd", "efgh"])
    }

    @Test func hugeLineWithoutNewlineIsSplitWithBoundedMemory() {
        let maxLineBytes = 1 << 20
        var splitter = LogLineSplitter(maxLineBytes: maxLineBytes)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var pieces = 0
        var total = 0
        var largestPiece = 0
        var largestBuffer = 0
        let collect = { (line: UnsafeRawBufferPointer) in
            pieces += 1
            total += line.count
            largestPiece = max(largestPiece, line.count)
        }
        let chunks = 800  // 50 MiB
        chunk.withUnsafeBytes { bytes in
            for _ in 0..<chunks {
                splitter.feed(bytes, collect)
                largestBuffer = max(largestBuffer, splitter.bufferedBytes)
            }
        }
        splitter.finish(collect)
        #expect(total == chunks * chunk.count)
        #expect(largestPiece == maxLineBytes)
        #expect(largestBuffer <= maxLineBytes)
        #expect(pieces == (chunks * chunk.count + maxLineBytes - 1) / maxLineBytes)
    }
}
