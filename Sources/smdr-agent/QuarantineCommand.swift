import ArgumentParser
import Foundation
import SMDRRuntime
import SMDRCore
import SMDRStore

struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "Show the lines that could not be read, and re-process them after a format fix."
    )

    @OptionGroup var dataOption: DataDirectoryOption
    var dataDir: String { dataOption.dataDir }
    @Flag(help: "Parse the quarantined lines again; those that now read become calls.")
    var reprocess = false
    @OptionGroup var formatOptions: FormatOptions
    @OptionGroup var zoneOption: TimeZoneOption
    var timezone: String? { zoneOption.timezone }

    func run() throws {
        let store = try CallStore(path: DataDirectory(dataDir).store.path)
        let lines = try store.quarantined()
        var out = OutputStream(fd: 1)
        guard reprocess else {
            for q in lines { out.write("\(q.source)\tline \(q.line)\toffset \(q.offset)\t\(q.format ?? "?")\t\(TerminalText.safe(q.reason))\n\t\(TerminalText.safe(q.text))\n") }
            out.write("\(lines.count) line(s) in quarantine\n")
            out.flush()
            return
        }
        let catalog = try formatOptions.catalog()
        // Named with --format, else the last --format-file's, else the one that rejected each line.
        let named = try formatOptions.chosen(in: catalog) ?? (formatOptions.formatFiles.isEmpty ? nil : catalog.handles.last)
        let zone = try timeZone(timezone)
        var fixed = 0
        for q in lines {
            guard let handle = named ?? q.format.flatMap(catalog.handle(id:)) else { continue }
            var parser = StreamParser(format: handle, options: ParseOptions(timeZone: zone), resumingAt: .init(offset: q.offset, line: q.line))
            var events: [ParseEvent] = []
            parser.push(Array((q.text + "\n").utf8), into: &events)
            parser.finish(into: &events)
            let records = events.compactMap { e -> CallRecord? in if case .record(let r) = e { r } else { nil } }
            guard !records.isEmpty else { continue }
            try store.commit(source: q.source, records: records, rejects: [], checkpoint: nil, receivedAt: Int64(Date().timeIntervalSince1970 * 1e9))
            try store.resolveQuarantine(ids: [q.id])
            fixed += 1
        }
        out.write("\(fixed) of \(lines.count) quarantined line(s) now read and stored\n")
        out.flush()
    }
}
