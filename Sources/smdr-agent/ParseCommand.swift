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

    @Option(help: "Format id (see `smdr-agent formats`), `auto`, or a custom format's id.")
    var format: String = "auto"

    @Option(help: "The PBX's time zone (IANA name, e.g. Europe/Paris). Default: the system zone.")
    var timezone: String?

    @Option(help: "Year for formats that print none (Mitel, Nortel, Samsung, NEC SV). Default: from the file's date.")
    var year: Int?

    @Option(help: "Day/month order where the PBX lets the site choose: dmy or mdy.")
    var dateOrder: ParseOptions.DateOrder?

    @Option(name: .customLong("format-file"), help: "A custom format described in YAML (repeatable).")
    var formatFiles: [String] = []

    @Argument(help: "Files to read; `-` for standard input.")
    var files: [String] = ["-"]

    func run() throws {
        MallocTuning.keepFreedMemory()
        let zone = try timeZone(timezone)
        var custom: [FormatHandle] = []
        for path in formatFiles {
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                custom.append(try CustomFormat.load(yaml: text, source: path).handle)
            } catch let e as CustomFormatError {
                throw ValidationError(e.description)
            } catch {
                throw ValidationError("cannot read format file \(path): \(error.localizedDescription)")
            }
        }
        let candidates = FormatHandle.builtIn + custom
        var chosen: FormatHandle?
        if format != "auto" {
            guard let f = candidates.first(where: { $0.id == format }) else {
                throw ValidationError("unknown format '\(format)'. Known: auto, \(candidates.map(\.id).joined(separator: ", "))")
            }
            chosen = f
        }

        let sink = Sink(multipleFiles: files.count > 1)
        var formats = Set<String>()
        let pipeline = StreamPipeline(candidates: candidates, chosen: chosen) { received in
            ParseOptions(timeZone: zone, year: year, dateOrder: dateOrder, receivedAt: received)
        }
        let ok = pipeline.run(files: files, sink: sink, formatsSeen: &formats)
        let t = sink.totals
        let inputs = files.count
        let seen = formats.sorted().joined(separator: ", ")
        sink.err.write(
            "summary: \(inputs) input\(inputs == 1 ? "" : "s"), \(t.records) record\(t.records == 1 ? "" : "s"), \(t.rejected) rejected, \(t.skipped) line\(t.skipped == 1 ? "" : "s") skipped (headers, blanks, non-call lines)\(seen.isEmpty ? "" : "; format: \(seen)")\n"
        )
        sink.err.flush()
        if !ok { throw ExitCode(1) }
    }

    struct Totals {
        var records = 0
        var rejected = 0
        var skipped = 0
    }

    /// Encodes and writes events; used only from the writer queue.
    final class Sink: EventSink, @unchecked Sendable {
        var out = OutputStream(fd: 1)
        var err = OutputStream(fd: 2)
        var totals = Totals()
        let multipleFiles: Bool

        init(multipleFiles: Bool) { self.multipleFiles = multipleFiles }

        func consume(_ events: [ParseEvent], file: String) {
            for e in events {
                switch e {
                case .record(let r):
                    RecordJSON.append(r, to: &out.buffer)
                    out.buffer.append(0x0A)
                    totals.records += 1
                    out.flushIfFull()
                case .reject(let r):
                    RecordJSON.append(r, file: multipleFiles ? file : nil, to: &err.buffer)
                    err.buffer.append(0x0A)
                    totals.rejected += 1
                    err.flushIfFull()
                case .skip:
                    totals.skipped += 1
                }
            }
        }
    }
}

extension ParseOptions.DateOrder: ExpressibleByArgument {}
