import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private cupsd for tests: its own configuration, socket and spool in a temporary directory,
/// started and stopped by the test (CUPS's own run-stp-tests.sh does the same).
final class PrivateCups {
    let dir: URL
    let socketPath: String
    let process = Process()

    init() throws {
        dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("smdr-cups-\(UUID().uuidString.prefix(8))")
        let fm = FileManager.default
        for sub in ["etc", "spool/tmp", "cache", "state", "log", "run", "out"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        // Backends and filters run as user lp: they must reach the spool and the output folder.
        for (path, mode) in [("", 0o755), ("spool", 0o755), ("spool/tmp", 0o1777), ("out", 0o1777), ("etc", 0o755), ("cache", 0o755), ("state", 0o755)] {
            chmod(dir.appendingPathComponent(path).path, mode_t(mode))
        }
        socketPath = dir.appendingPathComponent("run/cups.sock").path
        let d = dir.path
        try """
            FileDevice Yes
            ServerRoot \(d)/etc
            RequestRoot \(d)/spool
            TempDir \(d)/spool/tmp
            CacheDir \(d)/cache
            StateDir \(d)/state
            ErrorLog \(d)/log/error_log
            AccessLog \(d)/log/access_log
            PageLog \(d)/log/page_log
            SystemGroup root
            """.write(to: dir.appendingPathComponent("etc/cups-files.conf"), atomically: true, encoding: .utf8)
        try """
            Listen \(socketPath)
            LogLevel warn
            Browsing No
            WebInterface No
            DefaultAuthType None
            JobRetryInterval 1
            ErrorPolicy retry-job
            <Location />
              Order allow,deny
              Allow from all
            </Location>
            <Policy default>
              <Limit All>
                Order deny,allow
              </Limit>
            </Policy>
            """.write(to: dir.appendingPathComponent("etc/cupsd.conf"), atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/cupsd")
        process.arguments = ["-f", "-c", "\(d)/etc/cupsd.conf", "-s", "\(d)/etc/cups-files.conf"]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let until = Date().addingTimeInterval(10)
        while !fm.fileExists(atPath: socketPath) && Date() < until { usleep(50_000) }
    }

    deinit {
        // SIGKILL: the test runner's threads block signals, and a child inherits that mask, so
        // cupsd may never see a SIGTERM. Its state is thrown away anyway.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: dir)
    }

    var environment: [String: String] {
        var e = ProcessInfo.processInfo.environment
        e["CUPS_SERVER"] = socketPath
        return e
    }

    @discardableResult
    func tool(_ path: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until cupsd holds no job (each sent to its printer, or failed): what the printers
    /// received by then is final.
    func waitIdle(timeout: Double = 20) -> Bool {
        let until = Date().addingTimeInterval(timeout)
        while Date() < until {
            if let jobs = try? tool("/usr/bin/lpstat", ["-o"]), jobs.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return true }
            usleep(50_000)
        }
        return false
    }

    /// A raw queue sending to an AppSocket (JetDirect) printer, as an 80 mm LAN receipt printer.
    func addRawQueue(_ name: String, port: Int) throws {
        try tool("/usr/sbin/lpadmin", ["-p", name, "-E", "-v", "socket://127.0.0.1:\(port)"])
    }

    /// A text queue filtered by cups-filters' textonly driver into a file.
    func addTextQueue(_ name: String) throws -> URL {
        let out = dir.appendingPathComponent("out/\(name).txt")
        try tool("/usr/sbin/lpadmin", ["-p", name, "-E", "-v", "file://\(out.path)", "-m", "drv:///cupsfilters.drv/textonly.ppd"])
        return out
    }

    /// The agent binary, talking to this cupsd.
    func agent(_ args: [String]) throws -> Agent.Result {
        let p = Process()
        p.executableURL = Agent.binary
        p.arguments = args
        p.currentDirectoryURL = Agent.repo
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Agent.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// A receipt printer on loopback (AppSocket, like port 9100): keeps every byte it receives; can
/// be switched off and on again on the same port.
final class FakeReceiptPrinter: @unchecked Sendable {
    let port: Int
    private let lock = NSLock()
    private var _bytes: [UInt8] = []
    private var listener: Int32 = -1
    private var running = false

    init() throws {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        close(probe)
    }

    var bytes: [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return _bytes
    }

    func switchOn() {
        lock.lock()
        defer { lock.unlock() }
        guard !running else { return }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 4)
        listener = fd
        running = true
        Thread.detachNewThread { [self] in
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { return }
                var buf = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { break }
                    lock.lock()
                    _bytes += buf[0..<n]
                    lock.unlock()
                }
                close(c)
            }
        }
    }

    func switchOff() {
        lock.lock()
        defer { lock.unlock() }
        guard running else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        running = false
    }

    func waitFor(count: Int, timeout: Double) -> Bool {
        let until = Date().addingTimeInterval(timeout)
        while Date() < until {
            if bytes.count >= count { return true }
            usleep(50_000)
        }
        return bytes.count >= count
    }
}
