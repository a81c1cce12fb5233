import ArgumentParser
import Foundation
import SMDRCalls
import SMDRCore
import SMDRPrepaid
import SMDRRating
import SMDRRuntime
import SMDRStore
import SMDRTickets

/// What the prepaid commands share: the configuration (accounts, tariff, time zone) and the
/// agent's store. They write the store directly: a running agent sees a top-up at its next
/// authorisation (the ledger is read up to date in every write).
struct PrepaidOptions: ParsableArguments {
    @Option(help: "The agent's YAML configuration (its prepaid: section, tariff and data_dir).")
    var config: String
    @Option(help: "Data directory (default: data_dir from the configuration, or ./data).")
    var dataDir: String?

    func desk() throws -> PrepaidDesk {
        let c: AgentConfig
        do { c = try AgentConfig.load(path: config) } catch let e as ConfigError { throw ValidationError(e.description) }
        guard let plan = c.prepaid else { throw ValidationError("\(config): no prepaid: section (see Hardware/smdr-agent.yaml)") }
        guard let tariffPath = c.tariff else { throw ValidationError("\(config): prepaid accounts need a tariff (tariff: path)") }
        let dir = URL(fileURLWithPath: dataDir ?? c.dataDirectory ?? "data")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try CallStore(path: DataDirectory(url: dir).store.path)
        return try PrepaidDesk(
            plan: plan, rater: Rater(tariff: try loadTariff(tariffPath)), store: store, limits: limits(c), timeZone: try timeZone(c.timeZone),
            book: try loadAccounts(c.accounts))
    }
}

/// The stations' duration limits a configuration sets (for `/authorize`).
func limits(_ c: AgentConfig?) -> DurationLimits {
    DurationLimits(stations: c?.stations ?? [:], defaultLimit: c?.calls?.default_max_duration)
}

struct BalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance", abstract: "Show prepaid balances: every account, or one (by account id or extension).")
    @OptionGroup var options: PrepaidOptions
    @Argument(help: "An account id or an extension (default: all accounts).")
    var account: String?
    @Flag(help: "JSON, as GET /accounts returns it.")
    var json = false

    func run() throws {
        let desk = try options.desk()
        let list: [AccountState]
        if let account {
            guard let a = try desk.account(account) else { throw ValidationError("no account or extension \(account)") }
            list = [a]
        } else {
            list = try desk.accounts()
        }
        var out = OutputStream(fd: 1)
        if json {
            out.write(account == nil ? "{\"accounts\":[\(list.map(\.json).joined(separator: ","))]}\n" : list[0].json + "\n")
        } else {
            out.write("account        balance    available       held  state       extensions   (\(list.first?.currency ?? ""))\n")
            for a in list {
                let cells = [
                    a.account.id.padding(toLength: 10, withPad: " ", startingAt: 0), pad(a.balance.string(places: a.decimals), 11),
                    pad(a.available.string(places: a.decimals), 12), pad(a.held.string(places: a.decimals), 10), " " + a.state.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0),
                    a.account.extensions.joined(separator: ","),
                ]
                out.write(cells.joined(separator: " ") + "\n")
            }
        }
        out.flush()
    }
}

func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }

struct TopupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topup", abstract: "Credit a prepaid account (by account id or extension); the same reference never credits twice.")
    @OptionGroup var options: PrepaidOptions
    @Argument(help: "An account id or an extension.")
    var account: String
    @Argument(help: "The amount, a decimal such as 20.00.")
    var amount: String
    @Option(name: .customLong("ref"), help: "The top-up's reference (receipt, transfer number): a second top-up with it is refused or ignored.")
    var reference: String
    @Option(help: "A note kept with the movement.")
    var memo: String?
    @Flag(help: "An adjustment (may be negative) rather than a top-up.")
    var adjustment = false

    func run() throws {
        let desk = try options.desk()
        guard let money = Money(amount) else { throw ValidationError("'\(amount)' is not an amount: \(Money.inputRule)") }
        let done: TopupResult
        do { done = try desk.topup(account, amount: money, reference: reference, memo: memo, adjustment: adjustment) } catch let e as PrepaidError {
            throw ValidationError(e.description)
        }
        let a = done.account
        var out = OutputStream(fd: 1)
        out.write(
            (done.created ? "credited" : "already credited (reference \(reference)), nothing done:") + " \(a.account.id) balance \(a.balance.string(places: a.decimals)) \(a.currency), "
                + "available \(a.available.string(places: a.decimals)), \(a.state.rawValue)\n")
        out.flush()
    }
}

struct StatementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement", abstract: "A prepaid account's statement over a period: top-ups, calls, adjustments, balances.")
    @OptionGroup var options: PrepaidOptions
    @Argument(help: "An account id or an extension.")
    var account: String
    @Option(help: "First day (2026-11-01) or ISO 8601 time; default: 31 days ago.")
    var from: String?
    @Option(help: "Day after the last (2026-12-01) or ISO 8601 time; default: now.")
    var to: String?
    @Option(help: "text, or receipt (ESC/POS bytes for a ticket printer: pipe to lp -o raw).")
    var layout: String = "text"
    @Option(help: "Characters per line.")
    var columns: Int = 48
    @Option(help: "fr or en.")
    var language: String = "fr"
    @Option(help: "Company name at the top.")
    var company: String = ""
    @Flag(help: "JSON, as GET /accounts/{id}/statement returns it.")
    var json = false

    func run() throws {
        let desk = try options.desk()
        let now = Int64(Date().timeIntervalSince1970)
        let zone = desk.timeZone
        let start = try from.map { try epoch($0, zone: zone, "--from") } ?? now - 31 * 86_400
        let end = try to.map { try epoch($0, zone: zone, "--to") } ?? now + 1
        let s: Statement
        do { s = try desk.statement(account, fromUTC: start, toUTC: end) } catch let e as PrepaidError { throw ValidationError(e.description) }
        var out = OutputStream(fd: 1)
        if json {
            out.write(s.json + "\n")
        } else {
            guard let kind = TicketLayout.Kind(rawValue: layout), kind != .listing else { throw ValidationError("--layout: text or receipt") }
            guard let strings = TicketStrings.builtIn(language) else { throw ValidationError("--language: fr or en") }
            out.write(TicketLayout(kind: kind, columns: columns, strings: strings).render(s, company: company))
        }
        out.flush()
    }
}

/// A date (midnight in the site's zone), an ISO 8601 time, or epoch seconds.
func epoch(_ s: String, zone: TimeZone, _ name: String) throws -> Int64 {
    if let v = Int64(s) { return v }
    let f = ISO8601DateFormatter()
    if let d = f.date(from: s) { return Int64(d.timeIntervalSince1970) }
    f.formatOptions = [.withFullDate]
    f.timeZone = zone
    if let d = f.date(from: s) { return Int64(d.timeIntervalSince1970) }
    throw ValidationError("\(name): a date (2026-11-01), an ISO 8601 time or epoch seconds")
}
