import Foundation
import SMDRCore
import SMDRJournal
import SMDRStore
import Testing

/// Polls `condition` until it holds or `timeout` seconds pass.
func waitUntil(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    let until = Date().addingTimeInterval(timeout)
    while Date() < until {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

func temporaryDirectory(_ name: String) -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-\(name)-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

/// Bytes in all the segment files of a journal.
func journalBytes(_ dir: URL) throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).reduce(0) { sum, name in
        sum + ((try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
    }
}

struct JournalTests {
    @Test func appendedBytesReadBackAcrossSegmentsAndReopen() throws {
        let dir = temporaryDirectory("journal")
        var expected: [UInt8] = []
        do {
            let j = try Journal(directory: dir, segmentBytes: 200)
            for k in 0..<40 {
                let chunk = Array("chunk \(k) of bytes\r\n".utf8)
                expected += chunk
                let at = try j.append(chunk, receivedAt: Int64(k))
                #expect(at == Int64(expected.count - chunk.count))
            }
        }
        #expect(try Journal.segments(in: dir).count > 3)
        let reopened = try Journal(directory: dir, segmentBytes: 200)
        #expect(reopened.end == Int64(expected.count))
        let cursor = JournalCursor(directory: dir, from: 0)
        var got: [UInt8] = []
        while let e = try cursor.next() {
            #expect(e.offset == Int64(got.count))
            got += e.bytes
        }
        #expect(got == expected)
        // Resuming in the middle of an entry gives exactly the rest.
        let mid = JournalCursor(directory: dir, from: 55)
        var rest: [UInt8] = []
        while let e = try mid.next() { rest += e.bytes }
        #expect(rest == Array(expected[55...]))
    }

    @Test func aTornTailIsCutOnOpen() throws {
        let dir = temporaryDirectory("torn")
        do {
            let j = try Journal(directory: dir)
            try j.append(Array("whole entry\n".utf8), receivedAt: 1)
        }
        // A crash in the middle of the next write leaves half an entry.
        let seg = dir.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: dir.path)[0])
        let h = try FileHandle(forWritingTo: seg)
        h.seekToEndOfFile()
        h.write(Data([UInt8(ascii: "S"), UInt8(ascii: "J"), 1, 0, 50, 0, 0, 0, 1, 2, 3]))
        try h.close()
        let j = try Journal(directory: dir)
        #expect(j.end == 12)
        try j.append(Array("next\n".utf8), receivedAt: 2)
        let cursor = JournalCursor(directory: dir, from: 0)
        var got: [UInt8] = []
        while let e = try cursor.next() { got += e.bytes }
        #expect(String(decoding: got, as: UTF8.self) == "whole entry\nnext\n")
    }

    /// The disk filled in the middle of a write (6 bytes of a header made it), then space came back
    /// and more entries followed: a cursor reads every complete entry, live and after a restart,
    /// and reopening the journal cuts nothing but an incomplete tail.
    @Test func aTornFrameInTheMiddleIsSkippedNotTruncated() throws {
        let dir = temporaryDirectory("torn-middle")
        do {
            let j = try Journal(directory: dir)
            try j.append(Array("first\n".utf8), receivedAt: 1)
        }
        let seg = dir.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: dir.path)[0])
        let h = try FileHandle(forWritingTo: seg)
        h.seekToEndOfFile()
        h.write(Data([UInt8(ascii: "S"), UInt8(ascii: "J"), 1, 0, 9, 0]))  // the torn header
        try h.close()
        // Entries written after it by a journal that did not see it (as after ENOSPC with O_APPEND).
        let live = JournalCursor(directory: dir, from: 0)
        var first: [UInt8] = []
        while let e = try live.next() { first += e.bytes }
        #expect(String(decoding: first, as: UTF8.self) == "first\n")
        let h2 = try FileHandle(forWritingTo: seg)
        h2.seekToEndOfFile()
        for (k, text) in ["second\n", "third\n"].enumerated() {
            var header = [UInt8](repeating: 0, count: Journal.headerSize)
            header[0] = UInt8(ascii: "S"); header[1] = UInt8(ascii: "J"); header[2] = 1
            header[4] = UInt8(text.utf8.count)
            header[8] = UInt8(k + 2)
            let crc = Array(text.utf8).withUnsafeBytes { CRC32Probe.checksum($0) }
            for b in 0..<4 { header[16 + b] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(b))) }
            h2.write(Data(header + Array(text.utf8)))
        }
        try h2.close()
        var rest: [UInt8] = []
        while let e = try live.next() { rest += e.bytes }
        #expect(String(decoding: rest, as: UTF8.self) == "second\nthird\n", "the live cursor resynchronises on the next entry")
        #expect(live.takeTorn().map(\.bytes) == [6])
        let size = try FileManager.default.attributesOfItem(atPath: seg.path)[.size] as! Int
        let j = try Journal(directory: dir)
        #expect(try FileManager.default.attributesOfItem(atPath: seg.path)[.size] as! Int == size, "nothing cut on open")
        #expect(j.end == Int64("first\nsecond\nthird\n".utf8.count))
        #expect(j.torn.map(\.bytes) == [6])
        try j.append(Array("fourth\n".utf8), receivedAt: 9)
        let restarted = JournalCursor(directory: dir, from: 0)
        var all: [UInt8] = []
        while let e = try restarted.next() { all += e.bytes }
        #expect(String(decoding: all, as: UTF8.self) == "first\nsecond\nthird\nfourth\n")
    }

    /// A real full filesystem (a 64 KiB tmpfs, mounted when run as root): appends fail with
    /// ENOSPC, leave no partial entry behind, and succeed again once space is freed; every entry
    /// acknowledged is read back, in order.
    @Test func diskFullThenFreedKeepsEveryAcknowledgedEntry() throws {
        guard getuid() == 0 else { return }
        let mount = temporaryDirectory("tmpfs")
        let mounted = Process()
        mounted.executableURL = URL(fileURLWithPath: "/bin/mount")
        mounted.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.path]
        try mounted.run()
        mounted.waitUntilExit()
        guard mounted.terminationStatus == 0 else { return }  // no mount allowed here: nothing to test with
        defer {
            let u = Process()
            u.executableURL = URL(fileURLWithPath: "/bin/umount")
            u.arguments = [mount.path]
            try? u.run()
            u.waitUntilExit()
        }
        let filler = mount.appendingPathComponent("filler")
        let j = try Journal(directory: mount.appendingPathComponent("journal"))
        // Fill the disk but for a few bytes.
        FileManager.default.createFile(atPath: filler.path, contents: Data(repeating: 0x41, count: 60 * 1024 - 300))
        var acknowledged: [String] = []
        var failures = 0
        for k in 0..<200 {
            let text = "record \(k) " + String(repeating: "x", count: 40) + "\n"
            do {
                try j.append(Array(text.utf8), receivedAt: Int64(k))
                acknowledged.append(text)
            } catch {
                failures += 1
                if failures == 5 { try FileManager.default.removeItem(at: filler) }  // space comes back
            }
        }
        #expect(failures >= 5, "the disk filled")
        #expect(acknowledged.count == 200 - failures)
        let cursor = JournalCursor(directory: mount.appendingPathComponent("journal"), from: 0)
        var got: [UInt8] = []
        while let e = try cursor.next() { got += e.bytes }
        #expect(String(decoding: got, as: UTF8.self) == acknowledged.joined())
        let reopened = try Journal(directory: mount.appendingPathComponent("journal"))
        #expect(reopened.end == Int64(acknowledged.joined().utf8.count))
    }

    /// Bytes read straight into the journal read back like appended ones, across segments and a
    /// reopen; a read that gives nothing leaves no trace in the file.
    @Test func receivedBytesReadBackLikeAppendedOnes() throws {
        let dir = temporaryDirectory("receive")
        var expected: [UInt8] = []
        do {
            let j = try Journal(directory: dir, segmentBytes: 20_000)
            for k in 0..<30 {
                let chunk = Array("received \(k) ".utf8) + Array(repeating: UInt8(ascii: "x"), count: k * 50) + [13, 10]
                expected += chunk
                let n = try j.receive({ buffer in
                    buffer.copyBytes(from: chunk)
                    return chunk.count
                }, now: { Int64(k) })
                #expect(n == chunk.count)
                if k % 3 == 0 { try j.append(Array("appended \(k)\n".utf8), receivedAt: Int64(k)); expected += Array("appended \(k)\n".utf8) }
                let before = try journalBytes(dir)
                #expect(try j.receive({ _ in 0 }, now: { 0 }) == 0)
                #expect(try journalBytes(dir) == before, "an empty read reserves nothing for good")
            }
            #expect(j.end == Int64(expected.count))
        }
        #expect(try Journal.segments(in: dir).count > 1)
        let reopened = try Journal(directory: dir, segmentBytes: 20_000)
        #expect(reopened.end == Int64(expected.count) && reopened.recovered == 0 && reopened.torn.isEmpty)
        let cursor = JournalCursor(directory: dir, from: 0)
        var got: [UInt8] = []
        while let e = try cursor.next() { got += e.bytes }
        #expect(got == expected)
    }

    /// A run killed after its read returned but before the entry's header was completed leaves a
    /// pending entry: its bytes, already in the file, are not in any reader's view yet, and the
    /// next open completes the entry from them (the reserve's zero fill dropped).
    @Test func anEntryPendingAtACrashIsCompletedOnOpen() throws {
        let dir = temporaryDirectory("pending")
        do {
            let j = try Journal(directory: dir)
            try j.append(Array("whole entry\r\n".utf8), receivedAt: 1)
        }
        let seg = dir.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: dir.path)[0])
        let h = try FileHandle(forWritingTo: seg)
        h.seekToEndOfFile()
        let tail = Array("2026/11/04 10:00:01,00:01:05,3,201,O,0142681234".utf8)
        h.write(Data([UInt8(ascii: "S"), UInt8(ascii: "J"), 0] + [UInt8](repeating: 0, count: 17) + tail + [UInt8](repeating: 0, count: 3000)))
        try h.close()
        let live = JournalCursor(directory: dir, from: 0)
        var seen: [UInt8] = []
        while let e = try live.next() { seen += e.bytes }
        #expect(String(decoding: seen, as: UTF8.self) == "whole entry\r\n", "a pending entry is not read before it is complete")

        let j = try Journal(directory: dir)
        #expect(j.recovered == tail.count)
        #expect(j.end == Int64(13 + tail.count))
        try j.append(Array(",,0,1000041\r\n".utf8), receivedAt: 3)
        let cursor = JournalCursor(directory: dir, from: 0)
        var got: [UInt8] = []
        while let e = try cursor.next() { got += e.bytes }
        #expect(String(decoding: got, as: UTF8.self) == "whole entry\r\n" + String(decoding: tail, as: UTF8.self) + ",,0,1000041\r\n")
        let again = try Journal(directory: dir)
        #expect(again.recovered == 0 && again.torn.isEmpty)
    }

    /// With the disk full, `receive` fails before it reads: the port is not read, so its bytes stay
    /// in the kernel's buffer; when space returns the next receive takes them.
    @Test func aFullDiskIsFoundBeforeThePortIsRead() throws {
        let disk = SmallFilesystem("tmpfs-receive", size: "64k")
        guard disk.mounted else { return }
        let j = try Journal(directory: disk.path.appendingPathComponent("journal"))
        let filler = disk.fill()
        var reads = 0
        #expect(throws: (any Error).self) {
            _ = try j.receive({ _ in
                reads += 1
                return 0
            }, now: { 0 })
        }
        #expect(reads == 0, "the port is not read while there is no room for its bytes")
        try FileManager.default.removeItem(at: filler)
        let n = try j.receive({ buffer in
            reads += 1
            buffer.copyBytes(from: Array("back\r\n".utf8))
            return 6
        }, now: { 1 })
        #expect(n == 6 && reads == 1 && j.end == 6)
    }

    @Test func pruningKeepsUnprocessedSegments() throws {
        let dir = temporaryDirectory("prune")
        let j = try Journal(directory: dir, segmentBytes: 100)
        for k in 0..<30 { try j.append(Array("record number \(k)\n".utf8), receivedAt: 0) }
        let before = try Journal.segments(in: dir)
        let removed = try j.prune(keepFrom: 200, maxAgeSeconds: nil, maxBytes: 0)
        #expect(!removed.isEmpty)
        let after = try Journal.segments(in: dir)
        #expect(after.count == before.count - removed.count)
        // Nothing at or after offset 200 was removed.
        let cursor = JournalCursor(directory: dir, from: 200)
        var n = 0
        while let e = try cursor.next() { n += e.bytes.count }
        #expect(Int64(n) == j.end - 200)
    }
}

struct StoreTests {
    func record(_ offset: Int64, _ raw: String) -> CallRecord {
        var r = CallRecord(format: "avaya-ipo", raw: raw, line: Int(offset), offset: offset)
        r.extension_ = "201"
        return r
    }

    @Test func insertsAreIdempotentAndCheckpointsAtomic() throws {
        let dir = temporaryDirectory("store")
        let store = try CallStore(path: dir.appendingPathComponent("s.sqlite").path)
        let cp = CallStore.Checkpoint(offset: 300, line: 4, format: "avaya-ipo")
        #expect(try store.commit(source: "a", records: [record(0, "x"), record(100, "y")], rejects: [], checkpoint: cp, receivedAt: 0) == 2)
        #expect(try store.commit(source: "a", records: [record(100, "y"), record(200, "z")], rejects: [], checkpoint: cp, receivedAt: 0) == 1)
        #expect(try store.commit(source: "b", records: [record(0, "x")], rejects: [], checkpoint: nil, receivedAt: 0) == 1)
        #expect(try store.callCount() == 4)
        #expect(try store.checkpoint(source: "a") == cp)
        #expect(try store.checkpoint(source: "b") == nil)
        let reject = Reject(line: 9, text: "garbage 12", reason: "bad", format: "avaya-ipo", offset: 900)
        try store.commit(source: "a", records: [], rejects: [reject, reject], checkpoint: nil, receivedAt: 0)
        #expect(try store.quarantined().count == 1)
        // The store survives reopening with its migrations applied once.
        let again = try CallStore(path: dir.appendingPathComponent("s.sqlite").path)
        #expect(try again.callCount() == 4)
    }
}

/// CRC-32 as the journal writes it (IEEE, reflected), for tests that write entries by hand.
enum CRC32Probe {
    static func checksum(_ p: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in p {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return ~c
    }
}
