import Crypto
import Foundation
import SMDRSerial
import SMDRStore
import Testing

/// The whole chain as a receptionist lives it: a PBX prints on a serial line (a real pty), the
/// agent stores, rates and assembles the call, and the cost recall reaches the reception desk on
/// the event stream and by webhook, once, although the webhook receiver is down at first.
struct RecallEndToEndTests {
    /// Avaya IP Office: Marie (201, reception, monitored) calls 01 42 68 12 34 for Paul and
    /// transfers the call to him (same Call ID, Continuation 1 then 0); Paul hangs up after 5 min.
    static let capture = [
        "2026/11/04 09:12:00,00:00:40,4,201,O,0142681234,00142681234,,0,1000041,1,E201,Marie,T9001,Line 1.1,0,0\r\n",
        "2026/11/04 09:12:00,00:05:00,2,201,O,0142681234,00142681234,,0,1000041,0,E202,Paul,T9001,Line 1.1,0,0\r\n",
    ]

    @Test func aTransferredCallRecallsReceptionOnceOnTheStreamAndByWebhook() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-recall-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pty = try PseudoTerminal()
        let receiver = WebhookReceiver(failFirst: 2)
        defer { receiver.stop() }
        let agent = try RunningAgent(
            config: """
                data_dir: \(dir.path)/data
                timezone: Europe/Paris
                tariff: Samples/tariffs/france/tariff.yaml
                sources:
                  - id: pbx
                    device: \(pty.slavePath)
                    serial: 9600,8N1
                    format: avaya-ipo
                stations:
                  "201": {name: Marie, monitoring: true, recall_to: reception}
                  "202": {name: Paul}
                webhooks:
                  - name: desk
                    url: http://127.0.0.1:\(receiver.port)/smdr
                    secret: s3cret
                    events: [recall]
                    destinations: [reception]
                    retry_initial: 0.2
                    retry_max: 0.5
                """, dir: dir)
        defer { agent.stop() }
        try #require(agent.port > 0, "the agent logs its API port: \(agent.logText)")
        let stream = try #require(SSEClient(port: agent.port, path: "/events?types=recall&destination=reception"))
        _ = readUntil(stream.fd, timeout: 5) { $0.contains(": smdr-agent events") }

        for line in RecallEndToEndTests.capture { pty.write(Array(line.utf8)) }

        // The event stream: one recall, about Paul's leg.
        _ = stream.frames(atLeast: 1, timeout: 15)
        let frames = stream.frames(atLeast: 2, timeout: 1.5)  // a second one would be a duplicate
        let recalls = frames.filter { $0.event == "recall" }
        try #require(recalls.count == 1, "exactly one recall on the stream: \(frames.map { "\($0.id) \($0.event) \($0.data)" }.joined(separator: "\n"))")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(recalls[0].data.utf8)) as? [String: Any])
        let recall = try #require(envelope["data"] as? [String: Any])
        #expect(envelope["destination"] as? String == "reception")
        #expect(recall["party"] as? String == "202" && recall["party_name"] as? String == "Paul")
        #expect(recall["set_up_by"] as? String == "201")
        #expect(recall["external_number"] as? String == "0142681234")
        #expect(recall["duration_s"] as? Int == 300)
        // 0.09 connection + 5 min × 0.028 = 0.23 excl. VAT; +20 % VAT = 0.28; 0.23 / 0.12 a unit → 2 units.
        #expect(recall["cost"] as? String == "0.23" && recall["cost_incl_vat"] as? String == "0.28")
        #expect(recall["units"] as? Int == 2)

        // The webhook: down for two attempts, then delivered once, signed, with one idempotency key.
        let until = Date().addingTimeInterval(15)
        while receiver.hits.filter({ $0.status == 200 }).isEmpty && Date() < until { usleep(50_000) }
        // Once the agent counts the delivery, it sends no more for this event: the hits are final.
        while !httpRequest(port: agent.port, "GET", "/metrics").body.contains("smdr_webhook_posts_total{outcome=\"delivered\"} 1"), Date() < until {
            usleep(20_000)
        }
        let hits = receiver.hits
        #expect(hits.map(\.status) == [503, 503, 200], "\(hits.map(\.status))")
        #expect(Set(hits.map { $0.headers["idempotency-key"] ?? "" }).count == 1)
        let delivered = try #require(hits.last)
        #expect(delivered.headers["x-smdr-event"] == "recall")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(delivered.body.utf8)) as? [String: Any])
        #expect((body["data"] as? [String: Any])?["party"] as? String == "202")
        #expect((body["data"] as? [String: Any])?["cost"] as? String == "0.23")
        #expect(body["id"] as? Int == recalls[0].id, "the webhook and the stream carry the same event id")
        // The signature a receiver checks: HMAC-SHA256("t.body") with the shared secret.
        let sig = try #require(delivered.headers["x-smdr-signature"])
        let t = String(sig.split(separator: ",")[0].dropFirst(2))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(t).\(delivered.body)".utf8), using: SymmetricKey(data: Array("s3cret".utf8)))
        #expect(sig == "t=\(t),v1=" + mac.map { String(format: "%02x", $0) }.joined())
        // The reception console: `recalls --follow` prints the summary line.
        let follower = Process()
        follower.executableURL = Agent.binary
        follower.arguments = ["recalls", "--follow", "--url", "http://127.0.0.1:\(agent.port)", "--destination", "reception", "--since", "0"]
        let out = Pipe()
        follower.standardOutput = out
        try follower.run()
        let line = readUntil(out.fileHandleForReading.fileDescriptor, timeout: 10) { $0.contains("\n") }
        follower.terminate()
        follower.waitUntilExit()
        #expect(line.hasPrefix("reception: 202 (Paul) · 0142681234 · 0:05:00 · 2 units · 0.23 EUR excl. VAT · 0.28 EUR incl. VAT"), "\(line)")

        agent.stop()
        #expect(agent.process.terminationStatus == 0, "a clean stop with a client on the stream: \(agent.logText)")
    }

    /// A station that asks for a ticket on recall gets one queued with the recall; an operator
    /// can queue a ticket for any stored call through the API (a second one of a leg is a copy).
    @Test func ticketsOnRecallAndThroughTheAPI() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-recall-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pty = try PseudoTerminal()
        let agent = try RunningAgent(
            config: """
                data_dir: \(dir.path)/data
                timezone: Europe/Paris
                tariff: Samples/tariffs/france/tariff.yaml
                sources:
                  - {id: pbx, device: \(pty.slavePath), format: avaya-ipo}
                tickets: {printer: no-such-queue, layout: text, default: none}
                api:
                  tokens:
                    - {token: desk-token, role: operate}
                stations:
                  "201": {name: Marie, monitoring: true, recall_to: reception, print_on_recall: true}
                """, dir: dir)
        defer { agent.stop() }
        try #require(agent.port > 0, "\(agent.logText)")
        let stream = try #require(SSEClient(port: agent.port, path: "/events?types=recall&since=0"))
        for line in RecallEndToEndTests.capture { pty.write(Array(line.utf8)) }
        #expect(stream.frames(atLeast: 1, timeout: 15).count == 1)
        let paul = httpRequest(port: agent.port, "GET", "/calls?extension=202")
        let rows = ((try? JSONSerialization.jsonObject(with: Data(paul.body.utf8))) as? [String: Any])?["calls"] as? [[String: Any]] ?? []
        let row = try #require(rows.first?["id"] as? Int, "\(paul.body)")
        #expect(rows.first?["call_key"] as? String == "pbx-0" && rows.first?["leg_role"] as? String == "transferred")
        #expect(httpRequest(port: agent.port, "POST", "/calls/\(row)/ticket").status == 401)
        let queued = httpRequest(port: agent.port, "POST", "/calls/\(row)/ticket", token: "desk-token")
        #expect(queued.status == 201 && queued.body.contains("\"copy\":true"), "\(queued)")
        agent.stop()
        let queue = try Agent.run(["print-queue", "--data-dir", "\(dir.path)/data"])
        let tickets = queue.stdout.split(separator: "\n").filter { $0.contains("ticket ") }
        #expect(tickets.count == 2, "\(queue.stdout)")
        #expect(tickets.first?.contains("ticket 1\t") == true && tickets.last?.contains("ticket 2 (copy)") == true, "\(queue.stdout)")
        // The ticket on recall prints Paul's leg as it was rated when stored: 5 min to 01 42 68 12 34,
        // 0.09 + 5 × 0.028 = 0.23, 0.28 with VAT; set up by Marie.
        let jobs = try CallStore(path: "\(dir.path)/data/smdr.sqlite", access: .readOnly).printJobs()
        let text = String(decoding: try #require(jobs.first { $0.ticketNumber == 1 }).content, as: UTF8.self)
        #expect((text.contains("0,28") || text.contains("0.28")) && (text.contains("0,23") || text.contains("0.23")), "\(text)")
        #expect(text.contains("201 Marie"), "\(text)")
    }
}
