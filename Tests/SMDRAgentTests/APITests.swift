import AsyncHTTPClient
import Foundation
import NIOCore
import SMDRCalls
import SMDRCore
import SMDRLive
import SMDRPrepaid
import SMDRStore
import Testing

/// The API as a PBX integration or a reception console meets it: a live server on an ephemeral
/// port over a real SQLite store, spoken to over HTTP.
struct APITests {
    static let tokens: [String: APIAccess.Role] = ["read-token": .read, "operate-token": .operate, "admin-token": .admin]

    enum Method { case GET, POST, DELETE }

    final class Rig: @unchecked Sendable {
        let dir: URL
        let store: CallStore
        let server: APIServer
        var port = 0

        init(
            host: String = "127.0.0.1", calls: Int = 0, bufferLimit: Int = 1024, idleTimeout: Double = 30, limits: ConnectionLimits = .init(),
            prepaid: ((CallStore) throws -> any PrepaidOperations)? = nil
        ) async throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-api-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            store = try CallStore(path: dir.appendingPathComponent("smdr.sqlite").path)
            var records: [CallRecord] = []
            let zone = ZoneClock(timeZone: TimeZone(identifier: "UTC")!)
            for k in 0..<calls {
                var r = CallRecord(format: "avaya-ipo", raw: "line \(k)", line: k + 1)
                r.offset = Int64(k * 100)
                r.start = zone.zoned(utc: 1_793_000_000 + Int64(k) * 60)
                r.durationSeconds = 30
                r.extension_ = k % 2 == 0 ? "201" : "202"
                r.direction = k % 3 == 0 ? .incoming : .outgoing
                r.number = "01426812\(String(format: "%02d", k))"
                records.append(r)
            }
            try store.commit(source: "pbx", records: records, rejects: [], checkpoint: nil, receivedAt: 0)
            let hub = try EventHub(store: store, bufferLimit: bufferLimit)
            server = try APIServer(
                configuration: .init(host: host, port: 0, tokens: APITests.tokens, idleTimeoutSeconds: idleTimeout, limits: limits), store: store, hub: hub,
                stations: ["201": StationSettings(name: "Marie", monitoring: true, recallTo: "reception", maxDuration: 600)], defaultLimit: 3600,
                status: { [SourceStatus(id: "pbx", link: "connected", bytes: 10, secondsSinceLastByte: 1, lagBytes: 0)] }, prepaid: try prepaid?(store))
            port = try await server.start()
        }

        func stop() async {
            await server.stop()
            try? FileManager.default.removeItem(at: dir)
        }

        func request(_ method: Method, _ path: String, token: String? = nil, body: String? = nil, host: String = "127.0.0.1") async throws -> (status: Int, body: String) {
            var r = HTTPClientRequest(url: "http://\(host):\(port)\(path)")
            switch method {
            case .GET: r.method = .GET
            case .POST: r.method = .POST
            case .DELETE: r.method = .DELETE
            }
            if let token { r.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let body {
                r.headers.add(name: "Content-Type", value: "application/json")
                r.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await HTTPClient.shared.execute(r, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: bytes))
        }

        func json(_ text: String) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    }

    @Test func writesNeedATokenAndReadsAreOpenOnLoopback() async throws {
        let rig = try await Rig(calls: 3)
        #expect(try await rig.request(.GET, "/calls").status == 200)
        #expect(try await rig.request(.POST, "/recalls", body: #"{"station":"202"}"#).status == 401)
        #expect(try await rig.request(.POST, "/recalls", token: "not-a-token", body: #"{"station":"202"}"#).status == 401)
        #expect(try await rig.request(.GET, "/recalls").body.contains(#""requests":[]"#), "nothing was queued by refused requests")
        await rig.stop()
    }

    @Test func beyondLoopbackEveryRequestNeedsAToken() async throws {
        let rig = try await Rig(host: "0.0.0.0", calls: 1)
        #expect(try await rig.request(.GET, "/calls").status == 401)
        #expect(try await rig.request(.GET, "/health").status == 401)
        #expect(try await rig.request(.GET, "/calls", token: "read-token").status == 200)
        await rig.stop()
        // And a wide bind with no token configured does not start at all.
        let store = rig.store
        #expect(throws: APIError.self) {
            try APIServer(configuration: .init(host: "0.0.0.0", port: 0, tokens: [:]), store: store, hub: try EventHub(store: store), stations: [:], defaultLimit: nil, status: { [] })
        }
    }

    @Test func rolesDecideWhatATokenMayDo() async throws {
        let rig = try await Rig(calls: 1)
        #expect(try await rig.request(.POST, "/recalls", token: "read-token", body: #"{"station":"202"}"#).status == 403)
        let made = try await rig.request(.POST, "/recalls", token: "operate-token", body: #"{"station":"202","requested_by":"reception"}"#)
        #expect(made.status == 201)
        let request = rig.json(made.body)
        #expect(request["station"] as? String == "202" && request["destination"] as? String == "reception" && request["state"] as? String == "pending")
        #expect(try await rig.request(.POST, "/webhooks/retry", token: "operate-token").status == 403)
        #expect(try await rig.request(.POST, "/webhooks/retry", token: "admin-token").status == 200)
        // An admin may do what an operator may.
        let id = request["id"] as? Int ?? -1
        #expect(try await rig.request(.DELETE, "/recalls/\(id)", token: "admin-token").status == 204)
        #expect(try await rig.request(.DELETE, "/recalls/\(id)", token: "admin-token").status == 404, "already cancelled")
        await rig.stop()
    }

    @Test func callsArePagedWithACursorAndFiltered() async throws {
        let rig = try await Rig(calls: 25)
        var seen: [Int] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = rig.json(try await rig.request(.GET, "/calls?limit=10" + (cursor.map { "&cursor=\($0)" } ?? "")).body)
            seen += (page["calls"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            cursor = page["next"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 3)
        #expect(seen.count == 25 && Set(seen).count == 25 && seen == seen.sorted())
        let mine = rig.json(try await rig.request(.GET, "/calls?extension=201&direction=outgoing&limit=100").body)["calls"] as? [[String: Any]] ?? []
        let expected = (0..<25).filter { $0 % 2 == 0 && $0 % 3 != 0 }.count
        #expect(mine.count == expected)
        #expect(mine.allSatisfy { ($0["record"] as? [String: Any])?["extension"] as? String == "201" })
        let from = 1_793_000_000 + 10 * 60
        let ranged = rig.json(try await rig.request(.GET, "/calls?from=\(from)&to=\(from + 5 * 60)").body)["calls"] as? [[String: Any]] ?? []
        #expect(ranged.count == 5)
        #expect(try await rig.request(.GET, "/calls?direction=sideways").status == 400)
        let one = rig.json(try await rig.request(.GET, "/calls/\(seen[3])").body)
        #expect((one["record"] as? [String: Any])?["id"] as? Int == seen[3])
        #expect(try await rig.request(.GET, "/calls/999999").status == 404)
        await rig.stop()
    }

    @Test func stationsServeTheirDurationLimits() async throws {
        let rig = try await Rig()
        let marie = rig.json(try await rig.request(.GET, "/stations/201").body)
        #expect(marie["max_duration_s"] as? Int == 600 && marie["warn_before_s"] as? Int == 20 && marie["monitoring"] as? Bool == true)
        let other = rig.json(try await rig.request(.GET, "/stations/299").body)
        #expect(other["max_duration_s"] as? Int == 3600, "the default limit")
        let metrics = try await rig.request(.GET, "/metrics").body
        #expect(metrics.contains("smdr_source_up{source=\"pbx\"} 1") && metrics.contains("smdr_api_request_seconds_count{route=\"/stations/{ext}\"} 2"))
        await rig.stop()
    }

    /// A client that stops reading falls behind and is cut off: its stream then ends at once (after
    /// what was already on the wire, not after the events still buffered for it), with a comment
    /// saying why and where to resume, so it reconnects with Last-Event-ID.
    @Test func aCutOffClientSeesItsStreamEnd() async throws {
        let rig = try await Rig(bufferLimit: 16)
        let client = try #require(SSEClient(port: rig.port, path: "/events"))
        _ = readUntil(client.fd, timeout: 2) { $0.contains("smdr-agent events") }
        let padding = String(repeating: "x", count: 4000)
        var sent = 0
        while rig.server.hub.cutOff == 0 && sent < 4000 {
            for _ in 0..<50 { try rig.store.addEvent(.init(type: "alert", destination: nil, json: "{\"pad\":\"\(padding)\"}")) }
            sent += 50
            rig.server.hub.notify()
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(rig.server.hub.cutOff == 1, "cut off after \(sent) events")
        let rest = readUntil(client.fd, timeout: 10) { $0.contains("\r\n0\r\n\r\n") }
        #expect(rest.contains(": cut off: this client fell 16 events behind; reconnect with Last-Event-ID"))
        #expect(rest.hasSuffix("\r\n0\r\n\r\n"), "the chunked response ends")
        #expect(client.parse(rest).count < sent, "the events still buffered are not sent")
        await rig.stop()
    }

    /// Connections that say nothing, or trickle half a request, are closed after the idle timeout:
    /// 300 of them hold no descriptor for ever, /health answers throughout, and an event stream
    /// (a response in progress) is not idle and stays open.
    @Test func idleAndSlowConnectionsAreClosed() async throws {
        let rig = try await Rig(idleTimeout: 0.3)
        let stream = try #require(SSEClient(port: rig.port, path: "/events"))
        _ = readUntil(stream.fd, timeout: 2) { $0.contains("smdr-agent events") }
        var idle: [Int32] = []
        for k in 0..<300 {
            let fd = connectLoopback(rig.port)
            guard fd >= 0 else { continue }
            if k % 3 == 0 {
                let partial = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"  // never finished
                _ = Array(partial.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            }
            idle.append(fd)
        }
        #expect(idle.count == 300)
        // On a fresh connection each time: a pooled client's would itself be idle-closed.
        #expect(httpRequest(port: rig.port, "GET", "/health").status == 200)
        // Waited for by watching the sockets close, not by sleeping a fixed time.
        let closed = idle.filter { closedByServer($0, within: 5) }.count
        idle.forEach { close($0) }
        #expect(closed == 300, "\(closed) of 300 idle connections closed by the server")
        #expect(httpRequest(port: rig.port, "GET", "/health").status == 200)
        try rig.store.addEvent(.init(type: "alert", destination: nil, json: "{\"n\":1}"))
        rig.server.hub.notify()
        #expect(stream.frames(atLeast: 1, timeout: 5).count == 1, "the event stream outlived the idle timeout")
        await rig.stop()
    }

    /// At `max_connections` the longest-idle client makes room for a new one: 200 idle clients
    /// against a limit of 20 never stop `/health`, the server never holds more than 20, and a
    /// busy event stream is never the one let go. When every connection is busy, the new one is
    /// refused.
    @Test func fullServerLetsTheIdleGoFirst() async throws {
        let rig = try await Rig(limits: ConnectionLimits(maxConnections: 20))
        let stream = try #require(SSEClient(port: rig.port, path: "/events"))
        _ = readUntil(stream.fd, timeout: 2) { $0.contains("smdr-agent events") }
        var idle: [Int32] = []
        for k in 0..<200 {
            let fd = connectLoopback(rig.port)
            guard fd >= 0 else { continue }
            if k % 2 == 0 { _ = Array("GET /health HTTP/1.1\r\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            idle.append(fd)
            if k % 50 == 49 { #expect(httpRequest(port: rig.port, "GET", "/health").status == 200, "after \(k + 1) idle clients") }
        }
        #expect(httpRequest(port: rig.port, "GET", "/health").status == 200)
        let counts = rig.server.connections.counts
        #expect(counts.open <= 20)
        #expect(counts.evicted >= 180, "\(counts.evicted) idle connections let go")
        #expect(counts.refused == 0)
        let closed = idle.filter { closedByServer($0, within: 0.05) }.count
        #expect(closed >= 180, "\(closed) of 200 idle clients see their connection closed")
        idle.forEach { close($0) }
        try rig.store.addEvent(.init(type: "alert", destination: nil, json: "{\"n\":1}"))
        rig.server.hub.notify()
        #expect(stream.frames(atLeast: 1, timeout: 5).count == 1, "the event stream was kept")
        await rig.stop()

        let busy = try await Rig(limits: ConnectionLimits(maxConnections: 3))
        let streams = (0..<3).compactMap { _ in SSEClient(port: busy.port, path: "/events") }
        for s in streams { _ = readUntil(s.fd, timeout: 2) { $0.contains("smdr-agent events") } }
        let late = connectLoopback(busy.port)
        #expect(closedByServer(late, within: 2), "a fourth client while three streams are busy is refused")
        close(late)
        #expect(busy.server.connections.counts.refused == 1)
        #expect(busy.server.connections.counts.open == 3)
        await busy.stop()
    }

    /// A request whose body stops coming is closed `requestSeconds` after its head; an
    /// event-stream client that stops reading (its socket full) is closed `writeStallSeconds`
    /// after the server could no longer write, and its stream is released.
    @Test func stalledBodiesAndStalledReadersAreClosed() async throws {
        let rig = try await Rig(bufferLimit: 100_000, limits: ConnectionLimits(requestSeconds: 0.3, writeStallSeconds: 0.5))
        let slowBody = connectLoopback(rig.port)
        let head = "POST /recalls HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer operate-token\r\nContent-Length: 1000\r\n\r\n{\"call\":"
        _ = Array(head.utf8).withUnsafeBytes { write(slowBody, $0.baseAddress, $0.count) }
        #expect(closedByServer(slowBody, within: 3), "a body that stops coming is not waited for")
        close(slowBody)
        #expect(rig.server.connections.counts.timedOut == 1)

        let reader = try #require(SSEClient(port: rig.port, path: "/events"))
        _ = readUntil(reader.fd, timeout: 2) { $0.contains("smdr-agent events") }
        let padding = String(repeating: "x", count: 4000)
        var sent = 0
        while rig.server.connections.counts.timedOut < 2 && sent < 20_000 {
            for _ in 0..<50 { try rig.store.addEvent(.init(type: "alert", destination: nil, json: "{\"pad\":\"\(padding)\"}")) }
            sent += 50
            rig.server.hub.notify()
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(rig.server.connections.counts.timedOut == 2, "the reader that stopped reading is closed (\(sent) events sent)")
        #expect(rig.server.hub.cutOff == 0, "closed for stalling, before its buffer overflowed")
        var drained = 0
        #expect(closedByServer(reader.fd, within: 10, draining: true, count: &drained), "after \(drained) bytes")
        #expect(try await rig.request(.GET, "/health").status == 200)
        await rig.stop()
    }

    @Test func theEventStreamResumesFromLastEventID() async throws {
        let rig = try await Rig()
        for k in 1...5 { try rig.store.addEvent(.init(type: "alert", destination: nil, json: "{\"n\":\(k)}")) }
        let client = try #require(SSEClient(port: rig.port, path: "/events", headers: ["Last-Event-ID": "2"]))
        var frames = client.frames(atLeast: 3, timeout: 5)
        #expect(frames.map(\.id) == [3, 4, 5])
        // Live events follow the backlog, none twice, none missed.
        try rig.store.addEvent(.init(type: "recall", destination: "reception", json: "{\"n\":6}"))
        rig.server.hub.notify()
        frames = client.frames(atLeast: 4, timeout: 5)
        #expect(frames.map(\.id) == [3, 4, 5, 6])
        #expect(frames.last?.event == "recall")
        // A filtered client resumes too.
        let recallsOnly = try #require(SSEClient(port: rig.port, path: "/events?types=recall&since=0"))
        #expect(recallsOnly.frames(atLeast: 1, timeout: 5).map(\.id) == [6])
        await rig.stop()
    }
}
