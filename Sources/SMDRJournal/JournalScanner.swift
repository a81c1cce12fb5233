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

/// Reads segments entry by entry. A damaged entry (torn by a failed write, or corrupt) is skipped by
/// finding the next valid entry (magic, length, CRC), so no complete entry behind it is lost; only
/// an incomplete tail, with no valid entry after it, ends the scan.
enum JournalScanner {
    struct Scan {
        /// Bytes up to the end of the last valid entry (what follows is an incomplete tail).
        var validBytes: Int64
        var fileBytes: Int64
        var payloadBytes: Int64
        /// Damaged regions skipped: file offset and size.
        var torn: [TornRegion] = []
    }

    static func header(_ p: UnsafeRawBufferPointer, at i: Int) -> (length: Int, time: Int64, crc: UInt32)? {
        guard i + Journal.headerSize <= p.count, p[i] == UInt8(ascii: "S"), p[i + 1] == UInt8(ascii: "J"), p[i + 2] == 1 else { return nil }
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(p[at + $1]) << (8 * UInt32($1)) } }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(p[at + $1]) << (8 * UInt64($1)) } }
        return (Int(u32(i + 4)), Int64(bitPattern: u64(i + 8)), u32(i + 16))
    }

    /// The length of the whole valid entry at `i`, or `nil` when there is none (or it is incomplete).
    static func entry(_ p: UnsafeRawBufferPointer, at i: Int) -> (size: Int, payload: Int)? {
        guard let h = header(p, at: i), i + Journal.headerSize + h.length <= p.count,
            CRC32.checksum(UnsafeRawBufferPointer(rebasing: p[(i + Journal.headerSize)..<(i + Journal.headerSize + h.length)])) == h.crc
        else { return nil }
        return (Journal.headerSize + h.length, h.length)
    }

    /// The first valid entry at or after `i`.
    static func nextEntry(_ p: UnsafeRawBufferPointer, from i: Int) -> Int? {
        var j = i
        while j + Journal.headerSize <= p.count {
            if p[j] == UInt8(ascii: "S"), entry(p, at: j) != nil { return j }
            j += 1
        }
        return nil
    }

    static func scan(url: URL) throws -> Scan {
        let data = try Data(contentsOf: url)
        var scan = Scan(validBytes: 0, fileBytes: Int64(data.count), payloadBytes: 0)
        data.withUnsafeBytes { p in
            var i = 0
            while i < p.count {
                if let e = entry(p, at: i) {
                    i += e.size
                    scan.payloadBytes += Int64(e.payload)
                    scan.validBytes = Int64(i)
                } else if let j = nextEntry(p, from: i + 1) {
                    scan.torn.append(TornRegion(segmentFileOffset: Int64(i), bytes: Int64(j - i)))
                    i = j
                } else {
                    break
                }
            }
        }
        return scan
    }
}

/// Bytes of a segment that are no valid entry but have valid entries after them: a write that
/// failed half-way (disk full) or corruption. Skipped, never truncated with what follows.
public struct TornRegion: Sendable, Equatable {
    public var segment: Int64 = 0
    public var segmentFileOffset: Int64
    public var bytes: Int64
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
    /// Damaged regions skipped since the last call to ``takeTorn()`` (for an alarm).
    private var torn: [TornRegion] = []

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
            var whole = false
            if got == Journal.headerSize, let h = header.withUnsafeBytes({ JournalScanner.header($0, at: 0) }) {
                var payload = [UInt8](repeating: 0, count: h.length)
                let n = h.length == 0 ? 0 : pread(fd, &payload, h.length, off_t(filePosition + Int64(Journal.headerSize)))
                whole = n == h.length && payload.withUnsafeBytes({ CRC32.checksum($0) }) == h.crc
                if whole {
                    let start = payloadPosition
                    filePosition += Int64(Journal.headerSize + h.length)
                    payloadPosition += Int64(h.length)
                    if payloadPosition <= position { continue }  // before where we resume
                    let skip = Int(max(0, position - start))
                    position = payloadPosition
                    return JournalEntry(offset: start + Int64(skip), receivedAt: h.time, bytes: skip == 0 ? payload : Array(payload[skip...]))
                }
            }
            // No whole entry here: a torn one (skipped when a valid entry follows in this segment),
            // an entry still being written, or the end of what is flushed.
            if got > 0, try skipTorn() { continue }
            // End of this segment's flushed entries: move on if a newer segment exists.
            let bases = try Journal.segments(in: directory)
            guard let newer = bases.first(where: { $0 > segmentBase }), newer <= max(position, payloadPosition) else { return nil }
            close(fd)
            fd = -1
            position = max(position, newer)
        }
    }

    /// The damaged regions skipped since the last call.
    public func takeTorn() -> [TornRegion] {
        defer { torn = [] }
        return torn
    }

    /// At `filePosition` there is no valid entry: when a valid one follows in this segment, the
    /// bytes before it are torn (a failed write): skip them and return true.
    private func skipTorn() throws -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw JournalError.io("stat segment \(segmentBase)", errno) }
        let size = Int64(st.st_size)
        guard size > filePosition else { return false }
        var rest = [UInt8](repeating: 0, count: Int(size - filePosition))
        let n = pread(fd, &rest, rest.count, off_t(filePosition))
        guard n > 0 else { return false }
        let found = rest.withUnsafeBytes { p in JournalScanner.nextEntry(UnsafeRawBufferPointer(rebasing: p[0..<n]), from: 1) }
        guard let j = found else { return false }
        torn.append(TornRegion(segment: segmentBase, segmentFileOffset: filePosition, bytes: Int64(j)))
        filePosition += Int64(j)
        return true
    }
}
