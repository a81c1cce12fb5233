import Foundation
import SMDRSerial
import SMDRStore
import Testing

/// An upgrade as a site lives it: the data directory an earlier agent wrote (store schema v1,
/// Tests/Fixtures/upgrade) under today's agent. The migrations run on start, every call, the
/// quarantined line and the journal are kept, and capture goes on where it stopped.
struct UpgradeTests {
    /// The 6 records and the line the earlier agent was fed (make-e1c1260.py).
    static let earlier = [
        "2026/11/04 09:12:00,00:00:40,4,201,O,0142681234,00142681234,,0,1000041,1,E201,Marie,T9001,Line 1.1,0,0",
        "2026/11/04 09:12:00,00:05:00,2,201,O,0142681234,00142681234,,0,1000041,0,E202,Paul,T9001,Line 1.1,0,0",
        "2026/11/04 10:00:00,00:02:00,3,201,O,0612345678,00612345678,,0,1000042,0,E201,Marie,T9001,Line 1.1,0,0",
        "2026/11/04 10:01:00,00:05:00,4,202,O,0142681234,00142681234,,0,1000043,0,E202,Paul,T9001,Line 1.1,0,0",
        "2026/11/04 10:05:00,00:01:30,5,0699887766,I,8000,8000,,0,1000044,0,V9500,VM Channel 1,T9001,Line 1.1,0,0",
        "2026/11/04 10:06:00,00:00:45,2,0478123456,I,301,301,,0,1000045,0,E301,Lyon,T9002,Line 2.1,0,0",
    ]
    static let later = [
        "2026/11/05 08:30:00,00:01:10,3,201,O,0142681234,00142681234,,0,1000046,0,E201,Marie,T9001,Line 1.1,0,0",
        "2026/11/05 08:40:00,00:03:00,2,202,O,0612345678,00612345678,,0,1000047,0,E202,Paul,T9001,Line 1.1,0,0",
    ]

    @Test func anEarlierAgentsDataDirectoryIsKeptWhole() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-upgrade-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let data = dir.appendingPathComponent("data")
        try FileManager.default.copyItem(at: Agent.repo.appendingPathComponent("Tests/Fixtures/upgrade/data-e1c1260"), to: data)

        // A read-only command does not change an older store; it says what to do.
        let before = try Agent.run(["calls", "--data-dir", data.path])
        #expect(before.status != 0 && before.stderr.contains("written by an older agent: start the agent once"), "\(before.stderr)")

        // Today's agent on it, the same source (the serial port), with two more calls.
        let pty = try PseudoTerminal()
        let log = dir.appendingPathComponent("agent.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let agent = Process()
        agent.executableURL = Agent.binary
        agent.arguments = ["run", "--device", pty.slavePath, "--format", "avaya-ipo", "--data-dir", data.path, "--timezone", "Europe/Paris", "--api", "off"]
        agent.standardError = try FileHandle(forWritingTo: log)
        try agent.run()
        let until = Date().addingTimeInterval(20)
        while !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("port open"), Date() < until { usleep(50_000) }
        for l in Self.later { pty.write(Array((l + "\r\n").utf8)) }
        let store = data.appendingPathComponent("smdr.sqlite").path
        var stored = 0
        while stored < 8, Date() < until {
            usleep(100_000)
            stored = (try? CallStore(path: store, access: .readOnly).callCount()) ?? 0
        }
        kill(agent.processIdentifier, SIGTERM)
        agent.waitUntilExit()
        #expect(agent.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

        let after = try Agent.run(["calls", "--data-dir", data.path, "--json"])
        #expect(after.status == 0, "\(after.stderr)")
        let raws = after.stdout.split(separator: "\n").compactMap { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["raw"] as? String
        }
        #expect(raws == Self.earlier + Self.later, "the earlier calls, in order, then the new ones")
        // The journal holds all of it: read again, it adds no call twice, and the line the earlier
        // agent skipped without a word now ends in quarantine with its reason.
        #expect(try Agent.run(["quarantine", "--data-dir", data.path]).stdout.contains("0 line(s) in quarantine"))
        let again = try Agent.run(["journal", "reprocess", "--data-dir", data.path])
        #expect(again.status == 0 && again.stdout.contains(": 0 record(s) added"), "\(again.stdout)\(again.stderr)")
        let quarantine = try Agent.run(["quarantine", "--data-dir", data.path])
        #expect(quarantine.stdout.contains("this line is no Avaya record") && quarantine.stdout.contains("1 line(s) in quarantine"), "\(quarantine.stdout)")
        #expect(try CallStore(path: store, access: .readOnly).callCount() == 8)
        _ = pty
    }
}
