import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryServer

@Suite struct WireFormatTests {
    @Test func logLinesSurviveTheBinaryFrame() throws {
        let lines = (0..<500).map { i in
            WireLogLine(seq: 1000 + i, timeMs: UInt32(i * 7), step: UInt16(i % 3), level: LogLevel(rawValue: UInt8(i % 3))!,
                        text: i % 50 == 0 ? "" : "line \(i) \u{1B}[31mred\u{1B}[0m é 🚀")
        }
        let frame = LogLinesMessage(build: BuildID(rawValue: 42), lines: lines).frame()
        let bytes = frame.encoded()
        let (kind, length) = try parseFrameHeader(Array(bytes[0..<8]), limit: WireProtocol.maxServerPayload)
        #expect(kind == .logLines && length == bytes.count - 8)
        let decoded = try LogLinesMessage(payload: Array(bytes[8...]))
        #expect(decoded.build == BuildID(rawValue: 42))
        #expect(decoded.lines == lines)
    }

    @Test func headersAreCheckedBeforeAnyPayloadIsRead() {
        #expect(throws: FrameError.badMagic([0x47, 0x45])) { try parseFrameHeader(Array("GET / HT".utf8), limit: 100) }
        #expect(throws: FrameError.unsupportedVersion(2)) { try parseFrameHeader([0x49, 0x46, 2, 1, 0, 0, 0, 0], limit: 100) }
        #expect(throws: FrameError.unknownKind(9)) { try parseFrameHeader([0x49, 0x46, 1, 9, 0, 0, 0, 0], limit: 100) }
        #expect(throws: FrameError.tooLarge(101, limit: 100)) { try parseFrameHeader([0x49, 0x46, 1, 1, 0, 0, 0, 101], limit: 100) }
    }

    @Test func truncatedOrLyingLogFramesAreRejected() {
        let good = LogLinesMessage(build: BuildID(rawValue: 1), lines: [WireLogLine(seq: 0, timeMs: 0, step: 0, level: .info, text: "hello")])
            .frame().payload
        #expect(throws: FrameError.self) { try LogLinesMessage(payload: Array(good.dropLast(2))) }
        var lying = good
        lying[19] = 0xff // claims 255 lines
        #expect(throws: FrameError.self) { try LogLinesMessage(payload: lying) }
    }

    @Test func requestsRoundTripAndUnknownOnesSayWhere() throws {
        let frame = WireJSON.frame(.request, RequestFrame(id: 7, request: .showBuild(reference: "examples#3", defaultProject: nil)))
        let back = try WireJSON.decode(RequestFrame.self, frame.payload)
        #expect(back.id == 7)
        guard case .showBuild(let ref, _) = back.request else { Issue.record("wrong request \(back.request)"); return }
        #expect(ref == "examples#3")
        #expect(throws: FrameError.self) { try WireJSON.decode(RequestFrame.self, Array("{\"id\":1}".utf8)) }
    }
}
