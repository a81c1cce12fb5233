import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Slow API clients (slowloris): half trickle a request header one byte a second and never end it,
/// half connect and say nothing. A client the agent cuts off (its 30 s idle limit) or cannot take
/// (restarting after a kill) connects again, so the pressure stays for the whole stretch.
final class SlowClients: Sendable {
    struct Tally: Sendable {
        var target = 0
        var seconds = 0.0
        /// Connections established, reconnections included.
        var opened = 0
        /// Closed by the agent (its idle limit).
        var closedByAgent = 0
        /// Ended because the agent was killed.
        var endedByKill = 0
        /// Connection attempts refused (agent restarting) or failed.
        var refused = 0
        var peakOpen = 0
        var trickledBytes = 0
    }

    let port: Int
    let count: Int
    let seconds: Double
    let life: AgentLife
    private let state = Mutex((running: false, tally: Tally()))

    init(port: Int, count: Int, seconds: Double, life: AgentLife) {
        self.port = port
        self.count = count
        self.seconds = seconds
        self.life = life
    }

    var isRunning: Bool { state.withLock { $0.running } }

    func start() {
        state.withLock { $0.running = true }
        let t = Thread { self.loop() }
        t.name = "slow clients"
        t.start()
    }

    func join() -> Tally {
        while isRunning { usleep(50_000) }
        return state.withLock { $0.tally }
    }

    private enum Phase { case closed, connecting, open }

    private struct Slot {
        var fd: Int32 = -1
        var phase = Phase.closed
        var retryAt = 0.0
        var nextByte = 0.0
        var sent = 0
        /// The agent's life the connection was made in: closed in another, it died with a kill.
        var life: Int?
        let trickles: Bool
    }

    private static let header = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: smdr-soak slow client\r\nX-Slow: ".utf8)

    private func loop() {
        var tally = Tally()
        tally.target = count
        var slots = (0..<count).map { Slot(trickles: $0 % 2 == 0) }
        let began = monotonicNow()
        let end = began + seconds
        var buffer = [UInt8](repeating: 0, count: 4096)
        func close(_ i: Int, retryIn: Double) {
            Glibc.close(slots[i].fd)
            slots[i].fd = -1
            slots[i].phase = .closed
            slots[i].sent = 0
            slots[i].retryAt = monotonicNow() + retryIn
        }
        while monotonicNow() < end {
            var now = monotonicNow()
            for i in slots.indices where slots[i].phase == .closed && now >= slots[i].retryAt {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                guard fd >= 0 else {
                    slots[i].retryAt = now + 1
                    continue
                }
                slots[i].fd = fd
                if connectLoopback(fd, port: port) == 0 || errno == EINPROGRESS {
                    slots[i].phase = .connecting
                } else {
                    tally.refused += 1
                    close(i, retryIn: 0.5)
                }
            }
            var watched: [Int] = []
            var fds: [pollfd] = []
            for i in slots.indices where slots[i].phase != .closed {
                watched.append(i)
                fds.append(pollfd(fd: slots[i].fd, events: Int16(slots[i].phase == .connecting ? POLLOUT : POLLIN), revents: 0))
            }
            _ = poll(&fds, nfds_t(fds.count), 100)
            now = monotonicNow()
            for (k, i) in watched.enumerated() where fds[k].revents != 0 {
                switch slots[i].phase {
                case .connecting:
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(slots[i].fd, SOL_SOCKET, SO_ERROR, &err, &len)
                    if err == 0 {
                        slots[i].phase = .open
                        slots[i].life = life.epoch
                        slots[i].nextByte = now + Double.random(in: 0..<1)
                        tally.opened += 1
                    } else {
                        tally.refused += 1
                        close(i, retryIn: 0.5)
                    }
                case .open:
                    let n = buffer.withUnsafeMutableBytes { recv(slots[i].fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                    if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) {
                        if let l = slots[i].life, l == life.epoch { tally.closedByAgent += 1 } else { tally.endedByKill += 1 }
                        close(i, retryIn: 0.2)
                    }
                case .closed:
                    break
                }
            }
            for i in slots.indices where slots[i].phase == .open && slots[i].trickles && now >= slots[i].nextByte {
                // One byte of a header that never ends.
                var byte = slots[i].sent < Self.header.count ? Self.header[slots[i].sent] : UInt8(ascii: "a")
                if send(slots[i].fd, &byte, 1, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) == 1 {
                    slots[i].sent += 1
                    tally.trickledBytes += 1
                }
                slots[i].nextByte = now + 1
            }
            tally.peakOpen = max(tally.peakOpen, slots.filter { $0.phase == .open }.count)
        }
        for i in slots.indices where slots[i].fd >= 0 { Glibc.close(slots[i].fd) }
        tally.seconds = monotonicNow() - began
        state.withLock {
            $0.tally = tally
            $0.running = false
        }
    }
}

/// `GET /health` once a second while the slow clients press on the API: it must still answer.
/// A check across a kill is not counted (the API is down by design while the agent restarts).
final class HealthProbe: Sendable {
    struct Tally: Sendable {
        var ok = 0
        var failed = 0
        /// Not made or not counted: the agent was being killed or restarted.
        var notCounted = 0
        var slowest = 0.0
        var failureNotes: [String] = []
    }

    private let rounds: Rounds<Tally>

    init(port: Int, life: AgentLife) {
        rounds = Rounds(name: "health probe", tally: Tally()) {
            let began = monotonicNow()
            guard let epoch = life.epoch else {
                sleepSeconds(1 - (monotonicNow() - began))
                return { $0.notCounted += 1 }
            }
            let answer = httpGet(port: port, path: "/health", timeout: 5)
            let took = monotonicNow() - began
            let restarted = life.epoch != epoch
            sleepSeconds(1 - (monotonicNow() - began))
            return { tally in
                if restarted {
                    tally.notCounted += 1
                } else if case .success(let a) = answer, a.status == 200 {
                    tally.ok += 1
                    tally.slowest = max(tally.slowest, took)
                } else {
                    tally.failed += 1
                    let why: String
                    switch answer {
                    case .success(let a): why = "HTTP \(a.status)"
                    case .failure(let e): why = e.description
                    }
                    if tally.failureNotes.count < 5 { tally.failureNotes.append(String(format: "%@ after %.2f s", why, took)) }
                }
            }
        }
    }

    func start() { rounds.start() }

    func stop() -> Tally { rounds.stop() }
}

struct HTTPFailure: Error, CustomStringConvertible {
    let description: String
}

/// A one-shot `GET` on 127.0.0.1 (`Connection: close`), bounded by `timeout` end to end.
func httpGet(port: Int, path: String, timeout: Double) -> Result<(status: Int, body: String), HTTPFailure> {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return .failure(HTTPFailure(description: "socket: \(String(cString: strerror(errno)))")) }
    defer { close(fd) }
    var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    let deadline = monotonicNow() + timeout
    guard connectLoopback(fd, port: port) == 0 else { return .failure(HTTPFailure(description: "connect: \(String(cString: strerror(errno)))")) }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
        return .failure(HTTPFailure(description: "send: \(String(cString: strerror(errno)))"))
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16384)
    while monotonicNow() < deadline {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            response += buffer[0..<n]
        } else if n == 0 {
            break
        } else if errno != EINTR {
            if response.isEmpty { return .failure(HTTPFailure(description: "no answer: \(String(cString: strerror(errno)))")) }
            break
        }
    }
    let text = String(decoding: response, as: UTF8.self)
    let statusLine = text.prefix { $0 != "\r" && $0 != "\n" }.split(separator: " ")
    guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1]) else {
        return .failure(HTTPFailure(description: response.isEmpty ? "no answer in \(Int(timeout)) s" : "not HTTP: \(text.prefix(60))"))
    }
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return .success((status, body))
}

/// connect(2) to 127.0.0.1:`port`; 0 or -1 with errno, as connect.
func connectLoopback(_ fd: Int32, port: Int) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}
