import Foundation
import SMDRSerial
import Testing

/// A head office's month as it lives it: branches top up with the command line (one while the
/// agent runs), the IVR authorises a call, the PBX prints its records on a serial line (a real
/// pty), the agent charges each call to the right account, and the statement shows every call.
struct PrepaidEndToEndTests {
    /// Avaya IP Office, Wednesday 4 November 2026 (peak rates): Paris (201, 202) calls a mobile
    /// and a fixed line; a caller to the shared number stays in the IVR (no extension: the main
    /// account pays); a caller reaches Lyon (301).
    static let capture = [
        "2026/11/04 10:00:00,00:02:00,3,201,O,0612345678,00612345678,,0,1000050,0,E201,Marie,T9001,Line 1.1,0,0\r\n",
        "2026/11/04 10:01:00,00:05:00,4,202,O,0142681234,00142681234,,0,1000051,0,E202,Paul,T9001,Line 1.1,0,0\r\n",
        "2026/11/04 10:05:00,00:01:30,5,0699887766,I,8000,8000,,0,1000052,0,V9500,VM Channel 1,T9001,Line 1.1,0,0\r\n",
        "2026/11/04 10:06:00,00:00:45,2,0478123456,I,301,301,,0,1000053,0,E301,Lyon,T9002,Line 2.1,0,0\r\n",
    ]

    @Test func aCaptureDebitsTheRightAccountsAndTheStatementShowsEachCall() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-prepaid-\(UUID().uuidString)")
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
                serial: 9600,8N1
                format: avaya-ipo
            api:
              tokens:
                - {name: ivr, role: operate, token: ivr-token}
            prepaid:
              main: {name: "Numéro 400", minimum: "20.00", low_balance: "30.00"}
              accounts:
                - {id: paris, name: "Agence Paris", extensions: ["201", "202"], low_balance: "5.00"}
                - {id: lyon, name: "Agence Lyon", extensions: ["301"]}
              incoming: {rate_per_minute: "0.05", first_increment_s: 60, increment_s: 60}
            """
        let configPath = dir.appendingPathComponent("agent.yaml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        for (account, amount, ref) in [("main", "100.00", "virement-nov"), ("201", "20.00", "caisse-1")] {
            let r = try Agent.run(["topup", "--config", configPath, account, amount, "--ref", ref])
            #expect(r.status == 0 && r.stdout.hasPrefix("credited"), "\(r.stdout)\(r.stderr)")
        }
        let agent = try RunningAgent(config: config, dir: dir)
        defer { agent.stop() }
        try #require(agent.port > 0, "the agent logs its API port: \(agent.logText)")
        // A top-up while the agent runs, written to the same store by another process.
        #expect(try Agent.run(["topup", "--config", configPath, "lyon", "5.00", "--ref", "caisse-2"]).status == 0)
        // The IVR authorises Marie's call before putting it through.
        let auth = httpRequest(port: agent.port, "POST", "/authorize", token: "ivr-token", body: #"{"extension":"201","number":"0612345678"}"#)
        let decision = try #require(try JSONSerialization.jsonObject(with: Data(auth.body.utf8)) as? [String: Any], "\(auth)")
        #expect(decision["allowed"] as? Bool == true && decision["account"] as? String == "paris")

        for line in PrepaidEndToEndTests.capture { pty.write(Array(line.utf8)) }

        func account(_ id: String) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(httpRequest(port: agent.port, "GET", "/accounts/\(id)").body.utf8))) as? [String: Any] ?? [:]
        }
        let until = Date().addingTimeInterval(20)
        while Date() < until, account("lyon")["balance"] as? String != "4.94" { usleep(100_000) }
        // Paris: mobile 2 min at 0.15 €/min = 0.30 + 20 % VAT = 0.36; fixed 5 min at 0.028 €/min
        // plus 0.09 connection = 0.23 + 0.05 VAT = 0.28. The reservation was consumed by the call.
        let paris = account("paris")
        #expect(paris["balance"] as? String == "19.36" && paris["held"] as? String == "0.00", "\(paris)\n\(agent.logText)")
        // The caller who chose no extension: 1 min 30 s incoming billed per minute (2 × 0.05 + VAT).
        #expect(account("main")["balance"] as? String == "99.88")
        // Lyon: 45 s incoming, one minute (0.05 + 0.01 VAT).
        #expect(account("lyon")["balance"] as? String == "4.94")

        let statement = try Agent.run(["statement", "--config", configPath, "201", "--from", "2026-11-01", "--language", "en", "--columns", "56"])
        #expect(statement.status == 0, "\(statement.stderr)")
        let text = statement.stdout
        #expect(text.contains("PREPAID ACCOUNT STATEMENT") && text.contains("Agence Paris"))
        for expected in ["Top-up caisse-1", "+EUR 20.00", "2026-11-04 10:00 201 0612345678 00:02:00", "-EUR 0.36", "2026-11-04 10:01 202 0142681234 00:05:00", "-EUR 0.28"] {
            #expect(text.contains(expected), "the statement shows \(expected):\n\(text)")
        }
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("Closing balance") && $0.hasSuffix("EUR 19.36") }, "\(text)")
        let balances = try Agent.run(["balance", "--config", configPath, "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(balances.stdout.utf8)) as? [String: Any])["accounts"] as? [[String: Any]]
        #expect(list?.map { $0["balance"] as? String } == ["99.88", "19.36", "4.94"])
    }
}
