import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One journal entry as read back.
public struct JournalEntry: Sendable {
    /// Stream offset of the payload's first byte.
    public var offset: Int64
    /// Receive time, ns since the Unix epoch.
    public var receivedAt: Int64
    public var bytes: [UInt8]
}

/// Reads segments entry by entry, stopping at the first incomplete or damaged entry.
enum JournalScanner {
    struct Scan {
        var validBytes: Int64
        var fileBytes: Int64
        var payloadBytes: Int64
    }

    static func header(_ p: UnsafeRawBufferPointer, at i: Int) -> (length: Int, time: Int64, crc: UInt32)? {
        guard i + Journal.headerSize <= p.count, p[i] == UInt8(ascii: "S"), p[i + 1] == UInt8(ascii: "J"), p[i + 2] == 1 else { return nil }
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(p[at + $1]) << (8 * UInt32($1)) } }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(p[at + $1]) << (8 * UInt64($1)) } }
        return (Int(u32(i + 4)), Int64(bitPattern: u64(i + 8)), u32(i + 16))
    }

    static func scan(url: URL) throws -> Scan {
        let data = try Data(contentsOf: url)
        var scan = Scan(validBytes: 0, fileBytes: Int64(data.count), payloadBytes: 0)
        data.withUnsafeBytes { p in
            var i = 0
            while let h = header(p, at: i), i + Journal.headerSize + h.length <= p.count,
                CRC32.checksum(UnsafeRawBufferPointer(rebasing: p[(i + Journal.headerSize)..<(i + Journal.headerSize + h.length)])) == h.crc
            {
                i += Journal.headerSize + h.length
                scan.payloadBytes += Int64(h.length)
            }
            scan.validBytes = Int64(i)
        }
        return scan
    }
}

/// Follows one source's journal from a stream offset: the ingester's view. Reads what has been
/// appended (and flushed) so far; call ``next()`` again later for more.
public final class JournalCursor {
    public let directory: URL
    /// Stream offset of the next byte to deliver.
    public private(set) var position: Int64
    private var segmentBase: Int64 = -1
    private var fd: Int32 = -1
    private var filePosition: Int64 = 0
    /// Stream offset of the payload at `filePosition`.
    private var payloadPosition: Int64 = 0

    public init(directory: URL, from offset: Int64) {
        self.directory = directory
        self.position = offset
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The next entry (or its part at or after `position`), or `nil` when nothing more is flushed yet.
    public func next() throws -> JournalEntry? {
        while true {
            if fd < 0 {
                let bases = try Journal.segments(in: directory)
                guard let base = bases.last(where: { $0 <= position }) ?? bases.first else { return nil }
                segmentBase = base
                fd = open(Journal.url(directory, base).path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw JournalError.io("open segment \(base)", errno) }
                filePosition = 0
                payloadPosition = base
            }
            var header = [UInt8](repeating: 0, count: Journal.headerSize)
            let got = pread(fd, &header, header.count, off_t(filePosition))
            if got == Journal.headerSize, let h = header.withUnsafeBytes({ JournalScanner.header($0, at: 0) }) {
                var payload = [UInt8](repeating: 0, count: h.length)
                let n = h.length == 0 ? 0 : pread(fd, &payload, h.length, off_t(filePosition + Int64(Journal.headerSize)))
                guard n == h.length else { return nil }  // still being written
                guard payload.withUnsafeBytes({ CRC32.checksum($0) }) == h.crc else { return nil }
                let start = payloadPosition
                filePosition += Int64(Journal.headerSize + h.length)
                payloadPosition += Int64(h.length)
                if payloadPosition <= position { continue }  // before where we resume
                let skip = Int(max(0, position - start))
                position = payloadPosition
                return JournalEntry(offset: start + Int64(skip), receivedAt: h.time, bytes: skip == 0 ? payload : Array(payload[skip...]))
            }
            // End of this segment's flushed entries: move on if a newer segment exists.
            let bases = try Journal.segments(in: directory)
            guard let newer = bases.first(where: { $0 > segmentBase }), newer <= max(position, payloadPosition) else { return nil }
            close(fd)
            fd = -1
            position = max(position, newer)
        }
    }
}
