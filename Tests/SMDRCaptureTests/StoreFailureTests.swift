import Foundation
import GRDB
import SMDRCore
import SMDRRuntime
import SMDRStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Another process's connection takes a lock on the store (`BEGIN IMMEDIATE`: the write lock;
/// `BEGIN EXCLUSIVE`: readers too) and keeps it until the returned semaphore is signalled.
func holdLock(_ path: String, _ begin: String) throws -> DispatchSemaphore {
    let blocker = try DatabaseQueue(path: path)
    let locked = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        try? blocker.inDatabase { db in
            try db.execute(sql: begin)
            locked.signal()
            release.wait()
            try db.execute(sql: "COMMIT")
        }
    }
    locked.wait()
    return release
}

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
        let release = try holdLock(dir.appendingPathComponent("smdr.sqlite").path, "BEGIN EXCLUSIVE")
        for r in records[20...] { TestServer.send(conn, r) }
        let segment = Agent.journalDirectory(dir, source: "pbx").appendingPathComponent("00000000000000000000.seg")
        let sent = records.reduce(0) { $0 + $1.count }
        #expect(waitUntil(10) { ((try? Data(contentsOf: segment).count) ?? 0) > sent }, "every byte is in the journal while the store is locked")
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

struct SharedStoreTests {
    /// `calls` reads while another process holds the write lock (the agent committing): it opens
    /// the store read-only and never waits for, nor takes, that lock.
    @Test func callsNeverFailsOnALock() throws {
        let dir = temporaryDirectory("shared-calls")
        let (agent, server, conn) = try tcpAgent(dir)
        _ = server
        for r in avayaCapture(10) { TestServer.send(conn, r) }
        #expect(waitUntil(5) { (try? agent.store.callCount()) == 10 })
        let release = try holdLock(dir.appendingPathComponent("smdr.sqlite").path, "BEGIN IMMEDIATE")
        for _ in 0..<5 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: agentBinary)
            p.arguments = ["calls", "--data-dir", dir.path]
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            let t0 = Date()
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
            #expect(text.split(separator: "\n").count == 10)
            #expect(Date().timeIntervalSince(t0) < 5, "no waiting on the lock")
        }
        release.signal()
        close(conn)
        agent.stop()
    }

    /// The agent restarted (SIGKILL, start again) 30 times while another process reads the store
    /// in a loop: it starts every time, and every record sent is stored once.
    @Test func theAgentStartsWhileAnotherProcessReads() throws {
        let dir = temporaryDirectory("shared-start")
        let data = dir.appendingPathComponent("data").path
        let server = try TestServer()
        let args = ["run", "--connect", "127.0.0.1:\(server.port)", "--format", "avaya-ipo", "--data-dir", data, "--timezone", "UTC", "--api", "off"]
        let log = dir.appendingPathComponent("agent.log")
        let stop = StopSwitch()
        let reader = Thread {
            while !stop.isOn {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: agentBinary)
                p.arguments = ["calls", "--data-dir", data]
                p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
                p.standardError = FileHandle(forWritingAtPath: "/dev/null")
                try? p.run()
                p.waitUntilExit()
            }
        }
        let records = avayaCapture(30)
        var starts = 0
        for k in 0..<30 {
            let agent = try AgentProcess(arguments: args, log: log)
            if k == 0 { reader.start() }
            let conn = try server.accept()
            starts += 1
            TestServer.send(conn, records[k])
            #expect(waitUntil(10) { ((try? CallStore(path: data + "/smdr.sqlite", access: .readOnly).callCount()) ?? 0) == k + 1 }, "record \(k + 1) stored")
            agent.kill(SIGKILL)
            close(conn)
        }
        stop.turnOn()
        #expect(starts == 30)
        #expect(try CallStore(path: data + "/smdr.sqlite", access: .readOnly).callCount() == 30)
    }
}

/// A PBX field with terminal escapes (ESC, BEL, GS) is shown, not obeyed: `calls` prints `\xNN`.
@Test func callsOutputCarriesNoControlByte() throws {
    let dir = temporaryDirectory("terminal")
    let (agent, server, conn) = try tcpAgent(dir)
    _ = server
    let hostile = "2026/11/04 09:00:00,00:01:00,2,0612345678,O,201,201,,0,1000001,0,E201,Joe\u{1B}[2J,T9001\u{1B}]0;owned\u{07}\u{1D},Line 1.1,0,0\r\n"
    TestServer.send(conn, Array(hostile.utf8))
    #expect(waitUntil(5) { (try? agent.store.callCount()) == 1 })
    close(conn)
    agent.stop()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: agentBinary)
    p.arguments = ["calls", "--data-dir", dir.path]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let bytes = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(!bytes.contains(where: { $0 < 0x20 && $0 != 0x0A }), "no control byte but the line ends")
    #expect(String(decoding: bytes, as: UTF8.self).contains("T9001\\x1B]0;owned\\x07\\x1D"))
}

/// A flag one thread sets and another reads.
final class StopSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var on = false
    var isOn: Bool { lock.withLock { on } }
    func turnOn() { lock.withLock { on = true } }
}

/// Started under `ulimit -f 100`, the agent says which limit and which directory, not only
/// SQLite's "disk I/O error", and exits non-zero.
@Test func aFileSizeLimitIsNamedAtStart() throws {
    let dir = temporaryDirectory("ulimit")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "ulimit -f 100; exec \"$0\" run --data-dir \"$1\" --listen 127.0.0.1:39998 --api off", agentBinary, dir.appendingPathComponent("data").path]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    try p.run()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus != 0)
    #expect(text.contains("file-size limit is") && text.contains("(ulimit -f)") && text.contains("cannot start"), "\(text)")
    #expect(text.contains(dir.appendingPathComponent("data").path))
}
