import Foundation
import SMDRCore
import SMDRRuntime
import SMDRSerial
import SMDRStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct WatchAndReplayTests {
    /// A silent line raises a "quiet" alarm (a pulled cable looks like a quiet night otherwise),
    /// and a jump in the Avaya Call ID sequence raises a "gap" alarm.
    @Test func quietLineAndCallIDGapRaiseAlarms() throws {
        let dir = temporaryDirectory("alarms")
        let pty = try PseudoTerminal()
        let agent = try Agent(
            sources: [SourceConfig(id: "ipo", kind: .serial(path: pty.slavePath, settings: SerialSettings()), format: "avaya-ipo", quietAfterSeconds: 1)],
            dataDirectory: dir, options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!))
        try agent.start()
        let records = avayaCapture(6)
        // Records 0, 1, then 4, 5: Call IDs 1000002 and 1000003 never came.
        for k in [0, 1, 4, 5] { pty.write(records[k]) }
        #expect(waitUntil(3) { (try? agent.store.callCount()) == 4 })
        #expect(waitUntil(3) { (try? agent.store.alarms())?.contains { $0.kind == "quiet" && $0.active } == true })
        let alarms = try agent.store.alarms()
        let gap = alarms.first { $0.kind == "gap" }
        #expect(gap?.message.contains("1000001 to 1000004") == true, "\(alarms.map(\.message))")
        #expect(gap?.message.contains("2 call(s) missing") == true)
        // Data again clears the quiet alarm.
        pty.write(avayaCapture(7)[6])
        #expect(waitUntil(3) { (try? agent.store.alarms())?.contains { $0.kind == "quiet" && $0.active } == false })
        agent.stop()
    }

    /// `journal export` then `replay --pty` gives the agent the same bytes, so the same records.
    @Test func exportedJournalReplaysIntoAnAgent() throws {
        let dir = temporaryDirectory("replay")
        // A first agent collects a capture over TCP.
        let (first, server, conn) = try tcpAgent(dir.appendingPathComponent("a"))
        _ = server
        let records = avayaCapture(20)
        for r in records { TestServer.send(conn, r) }
        #expect(waitUntil(5) { (try? first.store.callCount()) == 20 })
        close(conn)
        first.stop()
        // Export its journal…
        let export = dir.appendingPathComponent("capture.tsv")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agentBinary)
        p.arguments = ["journal", "export", "--data-dir", dir.appendingPathComponent("a").path]
        FileManager.default.createFile(atPath: export.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: export)
        try p.run()
        p.waitUntilExit()
        let text = try String(contentsOf: export, encoding: .utf8)
        #expect(text.hasPrefix("0.000\t2026/11/04"))
        #expect(text.contains("\\x0D\\x0A"))
        // …replay it through a pty into a second agent.
        let link = dir.appendingPathComponent("ttyREPLAY").path
        let second = try AgentProcess(
            arguments: ["run", "--device", link, "--format", "avaya-ipo", "--data-dir", dir.appendingPathComponent("b").path, "--timezone", "UTC"],
            log: dir.appendingPathComponent("b.log"))
        let replay = Process()
        replay.executableURL = URL(fileURLWithPath: agentBinary)
        replay.arguments = ["replay", export.path, "--pty", "--link", link, "--speed", "100", "--delay", "1.5"]
        replay.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try replay.run()
        #expect(second.waitFor("port open", times: 1))
        replay.waitUntilExit()
        #expect(replay.terminationStatus == 0)
        let reader = { try? CallStore(path: dir.appendingPathComponent("b/smdr.sqlite").path, access: .readOnly).callCount() }
        #expect(waitUntil(10) { reader() == records.count })
        second.kill(SIGTERM)
        let stored = try CallStore(path: dir.appendingPathComponent("b/smdr.sqlite").path).callsJSON().map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["raw"] as! String
        }
        #expect(stored == records.map { String(decoding: $0.dropLast(2), as: UTF8.self) })
    }
}
