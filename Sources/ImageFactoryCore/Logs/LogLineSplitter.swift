#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSystemShims

/// Turns one stream's pipe bytes into lines.
///
/// Rules, applied as if byte by byte so that chunk boundaries never change the result:
/// - `\n` ends a line; the `\r` of `\r\n` is dropped.
/// - A bare `\r` is a progress rewrite: the text after it replaces the line so far, but only once some
///   text follows, so `"50%\r100%\r\n"` gives `"100%"`.
/// - A line longer than `maxLineBytes` is emitted in pieces of `maxLineBytes` as it arrives, so at most
///   `maxLineBytes` are ever buffered.
public struct LogLineSplitter: Sendable {
    public let maxLineBytes: Int
    /// Partial line carried between chunks; only `segmentLength` bytes are meaningful.
    private var segment: [UInt8] = []
    private var segmentLength = 0
    /// A `\r` was seen: the next text byte discards `segment`.
    private var rewritePending = false

    public init(maxLineBytes: Int = 1 << 20) {
        precondition(maxLineBytes > 0, "maxLineBytes must be positive")
        self.maxLineBytes = maxLineBytes
    }

    /// Bytes currently held for an unfinished line (never more than `maxLineBytes`).
    public var bufferedBytes: Int { segmentLength }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        guard var p = chunk.baseAddress, chunk.count > 0 else { return }
        var remaining = chunk.count
        while remaining > 0 {
            guard let newline = memchr(p, 0x0A, remaining) else {
                consume(p, remaining, emit)
                return
            }
            let length = UnsafeRawPointer(newline) - p
            if segmentLength == 0 && !rewritePending && length <= maxLineBytes {
                emitWholeLine(p, length, emit)
            } else {
                consume(p, length, emit)
                emitSegment(emit)
            }
            p += length + 1
            remaining -= length + 1
        }
    }

    /// Emits the unterminated last line, if any, and resets the splitter.
    public mutating func finish(_ emit: (UnsafeRawBufferPointer) -> Void) {
        if segmentLength > 0 { emitSegment(emit) }
        segmentLength = 0
        rewritePending = false
    }

    /// Fast path: the whole line lies in the chunk and nothing is carried, so it is emitted in place.
    @inline(__always)
    private func emitWholeLine(_ start: UnsafeRawPointer, _ length: Int, _ emit: (UnsafeRawBufferPointer) -> Void) {
        var end = length
        while end > 0 && start.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { end -= 1 }
        var begin = 0
        if end > 0, let cr = if_memrchr(start, 0x0D, end) {
            begin = cr - start + 1
        }
        emit(UnsafeRawBufferPointer(start: start + begin, count: end - begin))
    }

    /// Line content without `\n`: split at `\r` and append the text runs.
    private mutating func consume(_ start: UnsafeRawPointer, _ length: Int, _ emit: (UnsafeRawBufferPointer) -> Void) {
        var p = start
        var remaining = length
        while remaining > 0 {
            guard let cr = memchr(p, 0x0D, remaining) else {
                appendRun(p, remaining, emit)
                return
            }
            let run = UnsafeRawPointer(cr) - p
            if run > 0 { appendRun(p, run, emit) }
            rewritePending = true
            p += run + 1
            remaining -= run + 1
        }
    }

    private mutating func appendRun(_ start: UnsafeRawPointer, _ length: Int, _ emit: (UnsafeRawBufferPointer) -> Void) {
        if rewritePending {
            segmentLength = 0
            rewritePending = false
        }
        var p = start
        var n = length
        if segmentLength + n > maxLineBytes {
            // A piece is emitted only when more text follows it, so a line of exactly maxLineBytes stays whole.
            if segmentLength > 0 {
                let take = maxLineBytes - segmentLength
                store(p, take)
                p += take
                n -= take
                emitSegment(emit)
            }
            while n > maxLineBytes {
                emit(UnsafeRawBufferPointer(start: p, count: maxLineBytes))
                p += maxLineBytes
                n -= maxLineBytes
            }
        }
        store(p, n)
    }

    private mutating func store(_ p: UnsafeRawPointer, _ n: Int) {
        guard n > 0 else { return }
        let needed = segmentLength + n
        if segment.count < needed {
            let grown = min(maxLineBytes, max(needed, segment.count * 2, 256))
            segment.append(contentsOf: repeatElement(0, count: grown - segment.count))
        }
        let offset = segmentLength
        segment.withUnsafeMutableBytes { buffer in
            (buffer.baseAddress! + offset).copyMemory(from: p, byteCount: n)
        }
        segmentLength = needed
    }

    private mutating func emitSegment(_ emit: (UnsafeRawBufferPointer) -> Void) {
        let length = segmentLength
        segment.withUnsafeBytes { buffer in
            emit(UnsafeRawBufferPointer(start: buffer.baseAddress, count: length))
        }
        segmentLength = 0
        rewritePending = false
    }
}
