import ArgumentParser
import Foundation
import SMDRCore
import SMDRRating
import SMDRRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Loads a tariff file, its decks read relative to it.
func loadTariff(_ path: String) throws -> Tariff {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
    do {
        return try Tariff.load(yaml: try String(contentsOfFile: path, encoding: .utf8), source: path) { name in
            try String(contentsOf: name.hasPrefix("/") ? URL(fileURLWithPath: name) : dir.appendingPathComponent(name), encoding: .utf8)
        }
    } catch let e as RatingError {
        throw ValidationError(e.description)
    }
}

func loadAccounts(_ path: String?) throws -> AccountBook? {
    guard let path else { return nil }
    do { return try AccountBook.load(text: try String(contentsOfFile: path, encoding: .utf8), source: path) } catch let e as RatingError {
        throw ValidationError(e.description)
    }
}

struct RateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Price the calls of captures offline: JSON lines with the call-record fields plus cost, vat, cost_incl_vat, units, destination, prefix, band, tariff_version."
    )

    @Option(help: "Tariff YAML (its rate decks are read relative to it).")
    var tariff: String
    @Option(help: "Business codes, YAML or CSV.")
    var accounts: String?
    @Option(help: "Format id or auto.")
    var format: String = "auto"
    @Option(help: "The PBX's time zone.")
    var timezone: String?
    @Option(help: "Year for formats that print none.")
    var year: Int?
    @Argument(help: "Capture files; `-` for standard input.")
    var files: [String] = ["-"]

    func run() throws {
        MallocTuning.keepFreedMemory()
        let rater = Rater(tariff: try loadTariff(tariff))
        let book = try loadAccounts(accounts)
        var zone = TimeZone.current
        if let timezone {
            guard let z = TimeZone(identifier: timezone) else { throw ValidationError("unknown time zone '\(timezone)'") }
            zone = z
        }
        let handle: FormatHandle? = format == "auto" ? nil : FormatHandle.builtIn.first { $0.id == format }
        if format != "auto" && handle == nil { throw ValidationError("unknown format '\(format)'") }
        var out = OutputStream(fd: 1)
        var err = OutputStream(fd: 2)
        var counts: [Rating.Status: Int] = [:]
        for file in files {
            let data: Data
            if file == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else {
                guard let d = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                data = d
            }
            var parser = StreamParser(format: handle, options: ParseOptions(timeZone: zone, year: year))
            var events: [ParseEvent] = []
            data.withUnsafeBytes { parser.push(buffer: $0.bindMemory(to: UInt8.self), into: &events) }
            parser.finish(into: &events)
            if parser.unrecognised { throw ValidationError("\(file): no known format recognises it; give --format") }
            for e in events {
                switch e {
                case .record(let r):
                    let rating = rater.rate(r)
                    counts[rating.status, default: 0] += 1
                    let account = book?.account(r.accountCode)
                    RatedRecordJSON.append(r, rating, account: account, accountUnknown: book != nil && r.accountCode != nil && account == nil, to: &out.buffer)
                    out.buffer.append(0x0A)
                    out.flushIfFull()
                case .reject(let q):
                    RecordJSON.append(q, file: file, to: &err.buffer)
                    err.buffer.append(0x0A)
                case .skip: break
                }
            }
        }
        out.flush()
        err.write("summary: \(counts[.rated] ?? 0) rated, \(counts[.free] ?? 0) free or not charged, \(counts[.unrated] ?? 0) unrated\n")
        err.flush()
    }
}
