import Foundation
import SMDRJournal
import SMDRCore
import SMDRDevices
import SMDRSerial

#if canImport(Glibc)
import Glibc
#endif

/// Shared by every source: append what arrives to the journal (flushed) and wake the ingester.
/// If the journal cannot write (disk full), the bytes are kept and retried, and reading pauses so
/// the port's flow control (RTS/CTS, XON/XOFF) holds the PBX back instead of dropping.
final class JournalWriter: @unchecked Sendable {
    let journal: Journal
    let signal: IngestSignal
    let source: String
    let state: SourceState
    fileprivate var failures = FailureLog()

    init(journal: Journal, signal: IngestSignal, source: String, state: SourceState) {
        self.journal = journal
        self.signal = signal
        self.source = source
        self.state = state
    }

    /// Returns only once the bytes are on disk, or the agent is stopping.
    func write(_ bytes: UnsafeRawBufferPointer, stopper: Stopper) {
        let now = nowNanos()
        while true {
            do {
                try journal.append(bytes, receivedAt: now)
                failures.recovered("journal writes again", source: source)
                state.journalHeld(false)
                state.received(count: bytes.count)
                signal.notify()
                return
            } catch {
                state.journalHeld(true)
                failures.failed("cannot journal \(bytes.count) received bytes: \(error); holding the line", source: source)
                state.alarm("journal", "cannot write the journal: \(error)")
                if !stopper.sleep(1) {
                    Log.error("stopping with \(bytes.count) bytes not journaled", source: source)
                    return
                }
            }
        }
    }
}

extension JournalWriter {
    /// Reads a port straight into the journal (``Journal/receive(_:now:)``): nothing the port
    /// gives up is only in memory. When space cannot be reserved (disk full) the port is not read
    /// at all until it can: the bytes wait in the kernel's buffer (`waiting` says how many) and
    /// flow control, when configured, holds the PBX.
    func receive(stopper: Stopper, waiting: () -> Int?, _ read: (UnsafeMutableRawBufferPointer) -> SerialPort.ReadResult) -> SerialPort.ReadResult {
        while true {
            var result = SerialPort.ReadResult.wouldBlock
            do {
                let n = try journal.receive({ buffer in
                    result = read(buffer)
                    if case .data(let n) = result { return n }
                    return 0
                }, now: nowNanos)
                failures.recovered("journal writes again", source: source)
                state.journalHeld(false)
                if n > 0 {
                    state.received(count: n)
                    signal.notify()
                }
                if let e = journal.flushError { failures.failed("journal flush failed: \(String(cString: strerror(e)))", source: source) }
                return result
            } catch {
                state.journalHeld(true)
                let pending = waiting().map { "; \($0) bytes wait in the port's buffer, at risk if it fills" } ?? ""
                failures.failed("cannot journal: \(error); not reading the port until it can\(pending)", source: source)
                state.alarm("journal", "cannot write the journal: \(error)\(pending)")
                if !stopper.sleep(1) { return .wouldBlock }
            }
        }
    }
}

/// What a source reports to the rest of the agent: connected or not, when bytes last came.
public final class SourceState: @unchecked Sendable {
    public enum Link: String, Sendable { case connecting, connected, disconnected }
    private let lock = NSLock()
    private var _link: Link = .connecting
    private var _lastByte: Double = monotonic()
    private var _bytes: Int64 = 0
    private var _alarms: [(String, String)] = []

    public var link: Link {
        lock.lock()
        defer { lock.unlock() }
        return _link
    }

    public var lastByte: Double {
        lock.lock()
        defer { lock.unlock() }
        return _lastByte
    }

    public var bytes: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return _bytes
    }

    func set(_ l: Link) {
        lock.lock()
        _link = l
        if l == .connected { _lastByte = monotonic() }
        lock.unlock()
    }

    func received(count: Int) {
        lock.lock()
        _lastByte = monotonic()
        _bytes += Int64(count)
        lock.unlock()
    }

    private var _ingested: Int64 = 0

    /// Bytes the ingester has read from the journal this run (received − ingested = lag).
    public var ingested: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return _ingested
    }

    func ingested(count: Int) {
        lock.lock()
        _ingested += Int64(count)
        lock.unlock()
    }

    func alarm(_ kind: String, _ message: String) {
        lock.lock()
        _alarms.append((kind, message))
        lock.unlock()
    }

    private var _journalHeld = false

    /// The journal cannot write (disk full): the source holds the line until it can.
    public var journalHeld: Bool {
        lock.lock()
        defer { lock.unlock() }
        return _journalHeld
    }

    func journalHeld(_ held: Bool) {
        lock.lock()
        _journalHeld = held
        lock.unlock()
    }

    func takeAlarms() -> [(String, String)] {
        lock.lock()
        defer {
            _alarms = []
            lock.unlock()
        }
        return _alarms
    }
}

/// Reads a serial port into the journal; when the device goes (EOF, EIO, ENXIO) it is marked
/// disconnected and reopened, by the same name, as soon as it is back.
final class SerialRunner: @unchecked Sendable {
    let config: SourceConfig
    let name: String
    let settings: SerialSettings
    let writer: JournalWriter
    let nudge: Nudge
    let directory: (any DeviceDirectory)?
    var backoff = Backoff(initial: 0.2, maximum: 5)

    init(config: SourceConfig, path: String, settings: SerialSettings, writer: JournalWriter, nudge: Nudge, directory: (any DeviceDirectory)?) {
        self.config = config
        self.name = path
        self.settings = settings
        self.writer = writer
        self.nudge = nudge
        self.directory = directory
    }

    /// The node to open now: the configured path, or the port whose USB serial number is the name.
    func resolve() -> String {
        guard !name.hasPrefix("/"), let directory else { return name }
        let n = name
        return UDev.blocking { await directory.resolve(n) } ?? name
    }

    func run(_ stopper: Stopper) {
        var failures = FailureLog()
        while !stopper.isStopped {
            let port: SerialPort
            let path = resolve()
            do {
                port = try SerialPort(path: path, settings: settings)
            } catch let e as SerialError {
                failures.failed("\(e)", source: config.id)
                writer.state.set(.disconnected)
                backoff.failed(now: monotonic())
                // A hot-plug event ends the wait at once.
                nudge.sleep(backoff.delay, stopper: stopper)
                continue
            } catch {
                nudge.sleep(1, stopper: stopper)
                continue
            }
            backoff.succeeded()
            failures.recovered("\(path) is back", source: config.id)
            for w in port.warnings { Log.warning("\(path): \(w)", source: config.id) }
            Log.info("port open: \(path) \(settings)", source: config.id)
            writer.state.set(.connected)
            reading: while !stopper.isStopped {
                guard port.wait(timeoutMillis: 1000, wakeFD: stopper.readFD) else { continue }
                while true {
                    let r = writer.receive(stopper: stopper, waiting: { port.waitingBytes }) { port.read(into: $0) }
                    switch r {
                    case .data:
                        continue
                    case .wouldBlock:
                        continue reading
                    case .gone(let e):
                        Log.warning("\(path) disconnected (\(e == 0 ? "end of file" : String(cString: strerror(e))))", source: config.id)
                        break reading
                    }
                }
            }
            port.close()
            writer.state.set(.disconnected)
            if !stopper.isStopped { nudge.sleep(0.05, stopper: stopper) }
        }
    }
}

/// Connects to the PBX and reads; on a close or an error, reconnects with backoff. Optional login
/// lines (Panasonic: `SMDR`, then the password) are sent after connecting.
final class TCPClientRunner: @unchecked Sendable {
    let config: SourceConfig
    let host: String
    let port: Int
    let login: [String]
    let writer: JournalWriter
    var backoff = Backoff(initial: 0.25, maximum: 30)

    init(config: SourceConfig, host: String, port: Int, login: [String], writer: JournalWriter) {
        self.config = config
        self.host = host
        self.port = port
        self.login = login
        self.writer = writer
    }

    func run(_ stopper: Stopper) {
        var failures = FailureLog()
        while !stopper.isStopped {
            let fd: Int32
            do {
                fd = try Socket.connect(host: host, port: port, timeout: 5)
            } catch {
                failures.failed("cannot connect to \(host):\(port): \(error)", source: config.id)
                writer.state.set(.disconnected)
                backoff.failed(now: monotonic())
                stopper.sleep(backoff.delay)
                continue
            }
            backoff.succeeded()
            failures.recovered("connected again to \(host):\(port)", source: config.id)
            Log.info("connected to \(host):\(port)", source: config.id)
            writer.state.set(.connected)
            for line in login { Socket.send(fd, Array((line + "\r\n").utf8)) }
            Socket.pump(fd, into: writer, stopper: stopper, source: config.id)
            close(fd)
            writer.state.set(.disconnected)
            Log.warning("connection to \(host):\(port) closed", source: config.id)
            backoff.failed(now: monotonic())
            stopper.sleep(backoff.delay)
        }
    }
}

/// Listens for the PBX (Avaya IP Office connects to the collector) and reads each connection.
final class TCPListenerRunner: @unchecked Sendable {
    let config: SourceConfig
    let host: String
    let port: Int
    let writer: JournalWriter

    init(config: SourceConfig, host: String, port: Int, writer: JournalWriter) {
        self.config = config
        self.host = host
        self.port = port
        self.writer = writer
    }

    func run(_ stopper: Stopper) {
        var failures = FailureLog()
        while !stopper.isStopped {
            let listener: Int32
            do {
                listener = try Socket.listen(host: host, port: port)
            } catch {
                failures.failed("cannot listen on \(host):\(port): \(error)", source: config.id)
                stopper.sleep(2)
                continue
            }
            Log.info("listening on \(host):\(port)", source: config.id)
            while !stopper.isStopped {
                var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: stopper.readFD, events: Int16(POLLIN), revents: 0)]
                guard poll(&fds, 2, 1000) > 0, fds[0].revents != 0 else { continue }
                let conn = accept(listener, nil, nil)
                guard conn >= 0 else { continue }
                _ = fcntl(conn, F_SETFD, FD_CLOEXEC)
                Log.info("PBX connected", source: config.id)
                writer.state.set(.connected)
                Socket.pump(conn, into: writer, stopper: stopper, source: config.id)
                close(conn)
                writer.state.set(.disconnected)
                Log.warning("PBX closed the connection", source: config.id)
            }
            close(listener)
        }
    }
}
