import Foundation
import SMDRCalls
import SMDRCore
import SMDRDevices
import SMDRJournal
import SMDRStore

/// The collector: one thread per source writing its journal, one ingester turning journals into
/// stored calls. Stops cleanly: sources first, then a last ingest pass, everything flushed.
public final class Agent: @unchecked Sendable {
    public let dataDirectory: URL
    public let sources: [SourceConfig]
    public let store: CallStore
    let options: ParseOptions
    let formats: [FormatHandle]
    let signal = IngestSignal()
    let sourceStopper = Stopper()
    let ingestStopper = Stopper()
    let ingester: Ingester
    var threads: [Thread] = []
    let sourceThreads = DispatchGroup()
    let ingestThread = DispatchGroup()
    public private(set) var states: [String: SourceState] = [:]
    /// Hot-plug events (libudev in production, a fake in tests) and the port directory.
    let deviceEvents: (any DeviceEventSource)?
    let directory: (any DeviceDirectory)?
    var nudges: [Nudge] = []
    /// How a serial port that cannot be opened is retried (a hot-plug event ends any wait).
    public var serialRetry = Backoff(initial: 0.2, maximum: 5)

    public init(
        sources: [SourceConfig], dataDirectory: URL, options: ParseOptions, formats: [FormatHandle] = FormatHandle.builtIn,
        deviceEvents: (any DeviceEventSource)? = nil, directory: (any DeviceDirectory)? = nil, clock: IngestClock = .system
    ) throws {
        self.deviceEvents = deviceEvents
        self.directory = directory
        self.dataDirectory = dataDirectory
        self.sources = sources
        self.options = options
        self.formats = formats
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        store = try Agent.openStore(DataDirectory(url: dataDirectory).store.path)
        ingester = Ingester(store: store, signal: signal, clock: clock)
        let ids = sources.map(\.id)
        guard Set(ids).count == ids.count else { throw AgentError("two sources share an id: \(ids)") }
    }

    /// Opens the store, waiting for another process that holds it (a `calls` or `report` run, a
    /// backup): the agent does not exit over a lock, it retries with backoff and says so.
    static func openStore(_ path: String, giveUpAfter: Double = 600) throws -> CallStore {
        var delay = 0.2
        let started = monotonic()
        while true {
            do {
                return try CallStore(path: path)
            } catch let e where CallStore.isLockContention(e) && monotonic() - started < giveUpAfter {
                Log.warning("store: \(e) (another process holds \(path)); trying again in \(delay) s")
                usleep(UInt32(delay * 1_000_000))
                delay = min(delay * 2, 5)
            }
        }
    }

    public static func journalDirectory(_ dataDirectory: URL, source: String) -> URL {
        DataDirectory(url: dataDirectory).journal(source: source)
    }

    /// Journal retention (default: processed segments are kept 90 days).
    public func setRetention(maxAgeDays: Double?, maxBytes: Int64?) {
        ingester.retention.maxAgeSeconds = maxAgeDays.map { $0 * 86_400 }
        ingester.retention.maxBytes = maxBytes
    }

    /// Queues the tickets calls print by themselves, with the calls.
    /// The ticket each record prints by itself, if any; given who set its call up when another
    /// party did (known when the live side assembles calls).
    public func printTickets(with f: @escaping @Sendable (CallRecord, RatedCall?, CallDesk.SetUpParty?) -> CallStore.TicketRequest?) { ingester.ticket = f }

    /// Rates every call as it is stored.
    public func rateCalls(with f: @escaping @Sendable (CallRecord) -> RatedCall?) { ingester.rate = f }

    /// Turns on the live side: call assembly, cost recalls, duration limits, alerts, events.
    public func runLive(_ settings: LiveSettings) { ingester.live = settings }

    /// Charges every stored call to its prepaid account and releases expired reservations.
    public func chargePrepaid(_ desk: PrepaidDesk) { ingester.prepaid = desk }

    /// Each source's link, bytes received, seconds since its last byte and bytes not yet stored.
    public func sourceStatus() -> [(id: String, link: String, bytes: Int64, silence: Double, lag: Int64)] {
        sources.compactMap { c in
            states[c.id].map { s in (c.id, s.link.rawValue, s.bytes, monotonic() - s.lastByte, max(0, s.bytes - s.ingested)) }
        }
    }

    /// Hook for tests and benchmarks: called after each commit with the rows added.
    public func onCommit(_ f: @escaping @Sendable (String, Int) -> Void) { ingester.onCommit = f }

    /// Makes the ingester look again now (after a test moved its clock).
    public func wake() { signal.notify() }

    /// `journal reprocess`: reads every source's journal to its end through the same path as
    /// capture (parse, rate once, assemble, store, charge), from the store's checkpoint, then
    /// completes the calls still open. No port is opened.
    /// The journals are only read (the running agent, if any, keeps writing them).
    public func ingestJournals() throws {
        for config in sources {
            let state = SourceState()
            states[config.id] = state
            try ingester.add(
                config, journal: nil, journalDirectory: Agent.journalDirectory(dataDirectory, source: config.id), state: state, formats: formats,
                options: options)
        }
        ingester.drain()
    }

    /// Opens a source's journal (recovering what a killed run left) and gives it to the ingester.
    private func openJournal(_ config: SourceConfig) throws -> (Journal, SourceState) {
        let journalDir = Agent.journalDirectory(dataDirectory, source: config.id)
        let journal = try Journal(directory: journalDir)
        for t in journal.torn {
            Log.warning(
                "journal: \(t.bytes) damaged byte(s) in segment \(t.segment) at file offset \(t.segmentFileOffset) are skipped; the entries after them are kept",
                source: config.id)
        }
        if journal.recovered > 0 {
            Log.notice("journal: \(journal.recovered) byte(s) the port gave the last run just before it stopped are recovered", source: config.id)
        }
        let state = SourceState()
        states[config.id] = state
        try ingester.add(config, journal: journal, journalDirectory: journalDir, state: state, formats: formats, options: options)
        return (journal, state)
    }

    public func start() throws {
        for config in sources {
            let (journal, state) = try openJournal(config)
            let writer = JournalWriter(journal: journal, signal: signal, source: config.id, state: state)
            let stopper = sourceStopper
            let body: @Sendable () -> Void
            switch config.kind {
            case .serial(let path, let settings):
                let nudge = Nudge()
                nudges.append(nudge)
                let r = SerialRunner(config: config, path: path, settings: settings, writer: writer, nudge: nudge, directory: directory)
                r.backoff = serialRetry
                body = { r.run(stopper) }
            case .tcpClient(let host, let port, let login):
                let r = TCPClientRunner(config: config, host: host, port: port, login: login, writer: writer)
                body = { r.run(stopper) }
            case .tcpListener(let host, let port):
                let r = TCPListenerRunner(config: config, host: host, port: port, writer: writer)
                body = { r.run(stopper) }
            }
            spawn("source \(config.id)", group: sourceThreads, body)
            Log.info("source \(config.summary), format \(config.format ?? "auto")", source: config.id)
        }
        if let deviceEvents, !nudges.isEmpty {
            let nudges = self.nudges
            deviceEvents.start { event in
                if event.action == .add {
                    Log.info("device added: \(event.node ?? "?")")
                    for n in nudges { n.poke() }
                }
            }
        }
        let ingester = self.ingester
        let stopper = ingestStopper
        spawn("ingest", group: ingestThread) { ingester.run(stopper) }
    }

    private func spawn(_ name: String, group g: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        g.enter()
        let t = Thread {
            body()
            g.leave()
        }
        t.name = name
        t.start()
        threads.append(t)
    }

    /// Graceful stop: sources close, the ingester stores what was journaled, then returns.
    public func stop() {
        deviceEvents?.stop()
        sourceStopper.stop()
        sourceThreads.wait()
        ingestStopper.stop()
        signal.notify()
        ingestThread.wait()
    }

    /// Blocks until the agent has stopped.
    public func wait() {
        sourceThreads.wait()
        ingestThread.wait()
    }
}

public struct AgentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
