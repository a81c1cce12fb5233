import Foundation
import SMDRCalls
import SMDRCore
import SMDRJournal
import SMDRRuntime
import SMDRSerial
import SMDRStore

#if canImport(Glibc)
import Glibc
#endif

/// Avaya records with distinct Call IDs, CRLF-terminated.
func avayaLines(_ n: Int) -> [[UInt8]] {
    var out: [[UInt8]] = []
    out.reserveCapacity(n)
    for k in 0..<n {
        let hour: Int = 8 + (k / 3600) % 10
        let minute: Int = (k / 60) % 60
        let second: Int = k % 60
        let ext: Int = k % 100
        let id: Int = 1_000_000 + k
        let start = String(format: "2026/11/04 %02d:%02d:%02d", hour, minute, second)
        let line = "\(start),00:01:\(String(format: "%02d", second)),\(k % 30),0612345\(String(format: "%03d", k % 1000)),I,2\(ext),2\(ext),,0,\(id),0,E2\(ext),Agent \(k % 50),T9001,Line 1.1,0,0\r\n"
        out.append(Array(line.utf8))
    }
    return out
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    private var waiters: [(Int, DispatchSemaphore)] = []
    func add(_ k: Int) {
        lock.lock()
        n += k
        let ready = waiters.filter { $0.0 <= n }
        waiters.removeAll { $0.0 <= n }
        lock.unlock()
        for w in ready { w.1.signal() }
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return n
    }
    /// Blocks until the count reaches `target`.
    func wait(for target: Int, timeout: Double) -> Bool {
        let s = DispatchSemaphore(value: 0)
        lock.lock()
        if n >= target {
            lock.unlock()
            return true
        }
        waiters.append((target, s))
        lock.unlock()
        return s.wait(timeout: .now() + timeout) == .success
    }
}

enum CaptureBench {
    /// Journal → store: a journal holding `count` records is ingested from scratch.
    /// With `live`, the live side runs too (call assembly, events), as in `smdr-agent run`.
    static func ingest(count: Int, live: Bool = false) throws -> (Int, Double) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-bench-ingest-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = SourceConfig(id: "pbx", kind: .tcpListener(host: "127.0.0.1", port: 0), format: "avaya-ipo")
        let journal = try Journal(directory: Agent.journalDirectory(dir, source: "pbx"), segmentBytes: 64 << 20)
        var chunk: [UInt8] = []
        for l in avayaLines(count) {
            chunk += l
            if chunk.count > 60_000 {
                try journal.append(chunk, receivedAt: 0)
                chunk = []
            }
        }
        if !chunk.isEmpty { try journal.append(chunk, receivedAt: 0) }
        let counter = Counter()
        let agent = try Agent(sources: [source], dataDirectory: dir, options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!))
        agent.onCommit { _, n in counter.add(n) }
        if live { agent.runLive(LiveSettings(stations: ["201": StationSettings(monitoring: true)])) }
        let t0 = now()
        try agent.start()
        _ = counter.wait(for: count, timeout: 600)
        let t = now() - t0
        agent.stop()
        return (counter.value, t)
    }

    /// Last byte received → row committed, one record at a time over TCP.
    static func latency(samples: Int) throws -> [Double] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-bench-live-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(server, 1)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let counter = Counter()
        let agent = try Agent(
            sources: [SourceConfig(id: "pbx", kind: .tcpClient(host: "127.0.0.1", port: port, login: []), format: "avaya-ipo")],
            dataDirectory: dir, options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!))
        agent.onCommit { _, n in counter.add(n) }
        try agent.start()
        let conn = accept(server, nil, nil)
        var out: [Double] = []
        for (k, l) in avayaLines(samples).enumerated() {
            let t0 = now()
            _ = l.withUnsafeBytes { send(conn, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard counter.wait(for: k + 1, timeout: 5) else { break }
            out.append(now() - t0)
            usleep(2_000)
        }
        close(conn)
        close(server)
        agent.stop()
        return out
    }

    /// The agent idle with a port open and no traffic: CPU share and resident memory.
    static func idle(agentPath: String, seconds: Double) throws -> (cpu: Double, rssKB: Int, anonKB: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-bench-idle-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pty = try PseudoTerminal()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agentPath)
        p.arguments = ["run", "--device", pty.slavePath, "--data-dir", dir.path, "--format", "avaya-ipo", "--api", "127.0.0.1:0"]
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        usleep(1_500_000)
        func ticks() -> Double {
            let stat = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/stat", encoding: .utf8)) ?? ""
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            return fields.count > 12 ? (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0) : 0
        }
        let c0 = ticks()
        let t0 = now()
        usleep(UInt32(seconds * 1_000_000))
        let cpu = (ticks() - c0) / Double(sysconf(Int32(_SC_CLK_TCK))) / (now() - t0)
        let status = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8)) ?? ""
        func kB(_ key: String) -> Int {
            status.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? -1
        }
        let rss = kB("VmRSS:"), anon = kB("RssAnon:")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        return (cpu, rss, anon)
    }
}

extension CaptureBench {
    /// The call desk alone (assembly, limits, call events), no store: records per second.
    static func desk(count: Int) -> Double {
        let handle = FormatHandle.builtIn.first { $0.id == "avaya-ipo" }!
        var parser = StreamParser(format: handle, options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!))
        var events: [ParseEvent] = []
        for l in avayaLines(count) { parser.push(l, into: &events) }
        let records = events.compactMap { if case .record(let r) = $0 { r } else { nil } }
        var desk = CallDesk(source: "pbx", stations: ["201": StationSettings(monitoring: true)])
        let t0 = now()
        var n = 0
        for r in records { n += desk.add(r, charge: nil, receivedAt: 0, requests: []).events.count }
        return Double(records.count) / (now() - t0) + Double(n & 0)
    }
}
