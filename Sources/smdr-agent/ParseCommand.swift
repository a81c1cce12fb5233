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
        var zone = TimeZone.current
        if let timezone {
            guard let z = TimeZone(identifier: timezone) else {
                throw ValidationError("unknown time zone '\(timezone)': use an IANA name such as Europe/Paris or America/New_York")
            }
            zone = z
        }
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

        // Parsing runs here; JSON encoding and writing run on a serial queue, so that both cores
        // work and records keep their input order. At most 4 batches wait, bounding memory.
        let sink = Sink(multipleFiles: files.count > 1)
        let writer = DispatchQueue(label: "smdr-agent.parse.writer")
        let inFlight = DispatchSemaphore(value: 4)
        func hand(_ events: inout [ParseEvent], file: String) {
            guard !events.isEmpty else { return }
            let batch = events
            events = []
            events.reserveCapacity(batch.count)
            inFlight.wait()
            writer.async {
                sink.consume(batch, file: file)
                inFlight.signal()
            }
        }
        func message(_ text: String) {
            writer.async { sink.err.write(text) }
        }
        var failed = false
        for file in files {
            let name = file == "-" ? "<stdin>" : file
            let fd: Int32 = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                message("smdr-agent: cannot read \(file): \(String(cString: strerror(errno)))\n")
                failed = true
                continue
            }
            defer { if fd != 0 { close(fd) } }
            var st = stat()
            var received = Date()
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
                received = Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec))
            }
            let options = ParseOptions(timeZone: zone, year: year, dateOrder: dateOrder, receivedAt: received)
            var parser = StreamParser(format: chosen, candidates: candidates, options: options)
            var events: [ParseEvent] = []
            events.reserveCapacity(4096)
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var readError: Int32 = 0
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = errno
                    break
                }
                if n == 0 { break }
                chunk.withUnsafeBufferPointer { parser.push(buffer: UnsafeBufferPointer(rebasing: $0[0..<n]), into: &events) }
                hand(&events, file: name)
            }
            parser.finish(into: &events)
            hand(&events, file: name)
            if readError != 0 {
                message("smdr-agent: error reading \(file): \(String(cString: strerror(readError)))\n")
                failed = true
            }
            if parser.unrecognised {
                message(
                    "smdr-agent: \(name): no known format recognises its first \(parser.sample.count) lines; name one with --format (\(candidates.map(\.id).joined(separator: ", "))) or describe it with --format-file\n"
                )
                failed = true
            } else if let id = parser.format?.id {
                writer.async { sink.totals.formats.insert(id) }
            }
        }
        let inputs = files.count
        writer.sync {
            sink.out.flush()
            let t = sink.totals
            let formats = t.formats.sorted().joined(separator: ", ")
            sink.err.write(
                "summary: \(inputs) input\(inputs == 1 ? "" : "s"), \(t.records) record\(t.records == 1 ? "" : "s"), \(t.rejected) rejected, \(t.skipped) line\(t.skipped == 1 ? "" : "s") skipped (headers, blanks, non-call lines)\(formats.isEmpty ? "" : "; format: \(formats)")\n"
            )
            sink.err.flush()
        }
        if failed { throw ExitCode(1) }
    }

    struct Totals {
        var records = 0
        var rejected = 0
        var skipped = 0
        var formats: Set<String> = []
    }

    /// Encodes and writes events; used only from the writer queue.
    final class Sink: @unchecked Sendable {
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
