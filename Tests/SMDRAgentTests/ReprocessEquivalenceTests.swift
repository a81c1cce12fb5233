import Foundation
import SMDRSerial
import SMDRStore
import Testing

/// One ingest path: the journal of a live run, read again by `journal reprocess` into an empty
/// store with the same configuration, gives the same calls, ratings, events and prepaid charges.
struct ReprocessEquivalenceTests {
    /// The recall test's transfer (Marie sets up a call and transfers it to Paul: a cost
    /// recall), the prepaid test's day (Paris, Lyon, a caller left in the IVR), and a call over
    /// Paul's 10-minute limit (a duration alert).
    static let capture = RecallEndToEndTests.capture + PrepaidEndToEndTests.capture + [
        "2026/11/04 11:00:00,00:12:00,2,202,O,0142681234,00142681234,,0,1000060,0,E202,Paul,T9001,Line 1.1,0,0\r\n"
    ]

    @Test func aRebuildFromTheJournalGivesWhatTheLiveRunGave() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pty = try PseudoTerminal()
        let config = """
            data_dir: \(dir.path)/data
            timezone: Europe/Paris
            tariff: Samples/tariffs/france/tariff.yaml
            sources:
              - id: pbx
                device: \(pty.slavePath)
                format: avaya-ipo
            stations:
              "201": {name: Marie, monitoring: true, recall_to: reception}
              "202": {name: Paul, max_duration: 600}
            alerts:
              - {name: dear, cost_over: "0.30"}
            prepaid:
              main: {name: "Numéro 400", minimum: "0.00"}
              accounts:
                - {id: paris, name: "Agence Paris", extensions: ["201", "202"]}
                - {id: lyon, name: "Agence Lyon", extensions: ["301"]}
              incoming: {rate_per_minute: "0.05", first_increment_s: 60, increment_s: 60}
            """
        let agent = try RunningAgent(config: config, dir: dir)
        try #require(agent.port > 0, "\(agent.logText)")
        for line in Self.capture { pty.write(Array(line.utf8)) }
        let storePath = dir.appendingPathComponent("data/smdr.sqlite").path
        let reader = try CallStore(path: storePath, access: .readOnly)
        let until = Date().addingTimeInterval(20)
        while try reader.callCount() < Self.capture.count, Date() < until { usleep(50_000) }
        agent.stop()
        #expect(agent.process.terminationStatus == 0)
        let configPath = dir.appendingPathComponent("agent.yaml").path
        func snapshot() throws -> (calls: [String], events: [String], balances: String) {
            let store = try CallStore(path: storePath, access: .readOnly)
            let calls = try store.callsJSON(rated: true)
            // Every event but a port's link going up or down, which is capture's, not the journal's.
            let events = try store.events(after: 0).filter { $0.type != "source" }.map { "\($0.type)|\($0.destination ?? "")|\($0.json)" }.sorted()
            let balances = try Agent.run(["balance", "--config", configPath, "--json"])
            #expect(balances.status == 0, "\(balances.stderr)")
            return (calls, events, balances.stdout)
        }
        let live = try snapshot()
        #expect(live.calls.count == Self.capture.count)
        #expect(live.events.contains { $0.hasPrefix("recall|reception|") }, "the live run recalled reception: \(live.events)")
        #expect(live.events.contains { $0.hasPrefix("alert|") })
        #expect(live.balances.contains("\"id\":\"paris\""), "\(live.balances)")

        // The store set aside; the journal read again with the same configuration.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.moveItem(atPath: storePath + suffix, toPath: storePath + suffix + ".live") }
        let r = try Agent.run(["journal", "reprocess", "--data-dir", "\(dir.path)/data", "--config", configPath])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(Self.capture.count) record(s) added"), "\(r.stdout)")
        let rebuilt = try snapshot()
        #expect(rebuilt.calls == live.calls, "calls and their ratings")
        #expect(rebuilt.events == live.events, "events")
        #expect(rebuilt.balances == live.balances, "prepaid charges")
    }
}
