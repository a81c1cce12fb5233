import Foundation
import SMDRCore
import SMDRRating
import SMDRStore
import SMDRTickets
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Printing through a real private cupsd, to a raw AppSocket queue whose "printer" keeps the bytes.
struct PrintingTests {
    let calls = (0..<5).map { k in
        "2026/11/04 09:\(10 + k):00,00:0\(k + 1):05,3,201,O,014268123\(k),0014268123\(k),,0,100000\(k + 1),0,E201,Marie,T9001,Line 1.1,0,0\r\n"
    }

    func rig(_ name: String) throws -> (cups: PrivateCups, printer: FakeReceiptPrinter, data: String) {
        let cups = try PrivateCups()
        let printer = try FakeReceiptPrinter()
        try cups.addRawQueue("receipt", port: printer.port)
        let data = cups.dir.appendingPathComponent("data-\(name)").path
        try collectRatedCalls(calls, dataDir: data)
        return (cups, printer, data)
    }

    /// The bytes the layout makes for a stored call's ticket.
    func expectedTicket(_ data: String, row: Int, number: Int, copy: Bool = false) throws -> [UInt8] {
        // What `calls --json` shows of the call (the French tariff: EUR, cents) is what the ticket prints.
        let lines = try Agent.run(["calls", "--data-dir", data, "--json"]).stdout.split(separator: "\n").map(String.init)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(lines[row - 1].utf8)) as? [String: Any])
        let r = try #require(CallRecord(jsonLine: lines[row - 1]))
        let content = TicketContent(
            company: "ACME SA", number: number, copy: copy, station: r.extension_, userName: r.extensionName, start: r.start,
            durationSeconds: r.durationSeconds, direction: r.direction, dialled: r.number ?? r.dialed, units: o["units"] as? Int,
            cost: (o["cost"] as? String).flatMap { Money($0) }, vat: (o["vat"] as? String).flatMap { Money($0) },
            total: (o["cost_incl_vat"] as? String).flatMap { Money($0) }, currency: "EUR", decimals: 2, accountCode: r.accountCode,
            client: o["client"] as? String)
        return TicketLayout(kind: .receipt, columns: 42, strings: .french).render(content)
    }

    @Test func aTicketArrivesByteForByte() throws {
        let (cups, printer, data) = try rig("bytes")
        printer.switchOn()
        let r = try cups.agent(["ticket", "1", "--data-dir", data, "--printer", "receipt", "--company", "ACME SA"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("ticket 1 completed"))
        let expected = try expectedTicket(data, row: 1, number: 1)
        #expect(printer.waitFor(count: expected.count, timeout: 10))
        #expect(printer.bytes == expected)
        // A reprint is a copy, under the next ticket number.
        let again = try cups.agent(["ticket", "1", "--data-dir", data, "--printer", "receipt", "--company", "ACME SA"])
        #expect(again.stdout.contains("ticket 2 (copy) completed"), "\(again.stdout)")
        let copy = try expectedTicket(data, row: 1, number: 2, copy: true)
        #expect(printer.waitFor(count: expected.count + copy.count, timeout: 10))
        #expect(printer.bytes == expected + copy)
        _ = cups
    }

    /// With the printer off, tickets wait; when it is back they all arrive, once each, in order.
    @Test func ticketsWaitForThePrinterAndArriveInOrder() throws {
        let (cups, printer, data) = try rig("wait")
        for row in 1...3 {
            let r = try cups.agent(["ticket", String(row), "--data-dir", data, "--printer", "receipt", "--company", "ACME SA", "--wait", "0.3"])
            #expect(r.stdout.contains("queued"), "\(r.stdout) \(r.stderr)")
        }
        #expect(printer.bytes.isEmpty)
        let queue = try cups.agent(["print-queue", "--data-dir", data]).stdout
        #expect(queue.contains("submitted") && queue.contains("queued"), "\(queue)")
        printer.switchOn()
        let run = try cups.agent(["print-queue", "--data-dir", data, "--run", "30"])
        let expected = try (1...3).flatMap { try expectedTicket(data, row: $0, number: $0) }
        #expect(printer.waitFor(count: expected.count, timeout: 10))
        #expect(printer.bytes == expected, "tickets 1, 2, 3 once each, in order")
        #expect(run.stdout.components(separatedBy: "completed").count - 1 == 3, "\(run.stdout)")
    }

    /// The spooler killed with SIGKILL while a ticket is with CUPS, then restarted: nothing prints twice.
    @Test func aKilledSpoolerPrintsNothingTwice() throws {
        let (cups, printer, data) = try rig("kill")
        for row in 1...5 {
            _ = try cups.agent(["ticket", String(row), "--data-dir", data, "--printer", "receipt", "--company", "ACME SA", "--wait", "0"])
        }
        // The spooler hands ticket 1 to CUPS (the printer is off, so it stays there) and is killed.
        let p = Process()
        p.executableURL = Agent.binary
        p.arguments = ["print-queue", "--data-dir", data, "--run", "60"]
        p.environment = cups.environment
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        let store = try CallStore(path: data + "/smdr.sqlite", access: .readOnly)
        let until = Date().addingTimeInterval(15)
        while Date() < until, (try? store.printJobs().contains { $0.state == .submitted }) != true { usleep(20_000) }
        #expect(try store.printJobs().contains { $0.state == .submitted }, "ticket 1 handed to CUPS before the kill")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        printer.switchOn()
        _ = try cups.agent(["print-queue", "--data-dir", data, "--run", "30"])
        let expected = try (1...5).flatMap { try expectedTicket(data, row: $0, number: $0) }
        #expect(printer.waitFor(count: expected.count, timeout: 15))
        #expect(cups.waitIdle(), "every job sent")
        #expect(printer.bytes == expected, "each ticket once, in order (got \(printer.bytes.count) bytes, expected \(expected.count))")
    }

    @Test func aTextQueueGetsTheTextTicket() throws {
        let cups = try PrivateCups()
        let file = try cups.addTextQueue("office")
        let data = cups.dir.appendingPathComponent("data-text").path
        try collectRatedCalls(Array(calls.prefix(1)), dataDir: data)
        let r = try cups.agent(["ticket", "1", "--data-dir", data, "--printer", "office", "--layout", "text", "--language", "en", "--company", "ACME SA"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let until = Date().addingTimeInterval(10)
        var text = ""
        while Date() < until {
            text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if text.contains("Total incl. VAT") { break }
            usleep(100_000)
        }
        #expect(text.contains("CALL CHARGE TICKET") && text.contains("Total incl. VAT"), "\(text)")
    }

    @Test func printersListsTheDestinations() throws {
        let cups = try PrivateCups()
        let printer = try FakeReceiptPrinter()
        try cups.addRawQueue("receipt", port: printer.port)
        let r = try cups.agent(["printers"])
        #expect(r.stdout.contains("receipt") && r.stdout.contains("socket://127.0.0.1:\(printer.port)"), "\(r.stdout)")
    }
}

struct AutomaticTicketTests {
    /// A private cupsd with a receipt printer (on), a PBX on loopback TCP, and `run` printing
    /// tickets with the French tariff; `extra` adds the ticket options of the test.
    func startTicketingAgent(_ extra: [String]) throws -> (PrivateCups, FakeReceiptPrinter, LoopbackPBX, Process) {
        let cups = try PrivateCups()
        let printer = try FakeReceiptPrinter()
        try cups.addRawQueue("receipt", port: printer.port)
        printer.switchOn()
        let pbx = try LoopbackPBX()
        let agent = Process()
        agent.executableURL = Agent.binary
        agent.currentDirectoryURL = Agent.repo
        agent.environment = cups.environment
        agent.arguments = [
            "run", "--connect", "127.0.0.1:\(pbx.port)", "--format", "avaya-ipo", "--data-dir", cups.dir.appendingPathComponent("data").path,
            "--timezone", "Europe/Paris", "--tariff", "Samples/tariffs/france/tariff.yaml", "--print-to", "receipt", "--company", "ACME SA",
        ] + extra
        agent.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try agent.run()
        pbx.accept()
        return (cups, printer, pbx, agent)
    }

    /// `run --print-to`: external calls print by themselves, incoming ones do not (policy
    /// `external`), each ticket once, numbered 1, 2.
    @Test func externalCallsPrintTheirTicketsAsTheyArrive() throws {
        let (cups, printer, pbx, agent) = try startTicketingAgent(["--ticket-policy", "external"])
        let lines = [
            "2026/11/04 09:12:00,00:01:40,4,201,O,0612345678,00612345678,,0,1000001,0,E201,Marie,T9001,Line 1.1,0,0\r\n",
            "2026/11/04 09:14:00,00:00:40,4,0145678900,I,201,201,,0,1000002,0,E201,Marie,T9001,Line 1.1,0,0\r\n",
            "2026/11/04 09:20:00,00:01:01,3,202,O,0142681234,00142681234,,0,1000003,0,E202,Paul,T9001,Line 1.2,0,0\r\n",
        ]
        pbx.send(lines)
        let start: [UInt8] = [0x1B, 0x40, 0x1B, 0x74, 19]
        func tickets() -> Int {
            let b = printer.bytes
            guard b.count >= start.count else { return 0 }
            return (0...(b.count - start.count)).filter { Array(b[$0..<($0 + start.count)]) == start }.count
        }
        // Every call stored and every ticket decided; the agent stopped; cupsd done: nothing more can print.
        #expect(waitForStore(cups.dir.appendingPathComponent("data").path) { (try? $0.callCount()) == lines.count })
        let until = Date().addingTimeInterval(20)
        while tickets() < 2 && Date() < until { usleep(50_000) }
        kill(agent.processIdentifier, SIGTERM)
        agent.waitUntilExit()
        #expect(cups.waitIdle())
        withExtendedLifetime(cups) {}  // cupsd runs until the agent has stopped
        #expect(tickets() == 2, "two outgoing calls, two tickets")
        let text = String(decoding: printer.bytes.map { $0 >= 0x80 ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
        #expect(text.contains("0612345678") && text.contains("0142681234") && !text.contains("0145678900"))
        #expect(text.contains("Ticket n?                                1") && text.contains("Ticket n?                                2"), "\(text)")
    }

    /// The seed's situation: Marie (201, reception) sets up a call to 01 42 68 12 34 and transfers
    /// it to Paul (202). Paul's ticket says who transferred it ("Transféré par 201 Marie"); Marie's,
    /// whose own call it was, has no such line.
    @Test func aTransferredCallsTicketNamesWhoTransferredIt() throws {
        let (cups, printer, pbx, agent) = try startTicketingAgent(["--ticket-policy", "all", "--ticket-language", "en", "--api", "off"])
        pbx.send([
            "2026/11/04 09:12:00,00:00:40,4,201,O,0142681234,00142681234,,0,1000041,1,E201,Marie,T9001,Line 1.1,0,0\r\n",
            "2026/11/04 09:12:00,00:05:00,2,201,O,0142681234,00142681234,,0,1000041,0,E202,Paul,T9001,Line 1.1,0,0\r\n",
        ])
        let start: [UInt8] = [0x1B, 0x40]
        func tickets() -> [String] {
            let b = printer.bytes
            guard b.count >= 2 else { return [] }
            let starts = (0...(b.count - 2)).filter { b[$0] == start[0] && b[$0 + 1] == start[1] }
            return starts.indices.map { k in
                let end = k + 1 < starts.count ? starts[k + 1] : b.count
                return String(decoding: b[starts[k]..<end].map { $0 >= 0x80 ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
            }
        }
        #expect(waitForStore(cups.dir.appendingPathComponent("data").path) { (try? $0.callCount()) == 2 })
        let until = Date().addingTimeInterval(20)
        while tickets().count < 2 && Date() < until { usleep(50_000) }
        kill(agent.processIdentifier, SIGTERM)
        agent.waitUntilExit()
        #expect(cups.waitIdle())
        withExtendedLifetime(cups) {}  // cupsd runs until the agent has stopped
        let printed = tickets()
        #expect(printed.count == 2, "one ticket a leg")
        guard printed.count == 2 else { return }
        let marie = try #require(printed.first { $0.contains("Marie") && !$0.contains("Paul") })
        let paul = try #require(printed.first { $0.contains("Paul") })
        #expect(!marie.contains("Transferred by"), "\(marie)")
        let row = paul.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first { $0.hasPrefix("Transferred by") }
        #expect(row.map { $0.hasSuffix("201 Marie") } == true, "\(paul)")
    }
}
