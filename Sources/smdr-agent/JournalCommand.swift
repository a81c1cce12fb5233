import ArgumentParser
import Foundation
import SMDRCore
import SMDRJournal
import SMDRRuntime
import SMDRStore

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Show, export and re-process the journal of received bytes.",
        discussion: """
            show: one line per received chunk (offset, receive time, length, text).
            export: `<seconds>\\t<bytes>` per chunk, control bytes escaped as \\xHH: the capture format `replay` reads.
            reprocess: read the journal again through the agent's own path (parse, rate, assemble calls, store, charge) and store what is missing (nothing twice). Into an empty store (a rebuild) with --config, it gives the calls, ratings, events and prepaid charges the live run gave.
            """
    )

    enum Action: String, ExpressibleByArgument { case show, export, reprocess }

    @Argument(help: "show, export or reprocess.")
    var action: Action
    @OptionGroup var dataOption: DataDirectoryOption
    var dataDir: String { dataOption.dataDir }
    @Option(help: "Source id (default: the only one).")
    var source: String?
    @Option(help: "First stream offset (for reprocess: the start of a line).")
    var from: Int64 = 0
    @Option(help: "Stream offset to stop at.")
    var to: Int64?
    @OptionGroup var formatOptions: FormatOptions
    @Option(help: "The agent's configuration: its custom formats (formats:) and time zone, for reprocess.")
    var config: String?
    @OptionGroup var zoneOption: TimeZoneOption
    var timezone: String? { zoneOption.timezone }
    @Option(help: "Tariff for reprocess (default: the configuration's): calls are rated as they are stored.")
    var tariff: String?
    @Option(help: "Business codes for reprocess (default: the configuration's).")
    var accounts: String?

    func run() throws {
        // For reprocess: the configuration and the formats, resolved before anything is read (an
        // id typed wrong is refused at once).
        var loaded: AgentConfig?
        var catalog = FormatCatalog.builtIn
        var named: FormatHandle?
        if action == .reprocess {
            if let config {
                do { loaded = try AgentConfig.load(path: config) } catch { throw ValidationError("\(error)") }
            }
            catalog = try formatOptions.catalog(extraFiles: loaded?.formatFiles ?? [])
            named = try formatOptions.chosen(in: catalog)
        }
        let data = URL(fileURLWithPath: dataDir)
        let root = DataDirectory(url: data).journals
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
        guard let id = source ?? (ids.count == 1 ? ids[0] : nil) else {
            throw ValidationError(ids.isEmpty ? "no journal in \(root.path)" : "several sources (\(ids.joined(separator: ", "))): name one with --source")
        }
        let cursor = JournalCursor(directory: Agent.journalDirectory(data, source: id), from: from)
        var out = OutputStream(fd: 1)
        switch action {
        case .show, .export:
            var first: Int64?
            while let e = try cursor.next() {
                if let to, e.offset >= to { break }
                let bytes = to.map { Array(e.bytes.prefix(Int($0 - e.offset))) } ?? e.bytes
                if action == .export {
                    let t0 = first ?? e.receivedAt
                    first = t0
                    out.write(String(format: "%.3f", Double(e.receivedAt - t0) / 1e9) + "\t" + Replay.escape(bytes) + "\n")
                } else {
                    let when = Date(timeIntervalSince1970: Double(e.receivedAt) / 1e9)
                    out.write("\(e.offset)\t\(ISO8601DateFormatter().string(from: when))\t\(bytes.count)\t\(Replay.escape(bytes))\n")
                }
            }
        case .reprocess:
            let configured = loaded?.sources.first { $0.id == id }
            // The one ingest path: the agent's, with no port opened (the kind is never used).
            let source = SourceConfig(
                id: id, kind: configured?.kind ?? .tcpListener(host: "127.0.0.1", port: 1), format: named?.id ?? configured?.format,
                quietAfterSeconds: configured?.quietAfterSeconds)
            let zone = try timeZone(timezone ?? loaded?.timeZone)
            let agent = try Agent(sources: [source], dataDirectory: data, options: ParseOptions(timeZone: zone), formats: catalog.handles)
            let saved = try agent.store.checkpoint(source: id)
            // Reading again what is stored adds what is missing, rated, and nothing twice; the live
            // side and prepaid charges run only on a rebuild (no checkpoint), where nothing was.
            let rebuild = saved == nil
            if from > 0 || saved != nil {
                _ = try agent.store.commit(
                    source: id, records: [], rejects: [], checkpoint: CallStore.Checkpoint(offset: from, line: 1, format: named?.id ?? saved?.format),
                    receivedAt: 0)
            }
            let before = try agent.store.callCount()
            let wiring = try AgentWiring(
                agent: agent, config: rebuild ? loaded : nil, tariff: tariff ?? loaded?.tariff, accounts: accounts ?? loaded?.accounts, zone: zone)
            var live: LiveWiring?
            if rebuild, let loaded {
                live = try LiveWiring(
                    agent: agent, config: loaded, apiListen: nil, apiConnections: 1, rater: wiring.rater, book: wiring.book, tickets: nil, prepaid: wiring.prepaid)
            }
            try agent.ingestJournals()
            _ = live
            let added = try agent.store.callCount() - before
            out.write("reprocessed \(id) from offset \(from): \(added) record(s) added\(rebuild ? "" : " (rated; events and prepaid charges are made only when the store is rebuilt)")\n")
        }
        out.flush()
    }
}
