import Foundation
import SMDRSerial

#if canImport(Glibc)
import Glibc
#endif

/// The two places records arrive through.
enum Feed: String, CaseIterable {
    case pty, tcp
}

/// Records go to the pty and the TCP source in alternate chunks of 32, half each.
let chunk = 32

func feed(of k: Int) -> Feed { (k / chunk) % 2 == 0 ? .pty : .tcp }

/// Call ids run without a gap on each source (a jump would raise the agent's `gap` alarm): 1,000,000
/// plus the record's rank on the pty, 5,000,000 plus its rank on TCP.
func callID(_ k: Int) -> Int { (feed(of: k) == .pty ? 1_000_000 : 5_000_000) + (k / (2 * chunk)) * chunk + k % chunk }

/// Record `k`: an Avaya IP Office SMDR line (CRLF-ended), unique by its call id, so the store can be
/// checked record by record through its `raw` text.
func record(_ k: Int) -> [UInt8] {
    let start = String(format: "2026/11/%02d %02d:%02d:%02d", 1 + (k / 86_400) % 28, (k / 3600) % 24, (k / 60) % 60, k % 60)
    return Array("\(start),00:02:\(String(format: "%02d", k % 60)),\(k % 20),0612\(String(format: "%06d", k % 1_000_000)),I,2\(k % 100),2\(k % 100),,0,\(callID(k)),0,E2\(k % 100),Agent \(k % 77),T9001,Line 1.\(k % 8),0,0\r\n".utf8)
}

/// What a PBX or a line adapter prints before its first record (boot chatter, a half-configured
/// port): letters and spaces with a few control bytes, no digits, no commas, nothing with the shape
/// of a call. Each must end in quarantine once the format is detected.
func noiseLines(_ n: Int, using rng: inout SplitMix64) -> [[UInt8]] {
    let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
    return (0..<n).map { i in
        var line: [UInt8] = i % 5 == 0 ? [0x07] : []  // BEL, as some PBXs ring the printer
        for w in 0..<Int.random(in: 3...8, using: &rng) {
            if w > 0 { line.append(i % 7 == 3 && w == 2 ? 0x09 : 0x20) }
            for _ in 0..<Int.random(in: 2...9, using: &rng) { line.append(letters[Int.random(in: 0..<letters.count, using: &rng)]) }
        }
        if i % 6 == 1 { line.append(0x7f) }  // DEL
        return line + [0x0d, 0x0a]
    }
}

struct FeedError: Error, CustomStringConvertible {
    let description: String
}

/// The serial side: a pty whose slave the agent opens through a fixed symlink (as a
/// /dev/serial/by-id name). A hang-up closes both ends, as a pulled cable does; the replacement
/// pty takes over the symlink.
final class PtyFeed {
    let link: String
    private(set) var pty: PseudoTerminal

    init(link: String) throws {
        self.link = link
        pty = try PseudoTerminal()
        try relink()
    }

    func write(_ bytes: [UInt8]) throws {
        guard writeAll(pty.master, bytes) else { throw FeedError(description: "pty write failed: \(String(cString: strerror(errno)))") }
    }

    /// Bytes written that the agent has not read yet.
    var unread: Int { Int(pty.unread) }

    /// Waits until fewer than `limit` bytes are unread, or at most `timeout`.
    @discardableResult
    func drain(below limit: Int, timeout: Double) -> Bool {
        let until = monotonicNow() + timeout
        while unread >= limit {
            guard monotonicNow() < until else { return false }
            usleep(1_000)
        }
        return true
    }

    /// Waits until the agent has read everything written. The count (FIONREAD) covers only what
    /// has reached the line discipline: bytes still in the tty's flip buffer show as 0 for a moment,
    /// so the count must stay 0 across a pause.
    func drain(timeout: Double) -> Bool {
        let until = monotonicNow() + timeout
        repeat {
            guard drain(below: 1, timeout: max(0, until - monotonicNow())) else { return false }
            usleep(50_000)
        } while unread > 0
        return true
    }

    /// Clears the exclusive mode (TIOCEXCL) a killed agent left on the tty. A real port's last close
    /// clears it; here the soak's own descriptor keeps the pty open (so its unread bytes survive),
    /// and without root the next agent would find the port busy.
    func clearExclusive() {
        _ = ioctl(pty.keeper, UInt(0x540D))  // TIOCNXCL
    }

    func hangUpAndReplace() throws {
        pty.hangUp()
        pty = try PseudoTerminal()
        try relink()
    }

    /// Points the link at the current slave in one rename, so the agent never finds it missing.
    private func relink() throws {
        let fresh = link + ".new"
        unlink(fresh)
        guard symlink(pty.slavePath, fresh) == 0, rename(fresh, link) == 0 else {
            throw FeedError(description: "cannot link \(link) to \(pty.slavePath): \(String(cString: strerror(errno)))")
        }
    }
}

/// The TCP side: the soak plays a PBX that serves its SMDR on a port (OmniPCX, Panasonic) and the
/// agent connects to it (`connect:`). A hang-up closes the connection; the agent reconnects.
final class TCPFeed {
    let listener: Int32
    let port: Int
    private(set) var connection: Int32 = -1
    /// The agent's end of the current connection (its local port), to find its receive queue.
    private var agentPort = 0

    init() throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw FeedError(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard let p = bindLoopback(listener, port: 0), Glibc.listen(listener, 16) == 0 else {
            throw FeedError(description: "cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        port = p
    }

    /// Takes the agent's next connection. A connection already closed by its peer (a killed agent's
    /// left in the backlog) is skipped: bytes sent into it would be lost by the soak, not the agent.
    func accept(timeout: Double) -> Bool {
        let until = monotonicNow() + timeout
        while monotonicNow() < until {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            // accept4(SOCK_CLOEXEC) is not in Swift's Glibc module: accept and mark it close-on-exec
            // under the lock spawn() holds, so no child inherits it (it would keep the connection open).
            let fd = spawnLock.withLock { _ in
                let fd = withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
                }
                if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                return fd
            }
            guard fd >= 0 else { continue }
            var check = pollfd(fd: fd, events: Int16(POLLIN) | pollRDHUP, revents: 0)
            if poll(&check, 1, 0) > 0 && check.revents & (pollRDHUP | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                close(fd)
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            connection = fd
            agentPort = Int(UInt16(bigEndian: address.sin_port))
            return true
        }
        return false
    }

    /// Sends everything (blocking: while the agent's disk is full this waits, as a PBX's buffer would).
    func write(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FeedError(description: "tcp send failed: \(String(cString: strerror(errno)))")
            }
            off += n
        }
    }

    /// Closes the connection: what was sent is still delivered, then the agent sees the close.
    func drop() {
        if connection >= 0 { close(connection) }
        connection = -1
    }

    /// Waits until every byte sent is in the agent's process: nothing unsent or unacknowledged on
    /// our side, nothing unread in the agent's receive queue. Bytes a TCP peer has acknowledged
    /// but the agent has not read die with the process (README: the PBX counts them delivered),
    /// so a SIGKILL waits for this; the pty keeps its unread bytes and is killed with them in flight.
    func drained(timeout: Double) -> Bool {
        let until = monotonicNow() + timeout
        while monotonicNow() < until {
            let q = queues()
            if q.ours == 0 && q.agents == 0 { return true }
            usleep(1_000)
        }
        return false
    }

    /// The queues now, for a failure message.
    var queueState: String {
        let q = queues()
        return "our end (port \(port)) unsent or unacknowledged: \(q.ours.map(String.init) ?? "no socket"), agent's end (port \(agentPort)) unread: \(q.agents.map(String.init) ?? "no socket")"
    }

    /// Send queue of our end and receive queue of the agent's end, from /proc/net/tcp (nil: not found).
    private func queues() -> (ours: Int?, agents: Int?) {
        guard let table = readProcFile("/proc/net/tcp") else { return (nil, nil) }
        var ours: Int?, agents: Int?
        for line in table.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ")
            guard f.count > 4 else { continue }
            let local = Self.port(f[1]), remote = Self.port(f[2])
            let q = f[4].split(separator: ":")
            guard q.count == 2, let tx = Int(q[0], radix: 16), let rx = Int(q[1], radix: 16) else { continue }
            if local == port && remote == agentPort { ours = tx }
            if local == agentPort && remote == port { agents = rx }
        }
        return (ours, agents)
    }

    private static func port(_ address: Substring) -> Int? {
        address.split(separator: ":").last.flatMap { Int($0, radix: 16) }
    }
}

/// Reads a /proc file to its end (they report a size of 0, so Foundation's readers get nothing).
func readProcFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            out += buffer[0..<n]
        } else if n < 0 && errno == EINTR {
            continue
        } else {
            break
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// POLLRDHUP (peer closed its end), which Swift's Glibc module leaves out.
let pollRDHUP: Int16 = 0x2000

/// Binds `fd` to 127.0.0.1:`port` (0: any free port); the port bound, or nil.
func bindLoopback(_ fd: Int32, port: Int) -> Int? {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { return nil }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return named == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
}

/// A free loopback port below the ephemeral range for the agent's API: 500 clients reconnecting
/// while the agent restarts must not take its port as their own source port.
func freeAPIPort(using rng: inout SplitMix64) -> Int? {
    for _ in 0..<200 {
        let candidate = Int.random(in: 20_000..<30_000, using: &rng)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if bindLoopback(fd, port: candidate) != nil { return candidate }
    }
    return nil
}
