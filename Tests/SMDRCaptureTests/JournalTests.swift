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
