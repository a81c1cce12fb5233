import Foundation
import SMDRCore
import SMDRRuntime
import SMDRSerial
import SMDRStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Line noise a live source may start with: 20 lines no format reads.
func garbageLines(_ n: Int) -> [[UInt8]] {
    var rng = SystemRandomNumberGenerator()
    let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?%&()+;~^".utf8) + [0xE9, 0xF1, 0x1B, 0x07]
    return (0..<n).map { _ in
        (0..<Int.random(in: 20...70, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! } + [0x0D, 0x0A]
    }
}

/// The Darfo Panasonic capture without its metadata header, and the raw text of its 88 records.
func darfoCapture() throws -> (bytes: [UInt8], records: [String]) {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples/panasonic/kx-tda-pattern-b-darfo.smdr")
    let text = try String(contentsOf: url, encoding: .utf8)
    let body = text.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.hasPrefix("# ") }.joined(separator: "\n")
    let records = body.split(separator: "\n").map(String.init).filter { $0.hasPrefix("10/12/20") || $0.hasPrefix("11/12/20") }
    return (Array(body.utf8) + [0x0A], records)
}

/// An in-process agent left on `auto`, reading a loopback "PBX", on a clock the test moves.
func autoAgent(_ name: String) throws -> (agent: Agent, clock: ManualClock, server: TestServer, connection: Int32) {
    let server = try TestServer()
    let clock = ManualClock()
    let agent = try Agent(
        sources: [SourceConfig(id: "pbx", kind: .tcpClient(host: "127.0.0.1", port: server.port, login: []), format: nil)],
        dataDirectory: temporaryDirectory(name), options: ParseOptions(timeZone: TimeZone(identifier: "Europe/Rome")!), clock: clock.ingestClock)
    try agent.start()
    return (agent, clock, server, try server.accept())
}

struct AutoDetectLiveTests {
    /// Through a real pty: 20 lines of noise, then a Panasonic capture, into an agent left on
    /// `auto`. Every record is stored once, and only the noise stays in quarantine.
    @Test
    func noiseThenCaptureThroughAPty() throws {
        let dir = temporaryDirectory("auto-pty")
        let link = dir.appendingPathComponent("ttyPBX").path
        let data = dir.appendingPathComponent("data").path
        let pty = try PseudoTerminal()
        symlink(pty.slavePath, link)
        let agent = try AgentProcess(
            arguments: ["run", "--device", link, "--serial", "9600,8N1", "--data-dir", data, "--timezone", "Europe/Rome", "--api", "off"],
            log: dir.appendingPathComponent("agent.log"))
        #expect(agent.waitFor("port open", times: 1))
        for line in garbageLines(20) { pty.write(line) }
        waitDrained(pty)
        // The agent decides on the noise alone (after its quiet period) and finds nothing: quarantined.
        let storePath = data + "/smdr.sqlite"
        func reader() -> CallStore? { try? CallStore(path: storePath, access: .readOnly) }
        #expect(waitUntil(15) { (try? reader()?.quarantined().count) == 20 }, "the noise quarantined before the capture")
        let (bytes, records) = try darfoCapture()
        for k in stride(from: 0, to: bytes.count, by: 97) { pty.write(Array(bytes[k..<min(bytes.count, k + 97)])) }
        waitDrained(pty)
        #expect(agent.waitFor("format recognised", times: 1))
        #expect(waitUntil(15) { (try? reader()?.callCount()) == records.count })
        agent.kill(SIGTERM)
        let store = try CallStore(path: data + "/smdr.sqlite")
        let stored = try store.callsJSON().map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["raw"] as! String }
        #expect(records.count == 88)
        #expect(stored == records, "\(stored.count) stored of \(records.count)")
        let quarantined = try store.quarantined()
        #expect(quarantined.count == 20, "quarantined: \(quarantined.map(\.reason))")
        #expect(quarantined.allSatisfy { $0.format == "panasonic" }, "the noise is read again by the format found")
    }

    /// A few lines no format reads, fewer than detection needs to decide: held while more may come,
    /// quarantined once the source has been quiet for the quiet period (on the ingester's clock,
    /// moved by the test: nothing is slept through).
    @Test
    func undecidedLinesWaitForTheQuietPeriod() throws {
        let (agent, clock, server, conn) = try autoAgent("auto-quiet")
        _ = server
        defer { agent.stop() }
        defer { close(conn) }
        let noise = garbageLines(4)
        for line in noise { TestServer.send(conn, line) }
        #expect(waitUntil(10) { agent.states["pbx"]?.ingested == Int64(noise.reduce(0) { $0 + $1.count }) })
        agent.wake()
        clock.advance(0.5)
        agent.wake()
        #expect(!waitUntil(0.1) { (try? agent.store.quarantined().count) != 0 }, "held: the source has been quiet 0.5 s only")
        clock.advance(0.6)
        agent.wake()
        // Within half a second of real time: the agent's own clock has not run a quiet period yet.
        #expect(waitUntil(0.5) { (try? agent.store.quarantined().count) == 4 }, "decided once quiet for the quiet period (1 s)")
    }

    /// Through TCP: the same, with the noise and the capture in one connection to an in-process agent.
    @Test
    func noiseThenCaptureThroughTCP() throws {
        let (agent, clock, server, conn) = try autoAgent("auto-tcp")
        _ = server
        let noise = garbageLines(20)
        for line in noise { TestServer.send(conn, line) }
        // Lines that detection has not decided on yet are held until the source is quiet for a
        // while: the test's clock says when it has been.
        var sent = Int64(noise.reduce(0) { $0 + $1.count })
        #expect(waitUntil(10) { agent.states["pbx"]?.ingested == sent })
        clock.advance(1.5)
        agent.wake()
        #expect(waitUntil(10) { (try? agent.store.quarantined().count) == 20 }, "the noise quarantined before the capture")
        let (bytes, records) = try darfoCapture()
        TestServer.send(conn, bytes)
        sent += Int64(bytes.count)
        #expect(waitUntil(10) { agent.states["pbx"]?.ingested == sent })
        clock.advance(1.5)
        agent.wake()
        #expect(waitUntil(10) { ((try? agent.store.callCount()) ?? 0) >= 88 })
        close(conn)
        agent.stop()
        let stored = try agent.store.callsJSON().map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["raw"] as! String }
        #expect(stored == records, "\(stored.count) stored of \(records.count)")
        #expect(try agent.store.quarantined().count == 20)
    }
}
