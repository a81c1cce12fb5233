import Foundation
import SMDRSerial
import SMDRStore
import Testing

/// The configuration as an installer meets it: `config check` after an edit, a format id typed
/// wrong on the command line, and a site's own format used by the running agent and by
/// `journal reprocess`.
struct ConfigCommandTests {
    @Test func configCheckListsEveryProblemAndExitsNonZero() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("agent.yaml")
        try """
            timzone: Europe/Paris
            sources:
              - id: pbx
                device: /dev/ttyUSB0
                fromat: avaya-ipo
              - id: pbx
                connect: 192.0.2.1:2300
                format: avaya-xyz
            api:
              lisen: 0.0.0.0:8080
            """.write(to: bad, atomically: true, encoding: .utf8)
        let r = try Agent.run(["config", "check", bad.path])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(r.stderr)")
        #expect(lines[0].hasPrefix("\(bad.path):1:1: unknown key 'timzone' (did you mean 'timezone'?)"))
        #expect(lines[1].hasPrefix("\(bad.path):5:5: unknown key 'sources[0].fromat' (did you mean 'format'?)"))
        #expect(lines[2].hasPrefix("\(bad.path):6:5: key 'sources[1].id': 'pbx' is already the id of sources[0]"))
        #expect(lines[3].hasPrefix("\(bad.path):8:5: key 'sources[1].format': unknown format 'avaya-xyz'; known: auto, "))
        #expect(lines[4].hasPrefix("\(bad.path):10:3: unknown key 'api.lisen' (did you mean 'listen'?)"))
        #expect(lines[5] == "5 problem(s) in \(bad.path)")
        #expect(r.stdout.isEmpty)

        let good = try Agent.run(["config", "check", "Hardware/smdr-agent.yaml"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("source reception: serial /dev/smdr-reception 9600,8N1, format alcatel-oxo"))
        let missing = try Agent.run(["config", "check", dir.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 1 && missing.stderr.contains("none.yaml: cannot read"))
    }

    /// `--format` with an id nobody knows is refused before anything runs, with the known ids.
    @Test func unknownFormatIdsAreRefusedInFlags() throws {
        for args in [
            ["run", "--format", "avaya-xyz", "--connect", "127.0.0.1:9", "--data-dir", "/nonexistent"],
            ["parse", "--format", "avaya-xyz", "Samples/avaya-ipoffice/ipo-transfer.smdr"],
            ["journal", "reprocess", "--format", "avaya-xyz", "--data-dir", "/nonexistent"],
        ] {
            let r = try Agent.run(args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains("unknown format 'avaya-xyz'; known: auto, alcatel-oxo"), "\(args): \(r.stderr)")
        }
    }

    /// A site's own format (Samples/custom/kx-td500.yaml) named in the configuration: the agent
    /// reads a pty with it, and `journal reprocess` reads the journal with it again into an empty
    /// store, with the same records.
    @Test func aCustomFormatWorksWithRunAndJournalReprocess() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-custom-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pty = try PseudoTerminal()
        let config = """
            data_dir: \(dir.path)/data
            timezone: Europe/Moscow
            formats: [\(Agent.repo.path)/Samples/custom/kx-td500.yaml]
            sources:
              - id: td500
                device: \(pty.slavePath)
                format: kx-td500-site
            """
        // What the format reads from the capture, by `parse` (the agent must store exactly these).
        let parsed = try Agent.run([
            "parse", "--format-file", "Samples/custom/kx-td500.yaml", "--format", "kx-td500-site", "--timezone", "Europe/Moscow",
            "../shared/field/panasonic/kx-td-500.smdr",
        ]).records
        #expect(parsed.count == 111, "124 lines: 111 calls, 8 rules of *, 4 headings, a blank line")
        let agent = try RunningAgent(config: config, dir: dir)
        try #require(agent.port > 0, "\(agent.logText)")
        let capture = try Data(contentsOf: Agent.repo.appendingPathComponent("../shared/field/panasonic/kx-td-500.smdr"))
        pty.write(Array(capture))
        let storePath = dir.appendingPathComponent("data/smdr.sqlite").path
        let store = try CallStore(path: storePath, access: .readOnly)
        let until = Date().addingTimeInterval(15)
        while try store.callCount() < parsed.count, Date() < until { usleep(50_000) }
        agent.stop()
        let live = try store.callsJSON().map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(live.map { $0["raw"] as? String } == parsed.map { $0["raw"] as? String })
        #expect(live.allSatisfy { $0["format"] as? String == "kx-td500-site" })
        #expect(live.first?["extension"] as? String == "E1090" && live.first?["end"] as? String == "2002-09-16T13:42:00+04:00")

        // The same journal read again into an empty store, by the same configuration.
        try FileManager.default.moveItem(atPath: storePath, toPath: storePath + ".live")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) }
        let refused = try Agent.run(["journal", "reprocess", "--data-dir", "\(dir.path)/data", "--format", "kx-td500-site"])
        #expect(refused.status != 0 && refused.stderr.contains("unknown format 'kx-td500-site'"), "without its file the format is unknown")
        let configURL = dir.appendingPathComponent("agent.yaml")
        let again = try Agent.run(["journal", "reprocess", "--data-dir", "\(dir.path)/data", "--config", configURL.path, "--format", "kx-td500-site"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\(parsed.count) record(s) added"), "\(again.stdout)")
        let reread = try CallStore(path: storePath, access: .readOnly).callsJSON().map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(reread.map { $0["raw"] as? String } == live.map { $0["raw"] as? String })
        #expect(reread.map { $0["end"] as? String } == live.map { $0["end"] as? String })
    }

    /// `make demo` (`run --demo`) started from another folder still finds its capture and replays it.
    @Test func theDemoRunsFromAnyFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("agent.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = Agent.binary
        p.currentDirectoryURL = dir
        p.arguments = ["run", "--demo", "--data-dir", dir.appendingPathComponent("data").path, "--api", "off", "--timezone", "Europe/Rome"]
        p.standardError = try FileHandle(forWritingTo: log)
        try p.run()
        let store = dir.appendingPathComponent("data/smdr.sqlite").path
        let until = Date().addingTimeInterval(15)
        var stored = 0
        while stored < 2, Date() < until {
            usleep(50_000)
            stored = (try? CallStore(path: store, access: .readOnly).callCount()) ?? 0
        }
        p.terminate()
        p.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(text.contains("demo: replaying /"), "\(text)")
        #expect(stored >= 2, "the demo's calls are stored: \(text)")
    }
}
