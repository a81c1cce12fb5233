import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How far a source's journal goes, read from its segment files as the agent leaves them: the
/// stream offset of the last segment (its name) plus the payloads of its whole entries (20-byte
/// header `SJ`, version, flags, u32 length, i64 time, u32 CRC-32, then the payload; see
/// `SMDRJournal/Journal.swift`). Compared with what the soak sent, it tells whether the agent holds
/// bytes it has read but not yet journaled.
///
/// An entry counts only once its CRC matches: a file being appended to can show, for a moment,
/// bytes of the entry in progress that are not there yet (zeros).
final class JournalProbe {
    let directory: String
    private var segment: Int64 = -1
    /// File bytes of the segment already checked (whole entries) and their payload bytes.
    private var walked = 0
    private var payload: Int64 = 0

    init(directory: String) {
        self.directory = directory
    }

    /// The stream offset just past the last whole entry.
    func end() -> Int64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard let last = names.filter({ $0.hasSuffix(".seg") }).compactMap({ Int64($0.dropLast(4)) }).max() else { return 0 }
        let path = directory + "/" + String(repeating: "0", count: max(0, 20 - String(last).count)) + String(last) + ".seg"
        var st = stat()
        // A new segment, or this one cut back (an agent opening the journal cuts a torn tail).
        if last != segment || (stat(path, &st) == 0 && Int(st.st_size) < walked) {
            segment = last
            walked = 0
            payload = 0
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return segment + payload }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var at = off_t(walked)
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, at) }
            guard n > 0 else { break }
            data += buffer[0..<n]
            at += off_t(n)
        }
        var k = 0
        while k + 20 <= data.count, data[k] == UInt8(ascii: "S"), data[k + 1] == UInt8(ascii: "J") {
            let length = Int(Self.u32(data, k + 4))
            // Being written, or torn (the next agent cuts it): not counted.
            guard length > 0, k + 20 + length <= data.count, Self.crc32(data[(k + 20)..<(k + 20 + length)]) == Self.u32(data, k + 16) else { break }
            payload += Int64(length)
            k += 20 + length
        }
        walked += k
        return segment + payload
    }

    private static func u32(_ d: [UInt8], _ at: Int) -> UInt32 {
        UInt32(d[at]) | UInt32(d[at + 1]) << 8 | UInt32(d[at + 2]) << 16 | UInt32(d[at + 3]) << 24
    }

    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE, as zlib), the journal's checksum.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
