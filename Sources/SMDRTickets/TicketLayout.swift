import SMDRCore
import SMDRRating

/// Renders tickets as bytes. Pure: the same content gives the same bytes, tested as text.
///
/// - `receipt`: ESC/POS for 80 mm (42 or 48 columns) and 58 mm (32 columns) printers: initialise,
///   code page PC858, bold centred header, the lines, feed and cut. Sent raw.
/// - `text`: plain text for office printers (CUPS filters it).
/// - `listing`: one line per call under page headers, like the PBX's LISTING printout.
///
/// Nothing from the PBX reaches the printer as a command: every text field is stripped of control
/// bytes (ESC, GS, …) before it enters a ticket.
public struct TicketLayout: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case receipt, text, listing }

    public var kind: Kind
    public var columns: Int
    public var strings: TicketStrings
    public var linesPerPage: Int

    public init(kind: Kind, columns: Int = 42, strings: TicketStrings = .french, linesPerPage: Int = 60) {
        self.kind = kind
        self.columns = max(24, columns)
        self.strings = strings
        self.linesPerPage = linesPerPage
    }

    // ESC/POS commands.
    static let initialise: [UInt8] = [0x1B, 0x40]
    static let boldOn: [UInt8] = [0x1B, 0x45, 0x01]
    static let boldOff: [UInt8] = [0x1B, 0x45, 0x00]
    static let centre: [UInt8] = [0x1B, 0x61, 0x01]
    static let left: [UInt8] = [0x1B, 0x61, 0x00]
    static let feedAndCut: [UInt8] = [0x1B, 0x64, 0x04, 0x1D, 0x56, 0x01]

    /// Printable text only: control bytes (C0, DEL, C1) become spaces, so a name carrying ESC or GS
    /// prints as harmless text.
    public static func sanitise(_ s: String?) -> String {
        guard let s else { return "" }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { ($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) ? " " : $0 }))
    }

    public func money(_ m: Money?, currency: String, decimals: Int) -> String {
        guard let m else { return "-" }
        var s = m.string(places: decimals)
        if strings.decimalComma { s = s.replacingOccurrences(of: ".", with: ",") }
        // The euro sign only where the output can carry it (the receipt's code page); CUPS's text
        // filters take the Latin-1 range only, so text tickets write EUR.
        let symbols = kind == .receipt ? ["EUR": "€", "GBP": "£", "USD": "$"] : ["GBP": "£", "USD": "$"]
        let symbol = symbols[currency] ?? currency
        return strings.currencyFirst ? symbol + (symbol.count > 1 ? " " : "") + s : s + " " + symbol
    }

    static func clock(_ s: Int?) -> String {
        guard let s else { return "-" }
        return String(format: "%02d:%02d:%02d", s / 3600, s % 3600 / 60, s % 60)
    }

    func date(_ t: ZonedTime?) -> (String, String) {
        guard let l = t?.local else { return ("-", "-") }
        let d = strings.decimalComma ? String(format: "%02d/%02d/%04d", l.day, l.month, l.year) : String(format: "%04d-%02d-%02d", l.year, l.month, l.day)
        return (d, String(format: "%02d:%02d:%02d", l.hour, l.minute, l.second))
    }

    /// `label ........ value` on one line of `columns`, or the value on the next line when it does not fit.
    func row(_ label: String, _ value: String) -> [String] {
        let l = TicketLayout.sanitise(label), v = TicketLayout.sanitise(value)
        if l.count + 1 + v.count <= columns { return [l + String(repeating: " ", count: columns - l.count - v.count) + v] }
        return [l, String(repeating: " ", count: max(0, columns - v.count)) + v]
    }

    func centred(_ s: String) -> String {
        let t = String(TicketLayout.sanitise(s).prefix(columns))
        return String(repeating: " ", count: (columns - t.count) / 2) + t
    }

    /// The body lines of one ticket.
    public func lines(_ c: TicketContent) -> [String] {
        var out: [String] = []
        let (d, t) = date(c.start)
        out += row(strings["ticket"], String(c.number))
        if let s = c.station { out += row(strings["station"], s) }
        if let u = c.userName { out += row(strings["user"], u) }
        if let tb = c.transferredBy { out += row(strings["transferred_by"], tb) }
        out += row(strings["date"], d)
        out += row(strings["time"], t)
        out += row(strings["duration"], TicketLayout.clock(c.durationSeconds))
        if let n = c.number_ { out += row(strings["number"], n) }
        if let u = c.units { out += row(strings["units"], String(u)) }
        out += row(strings["cost"], money(c.cost, currency: c.currency, decimals: c.decimals))
        out += row(strings["vat"], money(c.vat, currency: c.currency, decimals: c.decimals))
        out += row(strings["total"], money(c.total, currency: c.currency, decimals: c.decimals))
        if let a = c.accountCode { out += row(strings["account"], a) }
        if let cl = c.client { out += row(strings["client"], cl) }
        return out
    }

    /// One ticket's bytes (receipt or text).
    public func render(_ c: TicketContent) -> [UInt8] {
        var header = [centred(c.company), centred(strings["title"])]
        if c.copy { header.append(centred("*** " + strings["copy"] + " ***")) }
        return frame(header: header, body: lines(c))
    }

    /// Header lines (bold, centred on a receipt), the body between two rules; a receipt is cut.
    func frame(header: [String], body: [String]) -> [UInt8] {
        let rule = String(repeating: "-", count: columns)
        switch kind {
        case .receipt:
            var b = TicketLayout.initialise + CodePage858.select + TicketLayout.centre + TicketLayout.boldOn
            for h in header { b += CodePage858.encode(h.trimmingLeadingSpaces) + [0x0A] }
            b += TicketLayout.boldOff + TicketLayout.left
            b += CodePage858.encode(rule + "\n" + body.joined(separator: "\n") + "\n" + rule + "\n")
            return b + TicketLayout.feedAndCut
        case .text, .listing:
            return Array((header.joined(separator: "\n") + "\n" + rule + "\n" + body.joined(separator: "\n") + "\n" + rule + "\n\n").utf8)
        }
    }

    /// A listing: one line per call, a page header every `linesPerPage` lines, a total at the end.
    public func listing(_ calls: [TicketContent], company: String) -> [UInt8] {
        let widths = [6, 6, 10, 8, 9, 16, 5, 10]
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { k, cw in
                let v = String(TicketLayout.sanitise(cw.0).prefix(cw.1))
                return k >= 6 ? String(repeating: " ", count: cw.1 - v.count) + v : v.padding(toLength: cw.1, withPad: " ", startingAt: 0)
            }.joined(separator: " ")
        }
        let head = line([strings["ticket"], strings["station"], strings["date"], strings["time"], strings["duration"], strings["number"], strings["units"], strings["cost"]])
        var out = ""
        var page = 0
        var total = Money.zero
        var currency = "", decimals = 2
        for (k, c) in calls.enumerated() {
            if k % linesPerPage == 0 {
                page += 1
                out += (k == 0 ? "" : "\u{0C}") + TicketLayout.sanitise(company) + "  " + strings["listing"] + "  " + strings["page"] + " " + String(page) + "\n" + head + "\n"
                out += String(repeating: "-", count: head.count) + "\n"
            }
            let (d, t) = date(c.start)
            out += line([String(c.number), c.station ?? "", d, String(t.prefix(8)), TicketLayout.clock(c.durationSeconds), c.number_ ?? "", c.units.map(String.init) ?? "", money(c.cost, currency: c.currency, decimals: c.decimals)]) + "\n"
            total = total + (c.cost ?? .zero)
            currency = c.currency
            decimals = c.decimals
        }
        out += String(repeating: "-", count: head.count) + "\n"
        out += "\(calls.count) \(strings["calls"])   \(strings["cost"]): \(money(total, currency: currency, decimals: decimals))\n"
        return Array(out.utf8)
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}

import Foundation
