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
    @OptionGroup var formatOptions: FormatOptions
    @OptionGroup var zoneOption: TimeZoneOption
    var timezone: String? { zoneOption.timezone }
    @Option(help: "Year for formats that print none.")
    var year: Int?
    @Argument(help: "Capture files; `-` for standard input.")
    var files: [String] = ["-"]

    func run() throws {
        MallocTuning.keepFreedMemory()
        let rater = Rater(tariff: try loadTariff(tariff))
        let book = try loadAccounts(accounts)
        let zone = try timeZone(timezone)
        let catalog = try formatOptions.catalog()
        let handle = try formatOptions.chosen(in: catalog)
        let sink = RatingSink(rater: rater, book: book, multipleFiles: files.count > 1)
        var formats = Set<String>()
        let year = self.year
        let pipeline = StreamPipeline(candidates: catalog.handles, chosen: handle) { received in
            ParseOptions(timeZone: zone, year: year, receivedAt: received)
        }
        let ok = pipeline.run(files: files, sink: sink, formatsSeen: &formats)
        let c = sink.counts
        sink.err.write("summary: \(c[.rated] ?? 0) rated, \(c[.free] ?? 0) free or not charged, \(c[.unrated] ?? 0) unrated\n")
        sink.err.flush()
        if !ok { throw ExitCode(1) }
    }
}

/// Rates and encodes on the writer queue.
final class RatingSink: EventSink, @unchecked Sendable {
    var out = OutputStream(fd: 1)
    var err = OutputStream(fd: 2)
    var counts: [Rating.Status: Int] = [:]
    let rater: Rater
    let book: AccountBook?
    let multipleFiles: Bool

    init(rater: Rater, book: AccountBook?, multipleFiles: Bool) {
        self.rater = rater
        self.book = book
        self.multipleFiles = multipleFiles
    }

    func consume(_ events: inout [ParseEvent], file: String) {
        defer { events.removeAll(keepingCapacity: true) }
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
                RecordJSON.append(q, file: multipleFiles ? file : nil, to: &err.buffer)
                err.buffer.append(0x0A)
                err.flushIfFull()
            case .skip, .formatFound: break
            }
        }
    }

}
