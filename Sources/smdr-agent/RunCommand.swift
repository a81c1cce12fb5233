import ArgumentParser
import Dispatch
import Foundation
import SMDRCore
import SMDRDevices
import SMDRRating
import SMDRRuntime
import SMDRSerial

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Collect from the PBX: serial port or TCP, journaled, parsed and stored in SQLite.",
        discussion: "Runs in the foreground, logs for journald on stderr, stops cleanly on SIGTERM or SIGINT."
    )

    @Option(help: "YAML configuration file (several sources, see Hardware/smdr-agent.yaml).")
    var config: String?
    @Option(help: "Serial port: node, /dev/serial/by-id or by-path name.")
    var device: String?
    @Option(help: "Serial settings, e.g. 9600,8N1 or 1200,7E1 or 19200,8N1,rtscts.")
    var serial: String = "9600,8N1"
    @Option(help: "Connect to the PBX at HOST:PORT.")
    var connect: String?
    @Option(help: "Listen for the PBX on HOST:PORT.")
    var listen: String?
    @Option(help: "Line to send after connecting (repeatable), e.g. --login SMDR --login PCCSMDR.")
    var login: [String] = []
    @Option(help: "Format id or auto.")
    var format: String = "auto"
    @Option(help: "Data directory (journal and SQLite store).")
    var dataDir: String?
    @Option(help: "The PBX's time zone (IANA name). Default: the system zone.")
    var timezone: String?
    @Option(help: "Seconds of silence before a quiet-line alarm.")
    var quietAfter: Double?
    @Option(help: "Tariff YAML: every call is rated as it is stored.")
    var tariff: String?
    @Option(help: "Business codes (YAML or CSV) for rated calls.")
    var accounts: String?
    @Flag(help: "Replay a sample capture through a pty into the agent, to watch calls arrive.")
    var demo = false

    func run() throws {
        MallocTuning.keepFreedMemory()
        var sources: [SourceConfig] = []
        var configTariff: String?
        var configAccounts: String?
        var dir = dataDir
        var zoneName = timezone
        if let config {
            do {
                let c = try AgentConfig.load(path: config)
                sources += c.sources
                dir = dir ?? c.dataDirectory
                zoneName = zoneName ?? c.timeZone
                configTariff = c.tariff
                configAccounts = c.accounts
            } catch let e as ConfigError {
                throw ValidationError(e.description)
            }
        }
        let fmt = format == "auto" ? nil : format
        if let device {
            do {
                sources.append(SourceConfig(id: "serial", kind: .serial(path: device, settings: try SerialSettings(serial)), format: fmt, quietAfterSeconds: quietAfter))
            } catch { throw ValidationError("--serial: \(error)") }
        }
        if let connect {
            guard let (h, p) = AgentConfig.hostPort(connect) else { throw ValidationError("--connect expects HOST:PORT") }
            sources.append(SourceConfig(id: "tcp-\(p)", kind: .tcpClient(host: h, port: p, login: login), format: fmt, quietAfterSeconds: quietAfter))
        }
        if let listen {
            guard let (h, p) = AgentConfig.hostPort(listen) else { throw ValidationError("--listen expects HOST:PORT") }
            sources.append(SourceConfig(id: "listen-\(p)", kind: .tcpListener(host: h, port: p), format: fmt, quietAfterSeconds: quietAfter))
        }
        let zone = try timeZone(zoneName)
        var demoPTY: PseudoTerminal?
        if demo {
            let pty = try PseudoTerminal()
            demoPTY = pty
            sources.append(SourceConfig(id: "demo", kind: .serial(path: pty.slavePath, settings: SerialSettings()), format: nil))
            let capture = Bundle.main.bundleURL.appendingPathComponent("Samples/panasonic/kx-tda-pattern-b-darfo.smdr").path
            let path = FileManager.default.fileExists(atPath: capture) ? capture : "Samples/panasonic/kx-tda-pattern-b-darfo.smdr"
            let data = (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
            let lines = Replay.rawLines(data)
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 1)
                for l in lines {
                    pty.write(l)
                    Thread.sleep(forTimeInterval: 0.3)
                }
            }
            Log.info("demo: replaying \(path) into \(pty.slavePath), one line every 0.3 s")
        }
        let data = URL(fileURLWithPath: dir ?? "data")
        if sources.isEmpty {
            let ports = UDev.blocking { await UDev().ports() }
            Log.notice("no PBX configured: give --device, --connect, --listen or --config. Serial ports seen: \(ports.isEmpty ? "none" : ports.map(\.node).joined(separator: ", ")) (smdr-agent ports for details)")
            Log.notice("waiting; stop with Ctrl-C")
            SignalWait.untilTerminated()
            return
        }
        let udev = UDev()
        let agent = try Agent(
            sources: sources, dataDirectory: data, options: ParseOptions(timeZone: zone), deviceEvents: UDevEvents(udev: udev), directory: udev)
        if let tariff = tariff ?? configTariff {
            let rater = Rater(tariff: try loadTariff(tariff))
            let book = try loadAccounts(accounts ?? configAccounts)
            agent.rateCalls { storedRating($0, rater: rater, book: book) }
            Log.info("rating with \(rater.tariff.name)")
        }
        try agent.start()
        Log.info("data in \(data.path); \(sources.count) source(s); stop with SIGTERM or Ctrl-C")
        SignalWait.untilTerminated()
        Log.info("stopping: flushing journal and store")
        agent.stop()
        _ = demoPTY
        Log.info("stopped")
    }
}

/// Blocks the calling thread until SIGTERM or SIGINT.
enum SignalWait {
    static func untilTerminated() {
        let done = DispatchSemaphore(value: 0)
        let sources = install(done)
        done.wait()
        withExtendedLifetime(sources) {}
    }

    private static func install(_ done: DispatchSemaphore) -> [any DispatchSourceSignal] {
        let queue = DispatchQueue(label: "smdr-agent.signals")
        return [SIGTERM, SIGINT].map { sig in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler { done.signal() }
            s.resume()
            return s
        }
    }
}

