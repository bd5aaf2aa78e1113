/// One line's entry in `index.bin`: 24 bytes, little-endian.
///
/// | bytes | field |
/// | 0..<8 | offset of the line in text.log |
/// | 8..<12 | ms since build start |
/// | 12..<14 | step |
/// | 14 | level |
/// | 15 | stream |
/// | 16..<24 | offset in display.log, or UInt64.max when display equals plain |
///
/// A line's length is the next record's offset minus its own minus the `\n`; the last line ends at its `\n`.
struct LogIndexRecord: Equatable {
    static let size = 24
    static let noDisplay = UInt64.max

    var offset: UInt64
    var timeMs: UInt32
    var step: UInt16
    var level: UInt8
    var stream: UInt8
    var displayOffset: UInt64

    @inline(__always)
    init(offset: UInt64, timeMs: UInt32, step: UInt16, level: UInt8, stream: UInt8, displayOffset: UInt64) {
        self.offset = offset
        self.timeMs = timeMs
        self.step = step
        self.level = level
        self.stream = stream
        self.displayOffset = displayOffset
    }

    @inline(__always)
    init(at p: UnsafeRawPointer) {
        offset = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        timeMs = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        step = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt16.self))
        level = p.load(fromByteOffset: 14, as: UInt8.self)
        stream = p.load(fromByteOffset: 15, as: UInt8.self)
        displayOffset = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
    }

    @inline(__always)
    func store(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: offset.littleEndian, as: UInt64.self)
        p.storeBytes(of: timeMs.littleEndian, toByteOffset: 8, as: UInt32.self)
        p.storeBytes(of: step.littleEndian, toByteOffset: 12, as: UInt16.self)
        p.storeBytes(of: level, toByteOffset: 14, as: UInt8.self)
        p.storeBytes(of: stream, toByteOffset: 15, as: UInt8.self)
        p.storeBytes(of: displayOffset.littleEndian, toByteOffset: 16, as: UInt64.self)
    }

    /// Field readers for scans that need one field of many records.
    @inline(__always)
    static func offset(at p: UnsafeRawPointer) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) }
    @inline(__always)
    static func step(at p: UnsafeRawPointer) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt16.self))
    }
    @inline(__always)
    static func level(at p: UnsafeRawPointer) -> UInt8 { p.load(fromByteOffset: 14, as: UInt8.self) }
}

/// Names of the files in a build's log directory.
public enum LogFiles {
    public static let text = "text.log"
    public static let index = "index.bin"
    public static let display = "display.log"
}
