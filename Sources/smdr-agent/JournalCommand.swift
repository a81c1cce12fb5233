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
            reprocess: parse a range again and store what is missing (stored records are not duplicated).
            """
    )

    enum Action: String, ExpressibleByArgument { case show, export, reprocess }

    @Argument(help: "show, export or reprocess.")
    var action: Action
    @Option(help: "Data directory of the agent.")
    var dataDir: String = "data"
    @Option(help: "Source id (default: the only one).")
    var source: String?
    @Option(help: "First stream offset (for reprocess: the start of a line).")
    var from: Int64 = 0
    @Option(help: "Stream offset to stop at.")
    var to: Int64?
    @OptionGroup var formatOptions: FormatOptions
    @Option(help: "The agent's configuration: its custom formats (formats:) and time zone, for reprocess.")
    var config: String?
    @Option(help: "Time zone for reprocess.")
    var timezone: String?

    func run() throws {
        if action == .reprocess, formatOptions.format != nil, config == nil {
            // An id typed wrong is refused before anything is read.
            _ = try formatOptions.chosen(in: try formatOptions.catalog())
        }
        let data = URL(fileURLWithPath: dataDir)
        let root = data.appendingPathComponent("journal")
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
            let store = try CallStore(path: data.appendingPathComponent("smdr.sqlite").path)
            let saved = try store.checkpoint(source: id)
            var loaded: AgentConfig?
            if let config {
                do { loaded = try AgentConfig.load(path: config) } catch { throw ValidationError("\(error)") }
            }
            let catalog = try formatOptions.catalog(extraFiles: loaded?.formatFiles ?? [])
            // The one named, else the one the source was read with (a custom one needs its file).
            let handle = try formatOptions.chosen(in: catalog, fallback: saved?.format)
            let zone = try timeZone(timezone ?? loaded?.timeZone)
            var parser = StreamParser(format: handle, options: ParseOptions(timeZone: zone), resumingAt: Framer.ResumePoint(offset: from, line: 1))
            var events: [ParseEvent] = []
            var added = 0
            while let e = try cursor.next() {
                if let to, e.offset >= to { break }
                parser.push(e.bytes, into: &events)
                added += try commit(&events, store: store, source: id, receivedAt: e.receivedAt)
            }
            parser.finish(into: &events)
            added += try commit(&events, store: store, source: id, receivedAt: 0)
            out.write("reprocessed \(id) from offset \(from): \(added) record(s) added\n")
        }
        out.flush()
    }

    func commit(_ events: inout [ParseEvent], store: CallStore, source: String, receivedAt: Int64) throws -> Int {
        var records: [CallRecord] = []
        var rejects: [Reject] = []
        for e in events {
            if case .record(let r) = e { records.append(r) }
            if case .reject(let r) = e { rejects.append(r) }
        }
        events.removeAll()
        return try store.commit(source: source, records: records, rejects: rejects, checkpoint: nil, receivedAt: receivedAt)
    }
}
