import Foundation
import SMDRCore
import SMDRRating

enum RatingBench {
    /// A deck of `n` distinct international prefixes.
    static func deckCSV(_ n: Int) -> String {
        var s = "prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge\n"
        s.reserveCapacity(n * 48)
        for k in 0..<n {
            s += "\(33_100_000 + k * 7),Destination \(k % 997),0.0\(k % 10),0.\(String(format: "%04d", k % 5000)),60,1,0\n"
        }
        return s
    }

    /// A French-style tariff over one deck (`deck.csv`), peak and off-peak bands.
    static let tariffYAML = """
        name: bench
        currency: EUR
        vat_percent: "20"
        numbering: {access_digit: "0", national_prefix: "0", international_prefix: "00", country_code: "33", national_length: 9}
        versions:
          - effective_from: 2026-01-01
            decks: {day: deck.csv}
            bands:
              - {name: offpeak, days: [mon, tue, wed, thu, fri], from: "20:00", to: "08:00", deck: day}
              - {name: peak, default: true, deck: day}
            free: ["15", "112", "0800"]
        """

    static func tariff(deck: String) throws -> Tariff {
        try Tariff.load(yaml: tariffYAML, source: "bench.yaml") { _ in deck }
    }

    static func run(quick: Bool) throws {
        let n = 100_000
        let csv = deckCSV(n)
        let t0 = now()
        let deck = try RateDeck.load(csv: csv, name: "bench.csv")
        let load = now() - t0
        print("")
        print(String(format: "rate deck load, %@ prefixes: %.3f s   target < 1 s", grouped(deck.entries.count), load))
        let rater = Rater(tariff: try tariff(deck: csv))
        let zone = ZoneClock(timeZone: TimeZone(identifier: "Europe/Paris")!)
        var calls: [CallRecord] = []
        for k in 0..<10_000 {
            var r = CallRecord(format: "bench", raw: "", line: k)
            r.start = zone.zoned(CivilDateTime(year: 2026, month: 11, day: 2 + k % 5, hour: 7 + k % 14, minute: k % 60, second: k % 60)!)
            r.durationSeconds = 5 + k % 900
            r.direction = .outgoing
            r.answered = true
            r.number = "0" + String(33_100_000 + (k * 7919) % n * 7).dropFirst(2) + String(k % 10)
            calls.append(r)
        }
        let total = quick ? 200_000 : 1_000_000
        var checksum: Int64 = 0
        let t1 = now()
        var k = 0
        while k < total {
            checksum &+= rater.rate(calls[k % calls.count]).cost.micros
            k += 1
        }
        let rate = Double(total) / (now() - t1)
        print("rating in process, \(grouped(total)) calls: \(grouped(Int(rate))) calls/s   target ≥ 1,000,000/s   (checksum \(checksum % 1000))")
    }

    /// `smdr-agent rate` over a 1,000,000-call Avaya capture.
    static func rateCommand(agentPath: String, quick: Bool) throws {
        let n = quick ? 200_000 : 1_000_000
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-bench-rate-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try deckCSV(100_000).write(to: dir.appendingPathComponent("deck.csv"), atomically: true, encoding: .utf8)
        try tariffYAML.write(to: dir.appendingPathComponent("tariff.yaml"), atomically: true, encoding: .utf8)
        var text: [UInt8] = []
        text.reserveCapacity(n * 130)
        for k in 0..<n {
            let number = "0" + String(33_100_000 + (k * 7919) % 100_000 * 7).dropFirst(2) + String(k % 10)
            text += Array("2026/11/04 09:\(String(format: "%02d:%02d", k / 60 % 60, k % 60)),00:0\(k % 10):\(String(format: "%02d", k % 60)),3,2\(k % 100),O,\(number),0\(number),,0,\(1_000_000 + k),0,E2\(k % 100),User,T9001,Line 1.1,0,0\r\n".utf8)
        }
        let capture = dir.appendingPathComponent("calls.smdr")
        FileManager.default.createFile(atPath: capture.path, contents: Data(text))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agentPath)
        p.arguments = ["rate", "--tariff", dir.appendingPathComponent("tariff.yaml").path, "--format", "avaya-ipo", "--timezone", "Europe/Paris", capture.path]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        let t0 = now()
        try p.run()
        p.waitUntilExit()
        print(String(format: "smdr-agent rate, %@ calls (100,000-prefix deck): %.2f s   target < 5 s (for 1,000,000)", grouped(n), now() - t0))
    }
}
