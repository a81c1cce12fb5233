import Foundation
import SMDRSerial

#if canImport(Glibc)
import Glibc
#endif

/// The live side measured from outside, as reception sees it: a release agent reads a pty; for
/// each transferred call, the time from the last byte of the closing record written to the recall
/// frame read on the event stream, and to the webhook POST received. Also the agent with 200
/// event-stream clients connected: a burst of records stored at the same speed as with none.
enum LiveBench {
    /// A loopback listener that notes when each webhook POST arrives (answers 200).
    final class Receiver: @unchecked Sendable {
        let fd: Int32
        let port: Int
        let lock = NSLock()
        var arrivals: [String: Double] = [:]

        init() {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            listen(fd, 64)
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            port = Int(UInt16(bigEndian: addr.sin_port))
            Thread.detachNewThread {
                while true {
                    let c = accept(fd, nil, nil)
                    if c < 0 { return }
                    Thread.detachNewThread { self.serve(c) }
                }
            }
        }

        func serve(_ c: Int32) {
            defer { close(c) }
            var text = ""
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(c, &buf, buf.count)
                if n <= 0 { return }
                text += String(decoding: buf[0..<n], as: UTF8.self)
                // One POST per connection is enough to see: its body names the call.
                if let r = text.range(of: "\"call_key\":\""), let end = text[r.upperBound...].firstIndex(of: "\"") {
                    let key = String(text[r.upperBound..<end])
                    let t = now()
                    lock.withLock { if arrivals[key] == nil { arrivals[key] = t } }
                    let ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                    _ = Array(ok.utf8).withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
                    text = ""
                }
            }
        }
    }

    static func connect(_ port: Int, _ path: String) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        _ = Array(request.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        return fd
    }

    static func get(_ port: Int, _ path: String) -> String {
        let fd = connect(port, path)
        defer { close(fd) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, 2000) > 0 {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
            if String(decoding: out, as: UTF8.self).contains("\r\n0\r\n\r\n") { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func recordsStored(_ port: Int) -> Int {
        let text = get(port, "/metrics")
        guard let r = text.range(of: "\nsmdr_records_total ") else { return -1 }
        return Int(text[r.upperBound...].prefix { $0.isNumber }) ?? -1
    }

    /// Runs the agent on `config` with the API on a free loopback port; the port is 0 when it
    /// did not start within 10 s (its log says why).
    static func startAgent(_ agentPath: String, config: String, dir: URL) throws -> (process: Process, port: Int, log: URL) {
        try config.write(to: dir.appendingPathComponent("agent.yaml"), atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("agent.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agentPath)
        p.arguments = ["run", "--config", dir.appendingPathComponent("agent.yaml").path, "--api", "127.0.0.1:0"]
        p.standardError = try FileHandle(forWritingTo: log)
        try p.run()
        var port = 0
        for _ in 0..<200 where port == 0 {
            usleep(50_000)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: "API listening on 127.0.0.1:") { port = Int(text[r.upperBound...].prefix { $0.isNumber }) ?? 0 }
        }
        return (p, port, log)
    }

    static func run(agentPath: String, quick: Bool) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-bench-live-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = Receiver()
        let pty = try PseudoTerminal()
        let config = """
            data_dir: \(dir.path)/data
            timezone: Europe/Paris
            sources:
              - {id: pbx, device: \(pty.slavePath), format: avaya-ipo}
            stations:
              "201": {name: Marie, monitoring: true, recall_to: reception}
            webhooks:
              - {name: desk, url: "http://127.0.0.1:\(receiver.port)/hook", secret: bench, events: [recall]}
            """
        let (p, port, log) = try startAgent(agentPath, config: config, dir: dir)
        defer {
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
        }
        guard port > 0 else {
            print("live bench: the agent did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            return
        }

        // The same burst with no client, for comparison.
        let baseline = burst(pty: pty, port: port, quick: quick, first: 4_000_000, label: "capture with no event-stream client")

        // 200 event-stream clients, read continuously on one thread (like 200 consoles).
        let clients = (0..<200).map { _ in connect(port, "/events?types=recall") }
        final class Seen: @unchecked Sendable {
            var times: [String: Double] = [:]
            var reading = true
        }
        let lock = NSLock()
        let box = Seen()
        Thread.detachNewThread {
            var buf = [UInt8](repeating: 0, count: 65536)
            var pending = [String](repeating: "", count: clients.count)
            var fds = clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            while lock.withLock({ box.reading }) {
                guard poll(&fds, nfds_t(fds.count), 100) > 0 else { continue }
                for k in fds.indices where fds[k].revents & Int16(POLLIN) != 0 {
                    let n = read(fds[k].fd, &buf, buf.count)
                    if n <= 0 { continue }
                    // The first client's frames are timed; the others are read and dropped.
                    guard k == 0 else { continue }
                    pending[k] += String(decoding: buf[0..<n], as: UTF8.self)
                    while let r = pending[k].range(of: "\"call_key\":\"") {
                        let rest = pending[k][r.upperBound...]
                        guard let end = rest.firstIndex(of: "\"") else { break }
                        let key = String(rest[..<end])
                        let t = now()
                        lock.withLock { if box.times[key] == nil { box.times[key] = t } }
                        pending[k] = String(rest[end...])
                    }
                }
            }
            for fd in clients { close(fd) }
        }
        usleep(1_000_000)

        // Transferred calls, one after another: Marie sets up, Paul's closing record ends it.
        let calls = quick ? 100 : 300
        var written: [String: Double] = [:]
        var offset = baseline.bytes
        let date = "2026/11/04 09:12:00"
        for k in 0..<calls {
            let id = 2_000_000 + k
            let first = Array("\(date),00:00:40,4,201,O,0142681234,00142681234,,0,\(id),1,E201,Marie,T9001,Line 1.1,0,0\r\n".utf8)
            let last = Array("\(date),00:05:00,2,201,O,0142681234,00142681234,,0,\(id),0,E202,Paul,T9001,Line 1.1,0,0\r\n".utf8)
            pty.write(first)
            offset += first.count
            pty.write(last)
            // The call's key is the source and the journal offset of its first record.
            written["pbx-\(offset - first.count)"] = now()
            offset += last.count
            usleep(20_000)
        }
        usleep(2_000_000)
        func report(_ name: String, _ arrivals: [String: Double]) {
            let lat = written.compactMap { key, t in arrivals[key].map { $0 - t } }.sorted()
            guard !lat.isEmpty else {
                print("\(name): nothing arrived")
                return
            }
            func pct(_ q: Double) -> Double { lat[min(lat.count - 1, Int(Double(lat.count) * q))] * 1000 }
            print(String(format: "%@ (%d of %d calls): p50 %.1f ms, p99 %.1f ms, max %.1f ms   target p99 < 50 ms", name, lat.count, calls, pct(0.5), pct(0.99), lat.last! * 1000))
        }
        print("")
        report("closing record → recall on the event stream (200 clients)", lock.withLock { box.times })
        report("closing record → webhook POST received", receiver.lock.withLock { receiver.arrivals })
        print(baseline.text)

        print(burst(pty: pty, port: port, quick: quick, first: 3_000_000, label: "capture with 200 event-stream clients connected").text)
        lock.withLock { box.reading = false }
    }

    /// A burst of plain calls written to the pty at once; the time until the store has them all.
    static func burst(pty: PseudoTerminal, port: Int, quick: Bool, first: Int, label: String) -> (text: String, bytes: Int) {
        let count = quick ? 5_000 : 20_000
        let before = recordsStored(port)
        var text: [UInt8] = []
        for k in 0..<count {
            text += Array("2026/11/04 10:00:00,00:01:00,4,203,O,0142681234,00142681234,,0,\(first + k),0,E203,Luc,T9001,Line 1.1,0,0\r\n".utf8)
        }
        let t0 = now()
        pty.write(text)
        while recordsStored(port) < before + count && now() - t0 < 120 { usleep(20_000) }
        let t = now() - t0
        let cut = get(port, "/metrics").split(separator: "\n").first { $0.hasPrefix("smdr_event_stream_cut_off_total") }.map { String($0.split(separator: " ").last ?? "?") } ?? "?"
        return (String(format: "%@: %d records through the pty stored in %.2f s (%@ records/s), clients cut off: %@", label, count, t, grouped(Int(Double(count) / t)), cut), text.count)
    }
}
