import ArgumentParser
import Foundation
import SMDRCore
import SMDRJournal
import SMDRPrint
import SMDRRuntime
import SMDRStore

#if canImport(Glibc)
import Glibc
#endif

/// `smdr-agent doctor`: what an installer runs when calls stop arriving. Checks a running
/// installation and says in plain words what is wrong: the service, each source's port (who holds
/// it, its permissions, framing errors), the last byte received and the last record stored,
/// quarantined lines, disk space, the printer, the API. Exits 1 when something needs action.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check an installation and say what is wrong (exit 1 when something needs action).")

    @Option(help: "The agent's configuration.")
    var config: String = "/etc/smdr-agent/smdr-agent.yaml"
    @Option(help: "Unresolved quarantined lines from which the quarantine needs action.")
    var quarantineLimit: Int = 100
    @Option(help: "Hours without a byte after which a source counts as dead (when it sets no quiet_after).")
    var silentHours: Double = 24

    /// One thing found: fine, worth knowing, or needing action.
    struct Finding {
        enum Level: String { case ok = "ok", note = "note", action = "ACTION" }
        var level: Level
        var subject: String
        var message: String
    }

    func run() async throws {
        var findings: [Finding] = []
        func add(_ level: Finding.Level, _ subject: String, _ message: String) { findings.append(Finding(level: level, subject: subject, message: message)) }
        let c: AgentConfig
        do {
            c = try AgentConfig.load(path: config)
            add(.ok, "configuration", "\(config) checks")
        } catch {
            add(.action, "configuration", "\(error)")
            report(findings)
            throw ExitCode(1)
        }
        let data = DataDirectory(c.dataDirectory ?? "data")
        let now = Date().timeIntervalSince1970

        // The service.
        var serviceActive: Bool?
        if FileManager.default.fileExists(atPath: "/run/systemd/system") {
            let state = Command.run("/usr/bin/systemctl", ["is-active", "smdr-agent.service"], errors: false)?.output.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            serviceActive = state == "active"
            if state == "active" {
                add(.ok, "service", "smdr-agent.service is active")
            } else if c.sources.isEmpty {
                add(.note, "service", "smdr-agent.service is \(state), and no source is configured: run smdr-agent setup")
            } else {
                add(.action, "service", "smdr-agent.service is \(state): systemctl start smdr-agent; journalctl -u smdr-agent says why it stopped")
            }
        } else {
            add(.note, "service", "systemd is not running here: the service was not checked")
        }
        if c.sources.isEmpty { add(.note, "sources", "no PBX configured (sources: in \(config))") }

        // The store (read-only: the agent may be writing it).
        var store: CallStore?
        if FileManager.default.fileExists(atPath: data.store.path) {
            do { store = try CallStore(path: data.store.path, access: .readOnly) } catch { add(.action, "store", "cannot read \(data.store.path): \(error)") }
        } else {
            add(.note, "store", "no store yet in \(data.url.path) (nothing received)")
        }

        // Each source: its port, the last byte received and the last record stored.
        for s in c.sources {
            let subject = "source \(s.id)"
            if case .serial(let path, _) = s.kind { findings += PortCheck(path: path).findings(subject: subject) }
            let lastByte = try? Journal.lastReceived(in: data.journal(source: s.id))
            let lastRecord = try? store?.lastStored(source: s.id)
            let limit = s.quietAfterSeconds ?? silentHours * 3600
            if let lastByte = lastByte ?? nil {
                let silent = now - Double(lastByte) / 1e9
                let stored = (lastRecord ?? nil).map { "last record stored \(DoctorCommand.ago(now - Double($0) / 1e9))" } ?? "no record stored yet"
                if silent > limit {
                    add(.action, subject, "dead: no byte for \(DoctorCommand.ago(silent)) (\(stored)): is the cable in, the PBX's SMDR output on, the speed right?")
                } else {
                    add(.ok, subject, "last byte \(DoctorCommand.ago(silent)), \(stored)")
                }
            } else {
                add(.action, subject, "dead: no byte ever received (\(s.summary)): is the cable in, the PBX's SMDR output on, the speed right?")
            }
        }

        // Quarantined lines: what the agent could not read.
        if let store, let lines = try? store.quarantined() {
            var bySource: [String: Int] = [:]
            for q in lines { bySource[q.source, default: 0] += 1 }
            for (source, n) in bySource.sorted(by: { $0.key < $1.key }) {
                if n >= quarantineLimit {
                    add(.action, "quarantine", "\(n) lines of \(source) are in quarantine: the agent cannot read them (smdr-agent quarantine shows why; a PBX setting changed?)")
                } else {
                    add(.note, "quarantine", "\(n) lines of \(source) in quarantine (smdr-agent quarantine)")
                }
            }
            if bySource.isEmpty { add(.ok, "quarantine", "empty") }
            for a in (try? store.alarms()) ?? [] where a.active {
                add(.note, "alarm", "\(a.source.map { "\($0): " } ?? "")\(a.kind): \(TerminalText.safe(a.message))")
            }
        }

        // Disk space for the store and the journal.
        var st = statvfs()
        if statvfs(FileManager.default.fileExists(atPath: data.url.path) ? data.url.path : "/", &st) == 0 {
            let free = UInt64(st.f_bavail) * UInt64(st.f_frsize)
            let mb = free / (1 << 20)
            if mb < 100 {
                add(.action, "disk", "\(mb) MB free for \(data.url.path): the journal holds the line when it is full; free space or prune")
            } else {
                add(mb < 1024 ? .note : .ok, "disk", "\(mb) MB free for \(data.url.path)")
            }
        }

        // The printer.
        if let printer = c.tickets?.printer {
            let cups = Cups()
            let destinations = await cups.destinations()
            if let why = await cups.unavailable() {
                add(.action, "printer", why)
            } else if let d = destinations.first(where: { $0.name == printer }) {
                if d.state == 5 {
                    add(.action, "printer", "\(printer) is stopped\(d.message.map { " (\($0))" } ?? ""): tickets wait; cupsenable \(printer) when it is fixed")
                } else {
                    add(.ok, "printer", "\(printer) is \(d.stateName)")
                }
            } else {
                add(.action, "printer", "no CUPS queue \(printer) (lpstat -p lists them; smdr-agent printers)")
            }
        }

        // The API.
        let listen = c.api?.listen ?? "127.0.0.1:8080"
        if let (host, port) = AgentConfig.hostPort(listen, anyPort: true), port > 0 {
            let target = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
            if DoctorCommand.healthAnswers(host: target, port: port) {
                add(.ok, "api", "GET /health answers on \(listen)")
            } else {
                add(serviceActive == true ? .action : .note, "api", "nothing answers on \(listen)\(serviceActive == true ? ": the API did not start (journalctl -u smdr-agent)" : "")")
            }
        }

        report(findings)
        if findings.contains(where: { $0.level == .action }) { throw ExitCode(1) }
    }

    func report(_ findings: [Finding]) {
        var out = OutputStream(fd: 1)
        for f in findings { out.write("\(f.level.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(f.subject): \(f.message)\n") }
        let actions = findings.filter { $0.level == .action }.count
        out.write(actions == 0 ? "nothing needs action\n" : "\(actions) thing(s) need action\n")
        out.flush()
    }

    static func ago(_ seconds: Double) -> String {
        switch seconds {
        case ..<90: "\(Int(seconds)) s ago"
        case ..<(90 * 60): "\(Int(seconds / 60)) min ago"
        case ..<(48 * 3600): String(format: "%.1f h ago", seconds / 3600)
        default: "\(Int(seconds / 86_400)) days ago"
        }
    }

    /// `GET /health` on a fresh connection, 2 s at most.
    static func healthAnswers(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { return false }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { return false }
        let request = Array("GET /health HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buffer, buffer.count)
        return n > 12 && String(decoding: buffer[0..<n], as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }

}

/// A serial port as `doctor` sees it: there or not, who may open it, who holds it, and the
/// framing errors its driver counted.
struct PortCheck {
    let path: String

    func findings(subject: String) -> [DoctorCommand.Finding] {
        var out: [DoctorCommand.Finding] = []
        func add(_ level: DoctorCommand.Finding.Level, _ message: String) { out.append(.init(level: level, subject: subject, message: message)) }
        let node = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var st = stat()
        guard stat(node, &st) == 0 else {
            add(.action, "\(path) does not exist: is the adapter plugged in? (smdr-agent ports lists the ports seen)")
            return out
        }
        guard (st.st_mode & S_IFMT) == S_IFCHR else {
            add(.action, "\(path) is not a serial port")
            return out
        }
        let group = getgrgid(st.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "\(st.st_gid)"
        let groupRW = st.st_mode & (S_IRGRP | S_IWGRP) == (S_IRGRP | S_IWGRP)
        if !groupRW || (group != "dialout" && group != "smdr") {
            add(.action, "\(node) is group \(group) mode \(String(st.st_mode & 0o777, radix: 8)): the agent's user (group dialout) cannot read it; the package's udev rules set dialout 0660")
        }
        let holders = PortCheck.holders(of: node)
        for h in holders where h.name != "smdr-agent" {
            add(.action, "\(node) is held by \(h.name) (PID \(h.pid)): stop it (ModemManager: the udev rules make it ignore USB-serial adapters)")
        }
        if holders.isEmpty || holders.allSatisfy({ $0.name == "smdr-agent" }) {
            add(.ok, "\(node)" + (holders.isEmpty ? " is free" : " is held by the agent"))
        }
        if let e = PortCheck.errorCounters(node) {
            if e.frame + e.parity + e.overrun > 0 {
                add(.action, "\(node): \(e.frame) framing, \(e.parity) parity, \(e.overrun) overrun errors since the driver loaded: speed, parity or bits do not match the PBX's")
            } else {
                add(.ok, "\(node): no framing, parity or overrun errors counted")
            }
        }
        return out
    }

    /// Processes with the device open (from /proc/*/fd), but this one.
    static func holders(of node: String) -> [(pid: Int32, name: String)] {
        var out: [(Int32, String)] = []
        let me = getpid()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != me else { continue }
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/fd") else { continue }
            let holds = fds.contains { fd in (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\(fd)")) == node }
            if holds {
                let name = ((try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8)) ?? "?").trimmingCharacters(in: .whitespacesAndNewlines)
                out.append((pid, name))
            }
        }
        return out
    }

    /// The driver's error counters (`TIOCGICOUNT`), when the port can be opened and its driver
    /// counts (a UART or USB-serial adapter; not a pty).
    static func errorCounters(_ node: String) -> (frame: Int32, parity: Int32, overrun: Int32)? {
        let fd = open(node, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // struct serial_icounter_struct: cts, dsr, rng, dcd, rx, tx, frame, overrun, parity, brk, buf_overrun, reserved[9].
        var counters = [Int32](repeating: 0, count: 20)
        guard ioctl(fd, UInt(0x545D), &counters) == 0 else { return nil }
        return (counters[6], counters[8], counters[7] + counters[10])
    }
}
