import Foundation
import SMDRStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct RatingCommandTests {
    /// `rate` prints the call-record fields plus the rating; the first OXO statement (160 s to a
    /// French fixed line at 0.09 + 0.028/min, per second after the first minute) costs
    /// 0.09 + 0.028 × 160/60 = 0.1647 → 0.16, VAT 20 % → 0.03, total 0.19, 2 units at 0.12.
    @Test func rateACapture() throws {
        let r = try Agent.run([
            "rate", "--tariff", "Samples/tariffs/france/tariff.yaml", "--accounts", "Samples/tariffs/france/accounts.yaml", "--timezone", "Europe/Paris",
            "Samples/alcatel-oxo/listing-default-fields.smdr",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let first = r.records[0]
        #expect(first["cost"] as? String == "0.16")
        #expect(first["vat"] as? String == "0.03")
        #expect(first["cost_incl_vat"] as? String == "0.19")
        #expect(first["units"] as? Int == 2)
        #expect(first["destination"] as? String == "France fixe (Nord-Est)")
        #expect(first["band"] as? String == "heures-pleines")
        #expect(first["tariff_version"] as? String == "2026-01-01")
        #expect(r.records[1]["client"] as? String == "Dupont SA")
        #expect(r.stderr.contains("3 rated, 2 free or not charged, 0 unrated"))
    }

    /// Calls collected with a tariff are rated as they are stored; `report` sums them; `rerate`
    /// after a tariff change updates every cost and says so.
    @Test func collectReportAndRerate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-rate-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let data = dir.appendingPathComponent("data").path
        // Two outgoing calls from 201 (mobile 100 s, fixed 61 s) and one from 202 (fixed 120 s), on a Wednesday morning.
        try collectRatedCalls(
            [
                "2026/11/04 09:12:00,00:01:40,4,201,O,0612345678,00612345678,,0,1000001,0,E201,Marie,T9001,Line 1.1,0,0\r\n",
                "2026/11/04 09:20:00,00:01:01,3,201,O,0142681234,00142681234,,0,1000002,0,E201,Marie,T9001,Line 1.1,0,0\r\n",
                "2026/11/04 10:00:00,00:02:00,3,202,O,0142681234,00142681234,,0,1000003,0,E202,Paul,T9001,Line 1.2,0,0\r\n",
            ], dataDir: data)
        // 201: mobile 0.15 × 100/60 = 0.25; fixed 0.09 + 0.028 × 61/60 = 0.1185 → 0.12. 202: 0.09 + 0.056 = 0.146 → 0.15.
        let report = try Agent.run(["report", "--data-dir", data, "--from", "2026-11-01", "--to", "2026-11-30", "--timezone", "Europe/Paris", "--csv"])
        #expect(report.status == 0, "\(report.stderr)")
        let rows = report.stdout.split(separator: "\r\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first == ["extension", "calls", "minutes", "units", "cost", "vat", "total"])
        #expect(rows.contains(["201", "2", "2.68", "4", "0.37", "0.07", "0.44"]), "\(rows)")
        #expect(rows.contains(["202", "1", "2.00", "2", "0.15", "0.03", "0.18"]), "\(rows)")
        #expect(rows.last == ["TOTAL", "3", "4.68", "6", "0.52", "0.10", "0.62"], "\(rows)")
        // A cheaper tariff: every fixed-line rate halved in a copy of the decks.
        let t = dir.appendingPathComponent("tariff")
        try FileManager.default.createDirectory(at: t, withIntermediateDirectories: true)
        for f in ["tariff.yaml", "soir-2026.csv"] {
            try FileManager.default.copyItem(at: Agent.repo.appendingPathComponent("Samples/tariffs/france/\(f)"), to: t.appendingPathComponent(f))
        }
        let day = try String(contentsOf: Agent.repo.appendingPathComponent("Samples/tariffs/france/jour-2026.csv"), encoding: .utf8)
        try day.replacingOccurrences(of: "0.0900,0.0280", with: "0.0900,0.0140").write(to: t.appendingPathComponent("jour-2026.csv"), atomically: true, encoding: .utf8)
        let rerate = try Agent.run([
            "rerate", "--data-dir", data, "--tariff", t.appendingPathComponent("tariff.yaml").path, "--from", "2026-11-04", "--to", "2026-11-04",
            "--timezone", "Europe/Paris",
        ])
        #expect(rerate.stdout.contains("rerated 3 call(s)"), "\(rerate.stdout) \(rerate.stderr)")
        #expect(rerate.stdout.contains("2 changed cost"))
        let after = try Agent.run(["report", "--data-dir", data, "--from", "2026-11-01", "--to", "2026-11-30", "--timezone", "Europe/Paris", "--csv"])
        // Fixed lines now 0.09 + 0.014 × 61/60 = 0.1042 → 0.10 and 0.09 + 0.028 = 0.118 → 0.12 (1 unit);
        // VAT per call 0.05 + 0.02 + 0.02.
        #expect(after.stdout.contains("TOTAL,3,4.68,5,0.47,0.09,0.56"), "\(after.stdout)")
    }
}

struct SampleTariffTests {
    /// The UK sample: access digit 9, per-second after the first minute. A Wednesday 10:00 call of
    /// 120 s to 0161 765 4321 (recorded 901617654321): peak geographic, 0.05 + 0.03 × 2 = 0.11,
    /// VAT 0.022 → 0.02, total 0.13 GBP. 999 is free.
    @Test func ukTariff() throws {
        let capture = """
            2026/11/04 10:00:00,00:02:00,3,201,O,901617654321,901617654321,,0,1000001,0,E201,Ann,T9001,Line 1.1,0,0
            2026/11/04 10:05:00,00:01:00,3,201,O,9999,9999,,0,1000002,0,E201,Ann,T9001,Line 1.1,0,0

            """
        let r = try Agent.run(["rate", "--tariff", "Samples/tariffs/united-kingdom/tariff.yaml", "--timezone", "Europe/London", "-"], stdin: Data(capture.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.records[0]["cost"] as? String == "0.11")
        #expect(r.records[0]["vat"] as? String == "0.02")
        #expect(r.records[0]["cost_incl_vat"] as? String == "0.13")
        #expect(r.records[0]["rating_currency"] as? String == "GBP")
        #expect(r.records[0]["destination"] as? String == "UK geographic")
        #expect(r.records[1]["rating"] as? String == "free")
    }

    /// Business codes from CSV: known codes give their client, unknown ones are flagged, not dropped.
    @Test func businessCodesFromCSV() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-codes-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let codes = dir.appendingPathComponent("codes.csv")
        try "code,client,mask_digits,billable\n4711,Dupont SA,4,yes\n9000,Internal,0,no\n".write(to: codes, atomically: true, encoding: .utf8)
        let capture = """
            2026/11/04 10:00:00,00:02:00,3,201,O,0142681234,00142681234,4711,0,1000001,0,E201,Ann,T9001,Line 1.1,0,0
            2026/11/04 10:05:00,00:01:00,3,201,O,0142681234,00142681234,9000,0,1000002,0,E201,Ann,T9001,Line 1.1,0,0
            2026/11/04 10:09:00,00:01:00,3,201,O,0142681234,00142681234,1234,0,1000003,0,E201,Ann,T9001,Line 1.1,0,0

            """
        let r = try Agent.run(
            ["rate", "--tariff", "Samples/tariffs/france/tariff.yaml", "--accounts", codes.path, "--timezone", "Europe/Paris", "-"], stdin: Data(capture.utf8))
        #expect(r.records.count == 3)
        #expect(r.records[0]["client"] as? String == "Dupont SA" && r.records[0]["billable"] as? Bool == true)
        #expect(r.records[1]["client"] as? String == "Internal" && r.records[1]["billable"] as? Bool == false)
        #expect(r.records[2]["account_unknown"] as? Bool == true)
        #expect(r.records[2]["cost"] as? String != nil)
    }
}

/// Runs the agent binary with the French sample tariff, feeds it Avaya lines over TCP (it connects
/// to a loopback "PBX"), and stops it: `dataDir` then holds the rated calls.
func collectRatedCalls(_ lines: [String], dataDir data: String) throws {
    let pbx = try LoopbackPBX()
    let agent = Process()
    agent.executableURL = Agent.binary
    agent.currentDirectoryURL = Agent.repo
    agent.arguments = [
        "run", "--connect", "127.0.0.1:\(pbx.port)", "--format", "avaya-ipo", "--data-dir", data, "--timezone", "Europe/Paris",
        "--tariff", "Samples/tariffs/france/tariff.yaml",
    ]
    agent.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try agent.run()
    pbx.accept()
    pbx.send(lines)
    _ = waitForStore(data) { (try? $0.callCount()) == lines.count }
    kill(agent.processIdentifier, SIGTERM)
    agent.waitUntilExit()
}

/// Waits (up to `timeout` s) until the store a running agent writes in `dataDir` satisfies `done`,
/// read through a read-only connection as another program would.
func waitForStore(_ dataDir: String, timeout: Double = 15, _ done: (CallStore) -> Bool) -> Bool {
    let until = Date().addingTimeInterval(timeout)
    while Date() < until {
        if let store = try? CallStore(path: dataDir + "/smdr.sqlite", access: .readOnly), done(store) { return true }
        usleep(20_000)
    }
    return false
}

/// A PBX on a loopback port that the agent connects to (`run --connect`).
final class LoopbackPBX {
    let listener: Int32
    let port: Int
    var connection: Int32 = -1

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        Glibc.listen(listener, 1)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        self.listener = listener
        self.port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit {
        if connection >= 0 { close(connection) }
        close(listener)
    }

    func accept() { connection = Glibc.accept(listener, nil, nil) }

    func send(_ lines: [String]) {
        for l in lines { _ = Array(l.utf8).withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
    }
}
