import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The write-ahead journal of one source: every byte received, with its receive time, appended and
/// flushed to disk before anything else happens to it.
///
/// Layout: a directory of segment files named by the stream offset of their first byte
/// (`00000000000000000000.seg`). Each entry is a 20-byte header — magic `SJ`, version, flags,
/// payload length (u32), receive time in ns since the epoch (i64), CRC-32 of the payload (u32),
/// little-endian — then the payload. Stream offsets count payload bytes only, so an offset names
/// the same byte whatever the segmentation. An entry cut short by a crash fails its length or CRC
/// and is cut off when the journal is opened.
public final class Journal {
    public static let headerSize = 20
    public let directory: URL
    public let segmentBytes: Int64
    /// Stream offset of the next byte to be appended.
    public private(set) var end: Int64 = 0
    private var fd: Int32 = -1
    private var segmentBase: Int64 = 0
    private var segmentSize: Int64 = 0
    private let lock = NSLock()
    /// A write failed and its partial bytes could not be removed: the next entry starts a new segment.
    private var damaged = false
    /// Damaged regions found when the journal was opened (for an alarm).
    public private(set) var torn: [TornRegion] = []
    /// Bytes a port gave the previous run that it had not finished recording when it died (see
    /// `receive`): recovered into a whole entry when the journal was opened.
    public private(set) var recovered = 0
    /// The last flush to disk that failed after a `receive` (the bytes are in the page cache,
    /// safe from a process crash, not yet from a power cut).
    public private(set) var flushError: Int32?
    /// The most a `receive` takes from a port in one read.
    public static let receiveBytes = 8192

    public init(directory: URL, segmentBytes: Int64 = 16 << 20) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let segments = try Journal.segments(in: directory)
        for base in segments.dropLast() {
            torn += try JournalScanner.scan(url: Journal.url(directory, base)).torn.map { TornRegion(segment: base, segmentFileOffset: $0.segmentFileOffset, bytes: $0.bytes) }
        }
        if let last = segments.last {
            var scan = try JournalScanner.scan(url: Journal.url(directory, last))
            torn += scan.torn.map { TornRegion(segment: last, segmentFileOffset: $0.segmentFileOffset, bytes: $0.bytes) }
            // An entry a killed run was receiving into is completed from the bytes in it. Then an
            // incomplete tail (no valid entry after it) is cut off: it was never written whole, so
            // nothing ever read it. Damaged bytes with entries after them are skipped, not cut.
            recovered = Journal.recoverPendingEntry(Journal.url(directory, last), scan: &scan)
            if scan.validBytes < scan.fileBytes { truncate(Journal.url(directory, last).path, off_t(scan.validBytes)) }
            segmentBase = last
            segmentSize = scan.validBytes
            end = last + scan.payloadBytes
            fd = open(Journal.url(directory, last).path, O_RDWR | O_APPEND | O_CLOEXEC)
            guard fd >= 0 else { throw JournalError.io("open \(Journal.url(directory, last).path)", errno) }
        } else {
            try startSegment(at: 0)
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    static func url(_ dir: URL, _ base: Int64) -> URL {
        let name = String(base)
        return dir.appendingPathComponent(String(repeating: "0", count: max(0, 20 - name.count)) + name + ".seg")
    }

    /// When the last byte of a journal was received (ns since the epoch), without opening it for
    /// writing: for `doctor`, while the agent runs.
    public static func lastReceived(in dir: URL) throws -> Int64? {
        guard let last = try segments(in: dir).last else { return nil }
        let cursor = JournalCursor(directory: dir, from: last)
        var time: Int64?
        while let e = try cursor.next() { time = e.receivedAt }
        return time
    }

    /// Segment bases, oldest first.
    public static func segments(in dir: URL) throws -> [Int64] {
        guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".seg") }.compactMap { Int64($0.dropLast(4)) }.sorted()
    }

    private func startSegment(at base: Int64) throws {
        if fd >= 0 { close(fd) }
        let path = Journal.url(directory, base).path
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw JournalError.io("create \(path)", errno) }
        segmentBase = base
        segmentSize = 0
        // Make the new file's name durable too.
        let dfd = open(directory.path, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// Appends received bytes and flushes them to disk; returns the stream offset of their first byte.
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer, receivedAt: Int64) throws -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        guard bytes.count > 0 else { return end }
        if damaged || (segmentSize > 0 && segmentSize + Int64(Journal.headerSize + bytes.count) > segmentBytes) {
            try startSegment(at: end)
            damaged = false
        }
        var header = [UInt8](repeating: 0, count: Journal.headerSize)
        header[0] = UInt8(ascii: "S")
        header[1] = UInt8(ascii: "J")
        header[2] = 1
        put(UInt32(bytes.count), into: &header, at: 4)
        put(UInt64(bitPattern: receivedAt), into: &header, at: 8)
        put(CRC32.checksum(bytes), into: &header, at: 16)
        // One contiguous write: header then payload.
        var entry = header
        entry.append(contentsOf: bytes)
        let total = entry.count
        var written = 0
        while written < total {
            let n = entry[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                undoPartialWrite()
                throw JournalError.io("write journal", e)
            }
            written += n
        }
        guard fdatasync(fd) == 0 else {
            let e = errno
            undoPartialWrite()
            throw JournalError.io("flush journal", e)
        }
        let at = end
        end += Int64(bytes.count)
        segmentSize += Int64(total)
        return at
    }

    /// Reads from a port straight into the journal's file, so that what a read takes from the port
    /// is in the file (the kernel's page cache, which outlives the process) the instant the read
    /// returns: a SIGKILL at any point loses nothing the port gave up. A tty cannot be read without
    /// consuming, so the usual read-then-write leaves a window where bytes are only in the
    /// process; this closes it.
    ///
    /// Space for the entry is reserved first (`posix_fallocate`): when the disk is full this throws
    /// before reading, so the bytes stay in the port's kernel buffer (and flow control, if set,
    /// holds the PBX) until space returns. The entry is written with a pending header (`SJ`,
    /// version 0), the read lands in its payload through a shared mapping, then the header is
    /// completed and the reserve trimmed. A run killed in between leaves a pending entry that
    /// `init` completes from the bytes found in it (trailing NULs, the reserve's fill, dropped).
    /// `read` returns the bytes it put in the buffer, or 0 for none. Returns the same count.
    public func receive(_ read: (UnsafeMutableRawBufferPointer) -> Int, now: () -> Int64) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        let reserve = Journal.headerSize + Journal.receiveBytes
        if damaged || (segmentSize > 0 && segmentSize + Int64(reserve) > segmentBytes) {
            try startSegment(at: end)
            damaged = false
        }
        let at = segmentSize
        let failed = posix_fallocate(fd, off_t(at), off_t(reserve))
        guard failed == 0 else {
            _ = ftruncate(fd, off_t(at))
            throw JournalError.io("reserve journal space", failed)
        }
        let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let mapStart = at / page * page
        let lead = Int(at - mapStart)
        let length = lead + reserve
        guard let map = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off_t(mapStart)), map != MAP_FAILED else {
            let e = errno
            _ = ftruncate(fd, off_t(at))
            throw JournalError.io("map the journal", e)
        }
        defer { munmap(map, length) }
        let entry = UnsafeMutableRawBufferPointer(start: map + lead, count: reserve)
        entry[0] = UInt8(ascii: "S")
        entry[1] = UInt8(ascii: "J")
        entry[2] = 0  // pending: no reader takes it until it is complete
        let n = max(0, min(read(UnsafeMutableRawBufferPointer(rebasing: entry[Journal.headerSize...])), Journal.receiveBytes))
        guard n > 0 else {
            _ = ftruncate(fd, off_t(at))
            return 0
        }
        let payload = UnsafeRawBufferPointer(rebasing: entry[Journal.headerSize..<(Journal.headerSize + n)])
        var header = [UInt8](repeating: 0, count: Journal.headerSize)
        put(UInt32(n), into: &header, at: 4)
        put(UInt64(bitPattern: now()), into: &header, at: 8)
        put(CRC32.checksum(payload), into: &header, at: 16)
        for k in 3..<Journal.headerSize { entry[k] = header[k] }
        entry[2] = 1
        // Trim the reserve; if that fails the zeros left are an incomplete tail the next entry
        // overwrites (appends go to `segmentSize` through the mapping, or cut the file first).
        _ = ftruncate(fd, off_t(at + Int64(Journal.headerSize + n)))
        flushError = fdatasync(fd) == 0 ? nil : errno
        end += Int64(n)
        segmentSize += Int64(Journal.headerSize + n)
        return n
    }

    /// Completes the entry a run was receiving into when it died, from the bytes it holds.
    static func recoverPendingEntry(_ url: URL, scan: inout JournalScanner.Scan) -> Int {
        guard scan.validBytes + Int64(Journal.headerSize) < scan.fileBytes, let data = try? Data(contentsOf: url) else { return 0 }
        let at = Int(scan.validBytes)
        guard data[at] == UInt8(ascii: "S"), data[at + 1] == UInt8(ascii: "J"), data[at + 2] == 0 else { return 0 }
        var payload = Array(data[(at + Journal.headerSize)...].prefix(Journal.receiveBytes))
        while payload.last == 0 { payload.removeLast() }
        guard !payload.isEmpty else { return 0 }
        var header = [UInt8](repeating: 0, count: Journal.headerSize)
        header[0] = UInt8(ascii: "S")
        header[1] = UInt8(ascii: "J")
        header[2] = 1
        put(UInt32(payload.count), into: &header, at: 4)
        // The receive time was not recorded: the file's last change is the closest fact there is.
        let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? nil
        put(UInt64(bitPattern: Int64(((modified ?? Date()).timeIntervalSince1970 * 1e9).rounded())), into: &header, at: 8)
        payload.withUnsafeBytes { put(CRC32.checksum($0), into: &header, at: 16) }
        let fd = open(url.path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let whole = header + payload
        let written = whole.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(at)) }
        guard written == whole.count, ftruncate(fd, off_t(at + whole.count)) == 0, fdatasync(fd) == 0 else { return 0 }
        scan.validBytes += Int64(whole.count)
        scan.fileBytes = scan.validBytes
        scan.payloadBytes += Int64(payload.count)
        return payload.count
    }

    /// A write that failed half-way (disk full) leaves part of an entry: cut it off, so the next
    /// entry follows the last whole one; if even that fails, the next entry starts a new segment
    /// (readers skip the torn bytes either way).
    private func undoPartialWrite() {
        if ftruncate(fd, off_t(segmentSize)) != 0 { damaged = true }
    }

    public func append(_ bytes: [UInt8], receivedAt: Int64) throws -> Int64 {
        try bytes.withUnsafeBytes { try append($0, receivedAt: receivedAt) }
    }

    /// Deletes whole segments that lie entirely before `keepFrom` (processed) and are older than
    /// `maxAge` seconds or beyond `maxBytes` in total. The segment being written is never deleted.
    @discardableResult
    public func prune(keepFrom: Int64, maxAgeSeconds: Double?, maxBytes: Int64?, now: Date = Date()) throws -> [Int64] {
        lock.lock()
        defer { lock.unlock() }
        let bases = try Journal.segments(in: directory)
        var sizes: [Int64: Int64] = [:]
        var total: Int64 = 0
        for b in bases {
            let size = (try? FileManager.default.attributesOfItem(atPath: Journal.url(directory, b).path)[.size] as? Int64) ?? 0
            sizes[b] = size ?? 0
            total += size ?? 0
        }
        var removed: [Int64] = []
        for (k, b) in bases.enumerated() where k + 1 < bases.count {
            let next = bases[k + 1]
            guard next <= keepFrom else { break }  // holds unprocessed bytes
            let url = Journal.url(directory, b)
            let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? now
            let tooOld = maxAgeSeconds.map { now.timeIntervalSince(modified ?? now) > $0 } ?? false
            let tooBig = maxBytes.map { total > $0 } ?? false
            guard tooOld || tooBig else { continue }
            try FileManager.default.removeItem(at: url)
            total -= sizes[b] ?? 0
            removed.append(b)
        }
        return removed
    }
}

private func put(_ v: UInt32, into a: inout [UInt8], at i: Int) {
    for k in 0..<4 { a[i + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
}

private func put(_ v: UInt64, into a: inout [UInt8], at i: Int) {
    for k in 0..<8 { a[i + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
}

public enum JournalError: Error, CustomStringConvertible {
    case io(String, Int32)
    case corrupt(String)

    public var description: String {
        switch self {
        case .io(let what, let e): "journal: \(what): \(String(cString: strerror(e)))"
        case .corrupt(let what): "journal: \(what)"
        }
    }
}
