import Foundation
import SMDRSerial

#if canImport(Glibc)
import Glibc
#endif

/// `/authorize` on the running agent: latency at 1,000 requests per second on loopback, and the
/// agent's memory over a million authorisations (each reserves, in the SQLite ledger).
enum PrepaidBench {
    /// One keep-alive HTTP/1.1 connection.
    final class Connection {
        let fd: Int32
        var buffer = [UInt8](repeating: 0, count: 16_384)

        init?(port: Int) {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            // An answer that never comes counts as a failure instead of stalling the bench.
            var limit = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            if ok != 0 { return nil }
        }

        deinit { close(fd) }

        /// Sends a request and reads the whole response; its status (0 on failure).
        func send(_ request: [UInt8]) -> Int {
            var sent = 0
            while sent < request.count {
                let n = request.withUnsafeBytes { write(fd, $0.baseAddress! + sent, request.count - sent) }
                if n <= 0 { return 0 }
                sent += n
            }
            var got: [UInt8] = []
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { return 0 }
                got += buffer[0..<n]
                guard let end = PrepaidBench.headerEnd(got) else { continue }
                let head = String(decoding: got[0..<end], as: UTF8.self).lowercased()
                let length = head.range(of: "content-length: ").map { Int(head[$0.upperBound...].prefix { $0.isNumber }) ?? 0 } ?? 0
                if got.count >= end + 4 + length { return Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0 }
            }
        }
    }

    static func headerEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for k in 0...(b.count - 4) where b[k] == 13 && b[k + 1] == 10 && b[k + 2] == 13 && b[k + 3] == 10 { return k }
        return nil
    }

    static func request(_ method: String, _ path: String, token: String, body: String) -> [UInt8] {
        Array(
            "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                .utf8)
    }

    static let numbers = ["0612345678", "0142681234", "00442071234567", "0478123456", "0033612345678"]
    static let extensions = ["201", "202", "301"]

    /// The k-th authorisation request: three extensions, five destinations.
    @Sendable static func body(_ k: Int) -> [UInt8] {
        request("POST", "/authorize", token: "bench", body: #"{"extension":"\#(extensions[k % 3])","number":"\#(numbers[k % numbers.count])"}"#)
    }

    /// Latencies and failures gathered from the client threads.
    final class Results: @unchecked Sendable {
        let lock = NSLock()
        var latencies: [Double] = []
        var failures = 0
        func add(_ l: [Double], failed: Int) {
            lock.lock()
            latencies += l
            failures += failed
            lock.unlock()
        }
    }

    static func rssKB(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? -1
    }

    static func run(agentPath: String, samples: String, quick: Bool) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-bench-prepaid-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tariff = URL(fileURLWithPath: samples).appendingPathComponent("tariffs/france/tariff.yaml").path
        let config = """
            data_dir: \(dir.path)/data
            timezone: Europe/Paris
            tariff: \(tariff)
            sources: []
            api:
              tokens: [{name: ivr, role: admin, token: bench}]
            prepaid:
              main: {minimum: "20.00"}
              accounts:
                - {id: paris, extensions: ["201", "202"]}
                - {id: lyon, extensions: ["301"]}
            """
        // No source: `run` would wait for one; the bench gives it a pty nobody writes to.
        let pty = try PseudoTerminal()
        let withSource = config.replacingOccurrences(of: "sources: []", with: "sources:\n  - {id: pbx, device: \(pty.slavePath), format: avaya-ipo}")
        let (p, port, log) = try LiveBench.startAgent(agentPath, config: withSource, dir: dir)
        defer {
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
            _ = pty
        }
        guard port > 0, let admin = Connection(port: port) else {
            print("prepaid bench: the agent did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            return
        }
        for (account, ref) in [("main", "m"), ("paris", "p"), ("lyon", "l")] {
            _ = admin.send(request("POST", "/accounts/\(account)/topups", token: "bench", body: #"{"amount":"900000000.00","reference":"\#(ref)"}"#))
        }
        let apiPort = port

        // 1. Paced: 1,000 requests per second over 4 connections, latency of each.
        let seconds = quick ? 3 : 10
        let perConnection = 250
        let results = Results()
        let group = DispatchGroup()
        for c in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let conn = Connection(port: apiPort) else { return }
                var mine: [Double] = []
                var bad = 0
                let start = now()
                for k in 0..<(seconds * perConnection) {
                    let due = start + Double(k) / Double(perConnection) + Double(c) / Double(4 * perConnection)
                    let wait = due - now()
                    if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
                    let t0 = now()
                    if conn.send(body(k * 4 + c)) != 200 { bad += 1 }
                    mine.append(now() - t0)
                }
                results.add(mine, failed: bad)
            }
        }
        group.wait()
        let latencies = results.latencies.sorted()
        let failures = results.failures
        func pct(_ q: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * q))] * 1000 }
        print(
            String(
                format: "POST /authorize at 1,000 requests/s on loopback (%d requests, %d failed): p50 %.2f ms, p99 %.2f ms, max %.2f ms   target p99 < 5 ms",
                latencies.count, failures, pct(0.5), pct(0.99), latencies.last! * 1000))

        // 2. Unpaced, 8 connections: throughput, and the agent's resident memory as authorisations pile up.
        let total = quick ? 100_000 : 1_000_000
        let connections = 8
        let failedBefore = results.failures
        var marks: [(Int, Int)] = [(0, rssKB(p.processIdentifier))]
        var done = 0
        let t0 = now()
        let step = total / 10
        while done < total {
            let g = DispatchGroup()
            for c in 0..<connections {
                g.enter()
                let base = done
                Thread.detachNewThread {
                    defer { g.leave() }
                    guard let conn = Connection(port: apiPort) else { return }
                    for k in stride(from: c, to: step, by: connections) { _ = conn.send(body(base + k)) }
                }
            }
            g.wait()
            done += step
            marks.append((done, rssKB(p.processIdentifier)))
        }
        let rate = Double(total) / (now() - t0)
        let shown = marks.filter { $0.0 == 0 || $0.0 % (total / 5) == 0 }.map { "\($0.0 / 1000)k: \($0.1 / 1024) MB" }.joined(separator: ", ")
        let growth = (marks.last!.1 - marks[1].1) / 1024
        print("  \(grouped(total)) authorisations, 8 connections (\(results.failures - failedBefore) failed): \(grouped(Int(rate)))/s; agent resident memory \(shown) (growth after the first 10 %: \(growth) MB)   target flat")
    }
}
