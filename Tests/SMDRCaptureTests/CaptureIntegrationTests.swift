import Foundation
import SMDRCore
import SMDRRuntime
import SMDRSerial
import SMDRStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A capture of distinct Avaya IP Office records (distinct Call IDs), as bytes per record.
func avayaCapture(_ n: Int) -> [[UInt8]] {
    (0..<n).map { k in
        let minute = k % 60, hour = 8 + (k / 60) % 10
        let line = String(format: "2026/11/04 %02d:%02d:%02d,00:0%d:%02d,%d,0612345%03d,I,2%02d,2%02d,,0,%d,0,E2%02d,Agent %d,T9001,Line 1.%d,0,0\r\n",
            hour, minute, k % 60, k % 10, k % 60, k % 30, k % 1000, k % 100, k % 100, 1_000_000 + k, k % 100, k, k % 4 + 1)
        return Array(line.utf8)
    }
}

/// The built agent binary, next to the test bundle.
var agentBinary: String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    for c in [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(), root.appendingPathComponent(".build/debug")] {
        let p = c.appendingPathComponent("smdr-agent").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return root.appendingPathComponent(".build/debug/smdr-agent").path
}

/// Bytes in the journals under `directory` (entry headers included: a lower bound is what tests use).
func journaledBytes(_ directory: URL) -> Int {
    let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
    return files.filter { $0.pathExtension == "seg" }.reduce(0) { $0 + ((try? Data(contentsOf: $1).count) ?? 0) }
}

/// The agent as a separate process, so that it can be killed with SIGKILL.
final class AgentProcess {
    let process = Process()
    let log: URL

    init(arguments: [String], log: URL) throws {
        self.log = log
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        process.executableURL = URL(fileURLWithPath: agentBinary)
        process.arguments = arguments
        let h = try FileHandle(forWritingTo: log)
        h.seekToEndOfFile()
        process.standardError = h
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    func count(_ text: String) -> Int {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").components(separatedBy: text).count - 1
    }

    /// Waits until `text` has appeared `times` times in the log.
    func waitFor(_ text: String, times: Int, timeout: Double = 15) -> Bool {
        let until = Date().addingTimeInterval(timeout)
        while Date() < until {
            if count(text) >= times { return true }
            usleep(20_000)
        }
        return false
    }

    func kill(_ sig: Int32) {
        Glibc.kill(process.processIdentifier, sig)
        process.waitUntilExit()
    }
}

func waitDrained(_ pty: PseudoTerminal) {
    let until = Date().addingTimeInterval(5)
    while pty.unread > 0 && Date() < until { usleep(5_000) }
    usleep(60_000)  // read() → journal append
}

struct CaptureIntegrationTests {
    /// A capture replayed through real ptys with hang-ups in mid-record, the agent killed with
    /// SIGKILL at random points and restarted: the store ends with exactly the capture's records.
    @Test
    func serialCaptureSurvivesHangupsAndKills() throws {
        let dir = temporaryDirectory("serial-it")
        let link = dir.appendingPathComponent("ttyPBX").path
        let data = dir.appendingPathComponent("data").path
        let records = avayaCapture(240)
        var pty = try PseudoTerminal()
        symlink(pty.slavePath, link)
        let args = ["run", "--device", link, "--serial", "9600,8N1", "--format", "avaya-ipo", "--data-dir", data, "--timezone", "UTC"]
        var agent = try AgentProcess(arguments: args, log: dir.appendingPathComponent("agent.log"))
        var opens = 1
        #expect(agent.waitFor("port open", times: opens))
        var rng = SystemRandomNumberGenerator()
        var hangups = 0, kills = 0
        for (k, r) in records.enumerated() {
            let cut = Int.random(in: 1..<(r.count - 1), using: &rng)
            pty.write(Array(r[..<cut]))
            if k % 37 == 11 {
                // Cable pulled in mid-record: the reader sees the line go, then a new port appears.
                waitDrained(pty)
                pty.hangUp()
                pty = try PseudoTerminal()
                unlink(link)
                symlink(pty.slavePath, link)
                opens += 1
                hangups += 1
                #expect(agent.waitFor("port open", times: opens), "reopen after hang-up \(hangups)")
            }
            pty.write(Array(r[cut...]))
            if k % 53 == 29 {
                // SIGKILL somewhere in ingest: whatever was journaled must end up stored once.
                waitDrained(pty)
                usleep(UInt32.random(in: 0...30_000, using: &rng))
                agent.kill(SIGKILL)
                kills += 1
                agent = try AgentProcess(arguments: args, log: dir.appendingPathComponent("agent.log"))
                opens += 1
                #expect(agent.waitFor("port open", times: opens), "restart after kill \(kills)")
            }
            if k % 10 == 0 { usleep(2_000) }
        }
        waitDrained(pty)
        // Read from the tty means journaled (the port is read straight into the journal); SIGTERM
        // then stores everything journaled.
        agent.kill(SIGTERM)
        #expect(hangups >= 5 && kills >= 4)
        let store = try CallStore(path: data + "/smdr.sqlite")
        let stored = try store.callsJSON().map { line -> String in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return o["raw"] as! String
        }
        let expected = records.map { String(decoding: $0.dropLast(2), as: UTF8.self) }
        #expect(stored.count == expected.count, "stored \(stored.count), capture has \(expected.count)")
        #expect(Set(stored) == Set(expected))
        #expect(stored == expected, "records stored in capture order")
        #expect(try store.quarantined().isEmpty)
    }

    /// Fault 2, a kill storm: the PBX keeps printing (one record every 2 ms, split at random
    /// points) while the agent is killed with SIGKILL 30 times at random instants, reading or not,
    /// and restarted at once. The port is read straight into the journal, so no byte the tty gave
    /// up is only in the process: every record is stored once, in order.
    @Test
    func aKillStormWhileThePortIsFedLosesNothing() throws {
        let dir = temporaryDirectory("kill-storm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data").path
        let records = avayaCapture(2400)
        let pty = try PseudoTerminal()
        let args = ["run", "--device", pty.slavePath, "--format", "avaya-ipo", "--data-dir", data, "--timezone", "UTC"]
        var agent = try AgentProcess(arguments: args, log: dir.appendingPathComponent("agent.log"))
        #expect(agent.waitFor("port open", times: 1))
        let feeding = DispatchSemaphore(value: 0)
        let feeder = Thread {
            var rng = SystemRandomNumberGenerator()
            for r in records {
                let cut = Int.random(in: 1..<(r.count - 1), using: &rng)
                pty.write(Array(r[..<cut]))
                pty.write(Array(r[cut...]))
                usleep(2_000)
            }
            feeding.signal()
        }
        feeder.start()
        var rng = SystemRandomNumberGenerator()
        var kills = 0
        while kills < 30, feeding.wait(timeout: .now() + .milliseconds(Int.random(in: 20...120, using: &rng))) == .timedOut {
            agent.kill(SIGKILL)
            kills += 1
            agent = try AgentProcess(arguments: args, log: dir.appendingPathComponent("agent.log"))
        }
        if kills == 30 { feeding.wait() }
        #expect(kills >= 20, "killed \(kills) times while the PBX printed")
        waitDrained(pty)
        let store = try CallStore(path: data + "/smdr.sqlite", access: .readOnly)
        #expect(waitUntil(20) { ((try? store.callCount()) ?? 0) >= records.count })
        agent.kill(SIGTERM)
        let stored = try store.callsJSON().map { line -> String in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return o["raw"] as! String
        }
        let expected = records.map { String(decoding: $0.dropLast(2), as: UTF8.self) }
        #expect(stored.count == expected.count, "stored \(stored.count) of \(expected.count) after \(kills) kills")
        #expect(Set(expected).subtracting(stored).isEmpty, "lost: \(Set(expected).subtracting(stored).sorted().prefix(3))")
        #expect(stored.elementsEqual(expected), "each once, in capture order")
        #expect(try store.quarantined().isEmpty)
    }

    /// A TCP source survives the PBX closing and reopening the connection in mid-record.
    @Test
    func tcpClientSurvivesThePBXReconnectingMidRecord() throws {
        let (agent, server, first) = try tcpAgent(temporaryDirectory("tcp-it"))
        let records = avayaCapture(120)
        var conn = first
        var rng = SystemRandomNumberGenerator()
        for (k, r) in records.enumerated() {
            let cut = Int.random(in: 1..<(r.count - 1), using: &rng)
            TestServer.send(conn, Array(r[..<cut]))
            if k % 25 == 7 {
                usleep(50_000)
                close(conn)  // the PBX drops the link in mid-record…
                conn = try server.accept()  // …and the agent connects again
            }
            TestServer.send(conn, Array(r[cut...]))
        }
        #expect(waitUntil(10) { (try? agent.store.callCount()) == records.count })
        close(conn)
        agent.stop()
        let stored = try agent.store.callsJSON().map { line -> String in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["raw"] as! String
        }
        #expect(stored == records.map { String(decoding: $0.dropLast(2), as: UTF8.self) })
    }

    /// The agent stops on SIGTERM with everything flushed: all journaled records are stored.
    @Test
    func sigtermStopsCleanlyWithEverythingStored() throws {
        let dir = temporaryDirectory("sigterm")
        let server = try TestServer()
        let data = dir.appendingPathComponent("data").path
        let agent = try AgentProcess(
            arguments: ["run", "--connect", "127.0.0.1:\(server.port)", "--format", "avaya-ipo", "--data-dir", data, "--timezone", "UTC"],
            log: dir.appendingPathComponent("agent.log"))
        let conn = try server.accept()
        let records = avayaCapture(50)
        for r in records { TestServer.send(conn, r) }
        // SIGTERM once the bytes are journaled (what a socket had not given up dies with it).
        let segment = Agent.journalDirectory(URL(fileURLWithPath: data), source: "tcp").deletingLastPathComponent()
        let sent = records.reduce(0) { $0 + $1.count }
        #expect(waitUntil(10) { journaledBytes(segment) >= sent })
        agent.kill(SIGTERM)
        #expect(agent.process.terminationStatus == 0)
        #expect(agent.count("stopped") == 1)
        close(conn)
        #expect(try CallStore(path: data + "/smdr.sqlite").callCount() == 50)
    }
}

/// A PBX that listens (like OmniPCX Enterprise on 2533) on an ephemeral loopback port.
final class TestServer {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 4)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }

    func accept() throws -> Int32 {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 15_000) > 0 else { throw AgentError("no connection from the agent") }
        return Glibc.accept(fd, nil, nil)
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }
}

/// An in-process agent reading Avaya IP Office SMDR from a loopback "PBX" it connects to.
func tcpAgent(_ dir: URL) throws -> (agent: Agent, server: TestServer, connection: Int32) {
    let server = try TestServer()
    let agent = try Agent(
        sources: [SourceConfig(id: "pbx", kind: .tcpClient(host: "127.0.0.1", port: server.port, login: []), format: "avaya-ipo")],
        dataDirectory: dir, options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!))
    try agent.start()
    return (agent, server, try server.accept())
}
