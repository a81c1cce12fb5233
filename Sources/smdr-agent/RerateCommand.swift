import ArgumentParser
import Foundation
import SMDRCore
import SMDRRating
import SMDRRuntime
import SMDRStore

/// A date (`2026-11-04`) or time (ISO 8601) as epoch seconds, local dates in `zone`.
func epoch(_ s: String, zone: TimeZone, endOfDay: Bool = false) throws -> Int64 {
    if let t = ZonedTime(iso8601: s) { return t.utc }
    let b = ByteText(s)
    guard b.count == 10, b.matches("9999-99-99", at: 0), let c = CivilDateTime(year: b.number(0, 4)!, month: b.number(5, 2)!, day: b.number(8, 2)!) else {
        throw ValidationError("'\(s)' is not a date (YYYY-MM-DD) or an ISO 8601 time")
    }
    return ZoneClock(timeZone: zone).zoned(endOfDay ? c.adding(days: 1) : c).utc
}

/// `--from`, `--to` and `--timezone`: a period of stored calls, as epoch seconds.
struct PeriodOptions: ParsableArguments {
    @Option(help: "First day (YYYY-MM-DD, inclusive) or time (ISO 8601).")
    var from: String
    @Option(help: "Last day (YYYY-MM-DD, inclusive) or time (ISO 8601, exclusive).")
    var to: String
    @OptionGroup var zoneOption: TimeZoneOption
    var timezone: String? { zoneOption.timezone }

    /// The period as `[from, to)` in epoch seconds; a last day counts whole.
    func range() throws -> (from: Int64, to: Int64) {
        let zone = try timeZone(timezone)
        return (try epoch(from, zone: zone), try epoch(to, zone: zone, endOfDay: true))
    }
}

struct RerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerate",
        abstract: "Price stored calls again after a tariff change; every change is audited (old and new cost per call)."
    )

    @OptionGroup var dataOption: DataDirectoryOption
    var dataDir: String { dataOption.dataDir }
    @Option(help: "Tariff YAML to rate with.")
    var tariff: String
    @Option(help: "Business codes, YAML or CSV.")
    var accounts: String?
    @OptionGroup var period: PeriodOptions

    func run() throws {
        let store = try CallStore(path: DataDirectory(dataDir).store.path)
        let rater = Rater(tariff: try loadTariff(tariff))
        let book = try loadAccounts(accounts)
        let (from, to) = try period.range()
        let calls = try store.calls(fromUTC: from, toUTC: to)
        var changes: [(call: CallStore.StoredCall, rating: CallStore.StoredRating)] = []
        var changed = 0
        var before: Int64 = 0, after: Int64 = 0
        for c in calls {
            guard let r = CallRecord(jsonLine: c.json) else { continue }
            let g = RatedCall(r, rater: rater, book: book).stored
            if g.costMicros != c.costMicros { changed += 1 }
            before += c.costMicros ?? 0
            after += g.costMicros ?? 0
            changes.append((c, g))
        }
        try store.rerate(changes)
        let places = rater.tariff.decimals
        var out = OutputStream(fd: 1)
        out.write(
            "rerated \(calls.count) call(s) with \(rater.tariff.name): \(changed) changed cost; total before VAT \(Money(micros: before).string(places: 6)) → \(Money(micros: after).string(places: places)) \(rater.tariff.currency) (audit in table rerate_audit)\n"
        )
        out.flush()
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Calls, minutes, units, cost before VAT, VAT and total, grouped and totalled."
    )

    enum Group: String, ExpressibleByArgument { case `extension`, account, destination, trunk, client }

    @Option(help: "Group by extension, account, destination, trunk or client.")
    var by: Group = .extension
    @OptionGroup var dataOption: DataDirectoryOption
    var dataDir: String { dataOption.dataDir }
    @OptionGroup var period: PeriodOptions
    @Option(help: "Decimal places of the amounts.")
    var decimals: Int = 2
    @Flag(help: "CSV (comma-separated, dot decimals, header row) that a spreadsheet opens as is.")
    var csv = false

    func run() throws {
        let store = try CallStore(path: DataDirectory(dataDir).store.path, access: .readOnly)
        let (from, to) = try period.range()
        let rows = try store.report(by: by.rawValue, fromUTC: from, toUTC: to)
        func money(_ m: Int64) -> String { Exact(Int128(m)).rounded(places: decimals, .halfUp).string(places: decimals) }
        func minutes(_ s: Int) -> String { String(format: "%d.%02d", s / 60, s % 60 * 100 / 60) }
        var total = CallStore.ReportRow(key: "TOTAL", calls: 0, seconds: 0, units: 0, costMicros: 0, vatMicros: 0, totalMicros: 0)
        for r in rows {
            total.calls += r.calls
            total.seconds += r.seconds
            total.units += r.units
            total.costMicros += r.costMicros
            total.vatMicros += r.vatMicros
            total.totalMicros += r.totalMicros
        }
        var out = OutputStream(fd: 1)
        let header = [by.rawValue, "calls", "minutes", "units", "cost", "vat", "total"]
        func cells(_ r: CallStore.ReportRow) -> [String] { [r.key, String(r.calls), minutes(r.seconds), String(r.units), money(r.costMicros), money(r.vatMicros), money(r.totalMicros)] }
        if csv {
            func quote(_ s: String) -> String { s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
            out.write(header.joined(separator: ",") + "\r\n")
            for r in rows + [total] { out.write(cells(r).map(quote).joined(separator: ",") + "\r\n") }
        } else {
            let all = [header] + rows.map(cells) + [cells(total)]
            let widths = (0..<header.count).map { c in all.map { $0[c].count }.max() ?? 0 }
            for (k, row) in all.enumerated() {
                if k == all.count - 1 { out.write(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n") }
                out.write(row.enumerated().map { c, v in c == 0 ? v.padding(toLength: widths[c], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - v.count) + v }.joined(separator: "  ") + "\n")
            }
        }
        out.flush()
    }
}
