import ArgumentParser
import Dispatch
import Foundation
import SMDRCore
import SMDRDevices
import SMDRPrepaid
import SMDRPrint
import SMDRRating
import SMDRStore
import SMDRTickets
import SMDRRuntime
import SMDRSerial

#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
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
    @OptionGroup var formatOptions: FormatOptions
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
    @Option(help: "CUPS queue for automatic taxation tickets (needs --tariff).")
    var printTo: String?
    @Option(help: "Which calls print: none, all, external, cost>1.00, duration>300, prefixes:00,089.")
    var ticketPolicy: String = "external"
    @Option(help: "A station's own rule, EXT=RULE (repeatable).")
    var ticketStation: [String] = []
    @Option(help: "A business code whose calls always print (repeatable).")
    var ticketAccount: [String] = []
    @Option(help: "receipt, text or listing.")
    var ticketLayout: String = "receipt"
    @Option(help: "Characters per line of a receipt (42/48 on 80 mm, 32 on 58 mm).")
    var ticketColumns: Int = 42
    @Option(help: "fr, en, or a strings file.")
    var ticketLanguage: String = "fr"
    @Option(help: "Company name on tickets.")
    var company: String = ""
    @Option(help: "API address HOST:PORT (default 127.0.0.1:8080, or api.listen from the config); 'off' for none.")
    var api: String?
    @Flag(help: "Replay a sample capture through a pty into the agent, to watch calls arrive.")
    var demo = false

    func run() async throws {
        MallocTuning.keepFreedMemory()
        var sources: [SourceConfig] = []
        var configTariff: String?
        var configAccounts: String?
        var configTickets: AgentConfig.Tickets?
        var loaded: AgentConfig?
        var dir = dataDir
        var zoneName = timezone
        if let config {
            do {
                let c = try AgentConfig.load(path: config)
                loaded = c
                sources += c.sources
                dir = dir ?? c.dataDirectory
                zoneName = zoneName ?? c.timeZone
                configTariff = c.tariff
                configAccounts = c.accounts
                configTickets = c.tickets
            } catch let e as ConfigError {
                throw ValidationError(e.description)
            }
        }
        let catalog = try formatOptions.catalog(extraFiles: loaded?.formatFiles ?? [])
        let fmt = try formatOptions.chosen(in: catalog)?.id
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
            let sample = "Samples/panasonic/kx-tda-pattern-b-darfo.smdr"
            // Wherever it is run from: the folders above the binary (a build tree), the package's
            // share folder, then the current folder.
            var places: [URL] = []
            var folder = Bundle.main.bundleURL.resolvingSymlinksInPath()
            for _ in 0..<5 {
                places.append(folder.appendingPathComponent(sample))
                folder.deleteLastPathComponent()
            }
            places += [URL(fileURLWithPath: "/usr/share/smdr-agent").appendingPathComponent(sample), URL(fileURLWithPath: sample)]
            guard let found = places.first(where: { FileManager.default.fileExists(atPath: $0.path) }),
                let bytes = try? Data(contentsOf: found)
            else {
                throw ValidationError("--demo: the sample capture \(sample) is in none of: \(places.map(\.path).joined(separator: ", "))")
            }
            let path = found.standardizedFileURL.path
            let data = [UInt8](bytes)
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
            let ports = await UDev().ports()
            Log.notice("no PBX configured: give --device, --connect, --listen or --config. Serial ports seen: \(ports.isEmpty ? "none" : ports.map(\.node).joined(separator: ", ")) (smdr-agent ports for details)")
            Log.notice("waiting; stop with Ctrl-C")
            try await AgentServices.run(capture: nil, live: nil, printing: nil)
            return
        }
        let udev = UDev()
        let resources = ResourceLimits.current()
        for warning in resources.warnings(dataDirectory: data.path) { Log.warning(warning) }
        let agent: Agent
        do {
            agent = try Agent(
                sources: sources, dataDirectory: data, options: ParseOptions(timeZone: zone), formats: catalog.handles, deviceEvents: UDevEvents(udev: udev), directory: udev)
        } catch {
            // Say which limit or place is at fault, not only what SQLite or the journal said.
            throw AgentError("cannot start with the data directory \(data.path): \(error)\(resources.hint(dataDirectory: data.path))")
        }
        var printing: AgentServices.Printing?
        let wiring = try AgentWiring(agent: agent, config: loaded, tariff: tariff ?? configTariff, accounts: accounts ?? configAccounts, zone: zone)
        let book = wiring.book
        var maker: TicketMaker?
        if let rater = wiring.rater {
            if let printer = printTo ?? configTickets?.printer {
                let t = configTickets
                var stations: [String: TicketPolicy.Rule] = [:]
                for (ext, text) in t?.stations ?? [:] {
                    guard let r = TicketPolicy.rule(text) else { throw ValidationError("tickets.stations.\(ext): unknown rule '\(text)'") }
                    stations[ext] = r
                }
                for pair in ticketStation {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    guard parts.count == 2, let r = TicketPolicy.rule(parts[1]) else { throw ValidationError("--ticket-station expects EXT=RULE, got '\(pair)'") }
                    stations[parts[0]] = r
                }
                let ruleText = t?.default ?? ticketPolicy
                guard let rule = TicketPolicy.rule(ruleText) else { throw ValidationError("unknown ticket rule '\(ruleText)'") }
                let policy = TicketPolicy(defaultRule: rule, stations: stations, accounts: Set(ticketAccount + (t?.accounts ?? [])))
                guard let kind = TicketLayout.Kind(rawValue: t?.layout ?? ticketLayout) else { throw ValidationError("unknown ticket layout") }
                let language = t?.language ?? ticketLanguage
                let strings = try TicketStrings.builtIn(language) ?? TicketStrings.parse(String(contentsOfFile: language, encoding: .utf8))
                let layout = TicketLayout(kind: kind, columns: t?.columns ?? ticketColumns, strings: strings)
                let ticketMaker = TicketMaker(queue: printer, kind: kind, layout: layout, company: t?.company ?? company, book: book)
                maker = ticketMaker
                agent.printTickets { r, rated, setUp in
                    // Rated once, as the call was stored (a tariff is required for tickets).
                    guard let rated, policy.shouldPrint(r, rating: rated.rating) else { return nil }
                    return ticketMaker.request(r, rating: rated.rating, setUpBy: setUp?.label)
                }
                printing = AgentServices.Printing(spooler: PrintSpooler(store: agent.store, cups: Cups()))
                Log.info("tickets: \(ruleText) calls print on \(printer) (\(kind.rawValue))")
            }
        }
        let apiListen = api == "off" ? nil : (api ?? loaded?.api?.listen ?? "127.0.0.1:8080")
        let apiConnections = try resources.apiConnections(configured: loaded?.api?.max_connections, sources: sources.count)
        let live = try LiveWiring(agent: agent, config: loaded, apiListen: apiListen, apiConnections: apiConnections, rater: wiring.rater, book: book, tickets: maker, prepaid: wiring.prepaid)
        Log.info("data in \(data.path); \(sources.count) source(s); stop with SIGTERM or Ctrl-C")
        try await AgentServices.run(
            capture: AgentServices.Capture(agent: agent), live: AgentServices.Live(wiring: live, store: agent.store), printing: printing)
        _ = demoPTY
        Log.info("stopped")
    }
}

/// A flag one thread sets and another reads.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}
