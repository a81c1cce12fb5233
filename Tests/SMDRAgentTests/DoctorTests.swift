import Foundation
import SMDRCore
import SMDRSerial
import SMDRStore
import Testing

/// `smdr-agent doctor` on an installation with four things wrong at once: the port held by
/// another program, a quarantine full of lines the agent could not read, the ticket printer
/// stopped, and a source that never sent a byte. Each is named, and the exit code says action.
struct DoctorTests {
    @Test func doctorNamesAHeldPortAFullQuarantineAStoppedPrinterAndADeadSource() throws {
        let cups = try PrivateCups()
        try cups.addRawQueue("receipt", port: 9)
        try cups.tool("/usr/sbin/cupsdisable", ["-r", "paper jam", "receipt"])
        let dir = cups.dir.appendingPathComponent("doctor-\(UUID().uuidString.prefix(8))")
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        // The port: a pty another program (this test, through its own descriptor) holds open.
        let pty = try PseudoTerminal()
        // 150 lines the agent quarantined for the held port's source.
        let store = try CallStore(path: data.appendingPathComponent("smdr.sqlite").path)
        let rejects = (0..<150).map { k in Reject(line: k + 1, text: "garbage \(k)", reason: "not an Avaya record", format: "avaya-ipo", offset: Int64(k * 40)) }
        try store.commit(source: "reception", records: [], rejects: rejects, checkpoint: nil, receivedAt: 0)
        let config = dir.appendingPathComponent("agent.yaml")
        try """
            data_dir: \(data.path)
            sources:
              - id: reception
                device: \(pty.slavePath)
                format: avaya-ipo
              - id: ipoffice
                connect: 127.0.0.1:9
                format: avaya-ipo
            tickets:
              printer: receipt
            api:
              listen: 127.0.0.1:1
            """.write(to: config, atomically: true, encoding: .utf8)

        let r = try cups.agent(["doctor", "--config", config.path])
        #expect(r.status == 1, "something needs action: \(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let me = ProcessInfo.processInfo.processIdentifier
        #expect(lines.contains { $0.hasPrefix("ACTION source reception: ") && $0.contains("is held by") && $0.contains("(PID \(me))") }, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("ACTION quarantine: 150 lines of reception are in quarantine") }, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("ACTION printer: receipt is stopped") }, "\(r.stdout)")
        #expect(lines.contains { $0.hasPrefix("ACTION source ipoffice: dead: no byte ever received") }, "\(r.stdout)")
        #expect(r.stdout.hasSuffix("thing(s) need action\n"))
        _ = pty
    }

    /// A healthy installation: nothing needs action and the exit code is 0.
    @Test func aHealthyInstallationNeedsNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-doctor-ok-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("agent.yaml")
        try "data_dir: \(dir.path)/data\nsources: []\napi:\n  listen: 127.0.0.1:1\n".write(to: config, atomically: true, encoding: .utf8)
        let r = try Agent.run(["doctor", "--config", config.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("nothing needs action\n"), "\(r.stdout)")
    }
}
