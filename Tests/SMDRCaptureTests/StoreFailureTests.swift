import Foundation
import GRDB
import SMDRCore
import SMDRRuntime
import SMDRStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct StoreFailureTests {
    /// While the store refuses writes (here: another process holds SQLite's write lock), records
    /// keep arriving into the journal; once it writes again, every one of them is stored, once.
    @Test func aStoreThatCannotWriteLosesNothing() throws {
        let dir = temporaryDirectory("storefail")
        let (agent, server, conn) = try tcpAgent(dir)
        _ = server
        let records = avayaCapture(60)
        for r in records[..<20] { TestServer.send(conn, r) }
        #expect(waitUntil(5) { (try? agent.store.callCount()) == 20 })
        // Another writer takes the database's write lock and keeps it.
        let blocker = try DatabaseQueue(path: dir.appendingPathComponent("smdr.sqlite").path)
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? blocker.inDatabase { db in
                try db.execute(sql: "BEGIN EXCLUSIVE")
                locked.signal()
                release.wait()
                try db.execute(sql: "COMMIT")
            }
        }
        locked.wait()
        for r in records[20...] { TestServer.send(conn, r) }
        usleep(800_000)
        let journaled = try Data(contentsOf: Agent.journalDirectory(dir, source: "pbx").appendingPathComponent("00000000000000000000.seg")).count
        #expect(journaled > records.reduce(0) { $0 + $1.count }, "every byte is in the journal while the store is locked")
        release.signal()
        #expect(waitUntil(10) { (try? agent.store.callCount()) == 60 }, "stored after the store came back")
        close(conn)
        agent.stop()
        #expect(try agent.store.callCount() == 60)
    }

    /// `journal reprocess` stores what is missing and duplicates nothing.
    @Test func journalReprocessAddsOnlyWhatIsMissing() throws {
        let dir = temporaryDirectory("reprocess")
        let (agent, server, conn) = try tcpAgent(dir)
        _ = server
        for r in avayaCapture(30) { TestServer.send(conn, r) }
        #expect(waitUntil(5) { (try? agent.store.callCount()) == 30 })
        close(conn)
        agent.stop()
        // Lose ten rows (an operator's mistake), then re-process the journal.
        let db = try DatabaseQueue(path: dir.appendingPathComponent("smdr.sqlite").path)
        try db.write { try $0.execute(sql: "DELETE FROM calls WHERE id % 3 = 0") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agentBinary)
        p.arguments = ["journal", "reprocess", "--data-dir", dir.path, "--timezone", "UTC"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("10 record(s) added"), "\(text)")
        #expect(try CallStore(path: dir.appendingPathComponent("smdr.sqlite").path).callCount() == 30)
    }
}
