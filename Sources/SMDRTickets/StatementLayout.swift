import SMDRCore
import SMDRPrepaid
import SMDRRating

/// A prepaid account's statement in a ticket layout: on a receipt printer (ESC/POS) at the
/// desk where branches top up, or as text for an office printer. One line per top-up, call and
/// adjustment with its signed amount, then the totals and the closing balance.
extension TicketLayout {
    public func statementLines(_ s: Statement) -> [String] {
        // The sign in front of the currency: -0,36 € / -€0.36 / +EUR 20.00.
        func amount(_ m: Money, sign: Bool = false) -> String {
            (m < .zero ? "-" : sign && m > .zero ? "+" : "") + money(Money(micros: abs(m.micros)), currency: s.currency, decimals: s.decimals)
        }
        var out: [String] = []
        out += row(strings["prepaid_account"], s.account)
        if let n = s.name { out += row(strings["name"], n) }
        if !s.extensions.isEmpty { out += row(strings["extensions"], s.extensions.joined(separator: ", ")) }
        func when(_ t: ZonedTime) -> String { date(t).0 + " " + String(date(t).1.prefix(5)) }
        out += row(strings["from"], when(s.from))
        out += row(strings["to"], when(s.to))
        out += row(strings["opening"], amount(s.opening))
        out.append(String(repeating: "-", count: columns))
        for l in s.lines {
            let what: String
            switch l.kind {
            case .topup: what = strings["topup"] + (l.reference.map { " " + $0 } ?? "")
            case .adjustment: what = strings["adjustment"] + (l.reference.map { " " + $0 } ?? "")
            case .call: what = [l.extension_, l.number, TicketLayout.clock(l.durationSeconds)].compactMap { $0 }.joined(separator: " ")
            }
            out += row(when(l.at) + " " + what, amount(l.amount, sign: true))
        }
        out.append(String(repeating: "-", count: columns))
        out += row(strings["credits"], amount(s.totalCredits, sign: true))
        out += row(strings["debits"], amount(s.totalDebits))
        out += row(strings["closing"], amount(s.closing))
        if s.held != .zero { out += row(strings["held"], amount(s.held)) }
        return out
    }

    /// The statement's bytes (receipt: ESC/POS with a cut; text and listing: plain text).
    public func render(_ s: Statement, company: String) -> [UInt8] {
        frame(header: [centred(company), centred(strings["statement"])].filter { !$0.allSatisfy { $0 == " " } }, body: statementLines(s))
    }
}
