import ArgumentParser
import Foundation
import SMDRCore

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

        var out = OutputStream(fd: 1)
        var err = OutputStream(fd: 2)
        var totals = Totals()
        var failed = false
        for file in files {
            let name = file == "-" ? "<stdin>" : file
            let fd: Int32 = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                err.write("smdr-agent: cannot read \(file): \(String(cString: strerror(errno)))\n")
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
                drain(&events, file: name, out: &out, err: &err, totals: &totals)
            }
            parser.finish(into: &events)
            drain(&events, file: name, out: &out, err: &err, totals: &totals)
            if readError != 0 {
                err.write("smdr-agent: error reading \(file): \(String(cString: strerror(readError)))\n")
                failed = true
            }
            if parser.unrecognised {
                err.write(
                    "smdr-agent: \(name): no known format recognises its first \(parser.sample.count) lines; name one with --format (\(candidates.map(\.id).joined(separator: ", "))) or describe it with --format-file\n"
                )
                failed = true
            } else if let f = parser.format {
                totals.formats[f.id, default: 0] += 0
            }
        }
        out.flush()
        let formats = totals.formats.keys.sorted().joined(separator: ", ")
        err.write(
            "summary: \(files.count) input\(files.count == 1 ? "" : "s"), \(totals.records) record\(totals.records == 1 ? "" : "s"), \(totals.rejected) rejected, \(totals.skipped) line\(totals.skipped == 1 ? "" : "s") skipped (headers, blanks, non-call lines)\(formats.isEmpty ? "" : "; format: \(formats)")\n"
        )
        err.flush()
        if failed { throw ExitCode(1) }
    }

    struct Totals {
        var records = 0
        var rejected = 0
        var skipped = 0
        var formats: [String: Int] = [:]
    }

    func drain(_ events: inout [ParseEvent], file: String, out: inout OutputStream, err: inout OutputStream, totals: inout Totals) {
        for e in events {
            switch e {
            case .record(let r):
                RecordJSON.append(r, to: &out.buffer)
                out.buffer.append(0x0A)
                totals.records += 1
                out.flushIfFull()
            case .reject(let r):
                RecordJSON.append(r, file: files.count > 1 ? file : nil, to: &err.buffer)
                err.buffer.append(0x0A)
                totals.rejected += 1
                err.flushIfFull()
            case .skip:
                totals.skipped += 1
            }
        }
        events.removeAll(keepingCapacity: true)
    }
}

extension ParseOptions.DateOrder: ExpressibleByArgument {}
