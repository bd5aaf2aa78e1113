import Foundation

/// A short human description of a file's type, from its first bytes (magic numbers) and then its name.
public enum ArtifactType {
    public static func detect(at url: URL) -> String {
        var header = [UInt8](repeating: 0, count: 512)
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { return "unknown" }
        let n = read(fd, &header, 512)
        close(fd)
        let bytes = Array(header.prefix(max(0, n)))
        return detect(header: bytes, name: url.lastPathComponent)
    }

    public static func detect(header b: [UInt8], name: String) -> String {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + magic.count && Array(b[offset..<(offset + magic.count)]) == magic
        }
        if starts([0x1f, 0x8b]) { return "gzip archive" }
        if starts([0x28, 0xb5, 0x2f, 0xfd]) { return "zstd archive" }
        if starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return "xz archive" }
        if starts([0x42, 0x5a, 0x68]) { return "bzip2 archive" }
        if starts([0x50, 0x4b, 0x03, 0x04]) { return "zip archive" }
        if starts([0x51, 0x46, 0x49, 0xfb]) { return "qcow2 disk image" }
        if starts([0x7f, 0x45, 0x4c, 0x46]) { return "ELF executable" }
        if starts(Array("ustar".utf8), at: 257) {
            // The first member's name tells image archives apart: OCI layouts start with blobs/, oci-layout or
            // index.json; `docker save` with a layer directory named by its 64-digit id, or manifest.json.
            let first = String(decoding: b.prefix(100).prefix { $0 != 0 }, as: UTF8.self)
            if ["blobs/", "oci-layout", "index.json"].contains(where: { first.hasPrefix($0) }) || name.lowercased().contains("oci") {
                return "OCI image archive (tar)"
            }
            let head = first.prefix(64)
            if first == "manifest.json" || first == "repositories"
                || (head.count == 64 && head.allSatisfy(\.isHexDigit) && ["/", ".json"].contains { first.dropFirst(64).hasPrefix($0) }) {
                return "docker image archive (tar)"
            }
            return "tar archive"
        }
        if starts(Array("CD001".utf8), at: 1) || name.lowercased().hasSuffix(".iso") { return "ISO 9660 image" }
        if starts([0x7b]) || starts([0x5b]) { if name.hasSuffix(".json") { return "JSON" } }
        let lower = name.lowercased()
        if lower.hasSuffix(".raw") || lower.hasSuffix(".img") { return "raw disk image" }
        if !b.isEmpty, b.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 32 && $0 < 127) || $0 >= 0x80 }),
           String(bytes: b, encoding: .utf8) != nil || b.count == 512 {
            return "text"
        }
        if b.isEmpty { return "empty" }
        return "binary data"
    }
}
