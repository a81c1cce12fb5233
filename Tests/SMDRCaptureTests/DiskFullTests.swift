import Foundation
import SMDRCore
import SMDRRuntime
import SMDRSerial
import SMDRStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A small filesystem of its own (tmpfs), mounted when the tests run as root (as CI does).
final class SmallFilesystem {
    let path: URL
    let mounted: Bool

    init(_ name: String, size: String) {
        path = temporaryDirectory(name)
        guard getuid() == 0 else {
            mounted = false
            return
        }
        mounted = SmallFilesystem.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path.path])
    }

    /// Writes a file until the filesystem is full; returns it (delete it to free the space).
    func fill() -> URL {
        let filler = path.appendingPathComponent("filler")
        let fd = open(filler.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let block = [UInt8](repeating: 0x46, count: 4096)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        close(fd)
        return filler
    }

    deinit { if mounted { _ = SmallFilesystem.run("/bin/umount", ["-l", path.path]) } }

    static func run(_ tool: String, _ args: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}

struct DiskFullTests {
    /// The data directory's disk fills while a PBX sends over TCP, then space comes back: every
    /// record is stored once, in order, and the journal lost no complete entry.
    @Test func diskFullThenFreedStoresEveryRecordOnce() throws {
        let fs = SmallFilesystem("diskfull", size: "8m")
        guard fs.mounted else { return }  // not root: no filesystem of our own to fill
        let server = try TestServer()
        let agent = try Agent(
            sources: [SourceConfig(id: "pbx", kind: .tcpClient(host: "127.0.0.1", port: server.port, login: []), format: "avaya-ipo")],
            dataDirectory: fs.path.appendingPathComponent("data"), options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!))
        try agent.start()
        let conn = try server.accept()
        let records = avayaCapture(600)
        for r in records.prefix(100) { TestServer.send(conn, r) }
        #expect(waitUntil(10) { ((try? agent.store.callCount()) ?? 0) == 100 })
        let filler = fs.fill()
        for r in records[100...] { TestServer.send(conn, r) }
        #expect(waitUntil(10) { agent.states["pbx"]?.journalHeld == true }, "the journal holds the line")
        try FileManager.default.removeItem(at: filler)
        #expect(waitUntil(20) { ((try? agent.store.callCount()) ?? 0) >= 600 }, "stored \((try? agent.store.callCount()) ?? 0) of 600")
        close(conn)
        agent.stop()
        let stored = try agent.store.callsJSON().map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["raw"] as! String }
        #expect(stored == records.map { String(decoding: $0.dropLast(2), as: UTF8.self) }, "every record once, in order")
        #expect(try agent.store.quarantined().isEmpty)
    }

    /// The same on a serial port (a pty), where a read cannot be undone: while the disk is full the
    /// agent does not read the port at all (the bytes wait in the tty's buffer, where flow control
    /// would hold the PBX); when space returns every record is stored once, in order.
    @Test func aSerialPortIsNotReadWhileTheDiskIsFull() throws {
        let fs = SmallFilesystem("diskfull-pty", size: "8m")
        guard fs.mounted else { return }
        let pty = try PseudoTerminal()
        let agent = try Agent(
            sources: [SourceConfig(id: "pbx", kind: .serial(path: pty.slavePath, settings: SerialSettings()), format: "avaya-ipo")],
            dataDirectory: fs.path.appendingPathComponent("data"), options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!))
        try agent.start()
        let records = avayaCapture(400)
        for r in records.prefix(100) { pty.write(r) }
        #expect(waitUntil(10) { ((try? agent.store.callCount()) ?? 0) == 100 })
        let filler = fs.fill()
        let sent = DispatchSemaphore(value: 0)
        Thread {
            for r in records[100...] { pty.write(r) }
            sent.signal()
        }.start()
        #expect(waitUntil(10) { agent.states["pbx"]?.journalHeld == true && pty.unread > 0 }, "the journal holds the line")
        #expect(pty.unread > 0, "the PBX's bytes wait in the tty's buffer, unread")
        #expect(try agent.store.callCount() == 100, "nothing past the full disk was taken from the port")
        try FileManager.default.removeItem(at: filler)
        #expect(sent.wait(timeout: .now() + 20) == .success)
        #expect(waitUntil(20) { ((try? agent.store.callCount()) ?? 0) >= 400 }, "stored \((try? agent.store.callCount()) ?? 0) of 400")
        agent.stop()
        let stored = try agent.store.callsJSON().map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["raw"] as! String }
        #expect(stored.elementsEqual(records.map { String(decoding: $0.dropLast(2), as: UTF8.self) }), "every record once, in order")
        #expect(try agent.store.quarantined().isEmpty)
    }
}
