import ArgumentParser
import Dispatch
import Foundation
import SMDRCore
import SMDRRuntime

#if canImport(Glibc)
import Glibc
#endif

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Turn raw SMDR text into call records: one JSON object per record on stdout.",
        discussion: """
            Lines that look like records but cannot be read are reported on stderr as JSON, with \
            their line number, text and reason; a one-line summary ends the run. The exit status \
            is 0 when the input was read, even with rejects.
            """
    )

    @OptionGroup var formatOptions: FormatOptions

    @OptionGroup var zoneOption: TimeZoneOption
    var timezone: String? { zoneOption.timezone }

    @Option(help: "Year for formats that print none (Mitel, Nortel, Samsung, NEC SV). Default: from the file's date.")
    var year: Int?

    @Option(help: "Day/month order where the PBX lets the site choose: dmy or mdy.")
    var dateOrder: ParseOptions.DateOrder?

    @Flag(help: "Print what every line is (record, which kind of skip, or reject and why) instead of the records.")
    var explain = false

    @Argument(help: "Files to read; `-` for standard input.")
    var files: [String] = ["-"]

    func run() throws {
        MallocTuning.keepFreedMemory()
        let zone = try timeZone(timezone)
        let catalog = try formatOptions.catalog()
        let candidates = catalog.handles
        let chosen = try formatOptions.chosen(in: catalog)

        let sink = Sink(multipleFiles: files.count > 1, explain: explain)
        var formats = Set<String>()
        let pipeline = StreamPipeline(candidates: candidates, chosen: chosen, consumeOnReader: true) { received in
            ParseOptions(timeZone: zone, year: year, dateOrder: dateOrder, receivedAt: received)
        }
        let ok = pipeline.run(files: files, sink: sink, formatsSeen: &formats)
        let t = sink.totals
        let inputs = files.count
        let seen = formats.sorted().joined(separator: ", ")
        let skipped = t.skipped.values.reduce(0, +)
        let kinds = t.skipped.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        sink.err.write(
            "summary: \(inputs) input\(inputs == 1 ? "" : "s"), \(t.records) record\(t.records == 1 ? "" : "s") (\(t.recordLines) line\(t.recordLines == 1 ? "" : "s")), \(t.rejected) rejected, \(skipped) line\(skipped == 1 ? "" : "s") skipped\(kinds.isEmpty ? "" : " (\(kinds))")\(seen.isEmpty ? "" : "; format: \(seen)")\n"
        )
        sink.err.flush()
        if !ok { throw ExitCode(1) }
    }

    struct Totals {
        var records = 0
        /// Lines the records were read from (a multi-line record counts each of its lines).
        var recordLines = 0
        var rejected = 0
        var skipped: [SkipKind: Int] = [:]
    }

    /// Encodes and writes events; used only from the writer queue.
    final class Sink: EventSink, @unchecked Sendable {
        var out = OutputStream(fd: 1)
        var err = OutputStream(fd: 2)
        var totals = Totals()
        let multipleFiles: Bool
        let explain: Bool
        /// Stream positions of the rejects reported for the current file (a format change takes back those after it).
        var rejectOffsets: [Int64] = []
        var currentFile = ""

        init(multipleFiles: Bool, explain: Bool) {
            self.multipleFiles = multipleFiles
            self.explain = explain
        }

        func consume(_ events: inout [ParseEvent], file: String) {
            if file != currentFile {
                currentFile = file
                rejectOffsets = []
            }
            // A record is one reference (``CallRecord``): events are read where they lie in the batch.
            var others: [ParseEvent] = []
            if explain {
                others = events
            } else {
                Sink.writeRecords(events, to: &out, totals: &totals, others: &others)
            }
            events.removeAll(keepingCapacity: true)
            for e in others { consume(e, file: file) }
        }

        /// The records of a batch as JSON lines, on the stream and totals given once for the batch
        /// (not read from the sink at each record); the other events, in order, to `others`.
        private static func writeRecords(_ batch: [ParseEvent], to out: inout OutputStream, totals: inout Totals, others: inout [ParseEvent]) {
            for e in batch {
                if let lines = RecordJSON.appendRecord(of: e, to: &out.buffer) {
                    out.buffer.append(0x0A)
                    totals.records += 1
                    totals.recordLines += lines
                    out.flushIfFull()
                } else {
                    others.append(e)
                }
            }
        }

        private func consume(_ e: ParseEvent, file: String) {
            switch e {
            case .record(let r):
                let lines = r.rawLineCount
                if explain {
                    out.write("\(r.line)\trecord\t\(lines > 1 ? "\(lines) lines" : "")\t\(TerminalText.safe(r.raw.split(separator: "\n").first.map(String.init) ?? ""))\n")
                } else {
                    RecordJSON.append(r, to: &out.buffer)
                    out.buffer.append(0x0A)
                }
                totals.records += 1
                totals.recordLines += lines
                out.flushIfFull()
            case .reject(let r):
                if explain {
                    out.write("\(r.line)\treject\t\(TerminalText.safe(r.reason))\t\(TerminalText.safe(r.text))\n")
                } else {
                    RecordJSON.append(r, file: multipleFiles ? file : nil, to: &err.buffer)
                    err.buffer.append(0x0A)
                    err.flushIfFull()
                }
                totals.rejected += 1
                rejectOffsets.append(r.offset)
            case .skip(let line, let kind, let detail):
                if explain { out.write("\(line)\tskip\t\(kind.rawValue)\(detail.map { ": " + TerminalText.safe($0) } ?? "")\t\n") }
                totals.skipped[kind, default: 0] += 1
            case .formatFound(let change):
                guard let from = change.replayFrom else { return }
                let taken = rejectOffsets.filter { $0 >= from }.count
                rejectOffsets.removeAll { $0 >= from }
                totals.rejected -= taken
                let what = change.previous.map { "the stream changed format, \($0) → \(change.format)" } ?? "format recognised: \(change.format)"
                let note = "\(multipleFiles ? file + ": " : "")line \(change.line): \(what); the \(taken) line(s) rejected above from there are read again"
                if explain { out.write("\(change.line)\tformat\t\(note)\t\n") } else { err.write("smdr-agent: \(note)\n") }
            }
        }
    }
}

extension ParseOptions.DateOrder: ExpressibleByArgument {}
