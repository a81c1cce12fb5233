import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP socket connected to `port`.
func connectLoopback(_ port: Int) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    if r != 0 {
        close(fd)
        return -1
    }
    return fd
}

/// Reads what arrives on `fd` until `done(text)` or the timeout.
func readUntil(_ fd: Int32, timeout: Double, _ done: (String) -> Bool) -> String {
    var bytes: [UInt8] = []
    let until = Date().addingTimeInterval(timeout)
    var buf = [UInt8](repeating: 0, count: 65536)
    while Date() < until {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&p, 1, 100) > 0 {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            bytes += buf[0..<n]
            if done(String(decoding: bytes, as: UTF8.self)) { break }
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// True when the server closes `fd` within the time: the next read ends (end of stream or reset).
/// With `draining`, what the server sent before closing is read and dropped on the way.
func closedByServer(_ fd: Int32, within seconds: Double, draining: Bool = false) -> Bool {
    var count = 0
    return closedByServer(fd, within: seconds, draining: draining, count: &count)
}

func closedByServer(_ fd: Int32, within seconds: Double, draining: Bool, count: inout Int) -> Bool {
    let until = Date().addingTimeInterval(seconds)
    var buf = [UInt8](repeating: 0, count: 65536)
    while Date() < until {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 50) > 0 else { continue }
        let n = read(fd, &buf, buf.count)
        if n <= 0 { return true }
        count += n
        if !draining { return false }
    }
    return false
}

/// An event-stream client on a raw socket: what a browser's EventSource sends and reads.
final class SSEClient {
    let fd: Int32
    var text = ""

    init?(port: Int, path: String, headers: [String: String] = [:]) {
        fd = connectLoopback(port)
        guard fd >= 0 else { return nil }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        for (k, v) in headers { request += "\(k): \(v)\r\n" }
        request += "\r\n"
        _ = Array(request.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    deinit { close(fd) }

    /// The `(id, event, data)` frames read so far, after reading up to `timeout` until `count`.
    func frames(atLeast count: Int, timeout: Double) -> [(id: Int, event: String, data: String)] {
        text += readUntil(fd, timeout: timeout) { self.parse(self.text + $0).count >= count }
        return parse(text)
    }

    func parse(_ s: String) -> [(id: Int, event: String, data: String)] {
        // Chunked transfer framing sits between frames; frames themselves are whole lines.
        var out: [(Int, String, String)] = []
        var id = 0, event = "", data = ""
        // "\r\n" is one Character in Swift: normalise before splitting.
        for line in s.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("id: ") { id = Int(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) ?? -1 }
            else if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
            else if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            else if line.isEmpty, !event.isEmpty {
                out.append((id, event, data))
                id = 0; event = ""; data = ""
            }
        }
        return out
    }
}

/// A webhook receiver on a loopback port: answers 503 to the first `failFirst` requests (the
/// receiver "down"), 200 after; keeps every request it saw.
final class WebhookReceiver: @unchecked Sendable {
    struct Hit {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    let listener: Int32
    let port: Int
    let failFirst: Int
    let lock = NSLock()
    private var _hits: [Hit] = []
    var hits: [Hit] { lock.withLock { _hits } }
    var stopped = false

    init(failFirst: Int) {
        self.failFirst = failFirst
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(4))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        Glibc.listen(listener, 16)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { self.serve() }
    }

    func stop() {
        stopped = true
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    func serve() {
        while !stopped {
            let c = accept(listener, nil, nil)
            if c < 0 { return }
            Thread.detachNewThread { self.handle(c) }
        }
    }

    func handle(_ c: Int32) {
        defer { close(c) }
        var pending = ""
        while true {
            pending += readUntil(c, timeout: 5) { s in
                guard let end = s.range(of: "\r\n\r\n") else { return false }
                let head = s[..<end.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                return s.utf8.count - s[..<end.upperBound].utf8.count >= length
            }
            guard let end = pending.range(of: "\r\n\r\n") else { return }
            var headers: [String: String] = [:]
            for l in pending[..<end.lowerBound].split(separator: "\r\n").dropFirst() {
                if let colon = l.firstIndex(of: ":") { headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
            }
            let body = String(pending[end.upperBound...])
            let status = lock.withLock { () -> Int in
                let s = _hits.count < failFirst ? 503 : 200
                _hits.append(Hit(status: s, headers: headers, body: body))
                return s
            }
            let response = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Service Unavailable")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = Array(response.utf8).withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
            return
        }
    }
}

/// Runs `smdr-agent run` with a config file; gives its API port from the log line.
final class RunningAgent {
    let process = Process()
    let log: URL
    var port = 0

    init(config: String, dir: URL, environment: [String: String]? = nil) throws {
        let configURL = dir.appendingPathComponent("agent.yaml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        log = dir.appendingPathComponent("agent.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = Agent.binary
        process.currentDirectoryURL = Agent.repo
        process.arguments = ["run", "--config", configURL.path, "--api", "127.0.0.1:0"]
        if let environment { process.environment = environment }
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let until = Date().addingTimeInterval(30)
        while Date() < until {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: "API listening on 127.0.0.1:") {
                port = Int(text[r.upperBound...].prefix { $0.isNumber }) ?? 0
                break
            }
            usleep(50_000)
        }
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }
}

/// One HTTP/1.1 request on a fresh loopback connection: status and body.
func httpRequest(port: Int, _ method: String, _ path: String, token: String? = nil, body: String? = nil) -> (status: Int, body: String) {
    let fd = connectLoopback(port)
    guard fd >= 0 else { return (0, "") }
    defer { close(fd) }
    var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if let token { request += "Authorization: Bearer \(token)\r\n" }
    if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
    request += "\r\n" + (body ?? "")
    _ = Array(request.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    let text = readUntil(fd, timeout: 10) { _ in false }
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    let payload = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return (status, payload)
}
