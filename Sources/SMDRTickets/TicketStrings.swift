/// The words on a ticket, per language. French and English are built in; any other language is a
/// strings file (`key = text` lines) loaded with ``TicketStrings/parse(_:)``.
public struct TicketStrings: Sendable, Equatable {
    public var values: [String: String]
    /// Decimal separator and where the currency goes (`0,16 €` or `€0.16`).
    public var decimalComma: Bool
    public var currencyFirst: Bool

    public subscript(key: String) -> String { values[key] ?? key }

    public static let keys = [
        "title", "copy", "ticket", "station", "user", "transferred_by", "date", "time", "duration", "number", "units", "cost", "vat", "total",
        "account", "client", "incoming", "outgoing", "internal", "listing", "page", "calls",
        "statement", "prepaid_account", "name", "extensions", "from", "to", "opening", "closing", "credits", "debits", "held", "topup", "adjustment",
    ]

    public static let french = TicketStrings(
        values: [
            "title": "TICKET DE TAXATION", "copy": "DUPLICATA", "ticket": "Ticket n°", "station": "Poste", "user": "Usager",
            "transferred_by": "Transféré par", "date": "Date", "time": "Heure", "duration": "Durée", "number": "Numéro", "units": "Taxes",
            "cost": "Coût HT", "vat": "TVA", "total": "Total TTC", "account": "Code affaire", "client": "Client", "incoming": "Entrant",
            "outgoing": "Sortant", "internal": "Interne", "listing": "RELEVÉ DE TAXATION", "page": "Page", "calls": "appels",
            "statement": "RELEVÉ DE COMPTE PRÉPAYÉ", "prepaid_account": "Compte", "name": "Nom", "extensions": "Postes", "from": "Du", "to": "Au",
            "opening": "Solde initial", "closing": "Solde final", "credits": "Crédits", "debits": "Débits", "held": "Réservé (appels en cours)",
            "topup": "Recharge", "adjustment": "Régularisation",
        ], decimalComma: true, currencyFirst: false)

    public static let english = TicketStrings(
        values: [
            "title": "CALL CHARGE TICKET", "copy": "COPY", "ticket": "Ticket no.", "station": "Station", "user": "User",
            "transferred_by": "Transferred by", "date": "Date", "time": "Time", "duration": "Duration", "number": "Number", "units": "Units",
            "cost": "Cost excl. VAT", "vat": "VAT", "total": "Total incl. VAT", "account": "Business code", "client": "Client",
            "incoming": "Incoming", "outgoing": "Outgoing", "internal": "Internal", "listing": "CALL CHARGE LISTING", "page": "Page", "calls": "calls",
            "statement": "PREPAID ACCOUNT STATEMENT", "prepaid_account": "Account", "name": "Name", "extensions": "Extensions", "from": "From", "to": "To",
            "opening": "Opening balance", "closing": "Closing balance", "credits": "Credits", "debits": "Debits", "held": "Held (calls in progress)",
            "topup": "Top-up", "adjustment": "Adjustment",
        ], decimalComma: false, currencyFirst: true)

    public static func builtIn(_ language: String) -> TicketStrings? {
        switch language.lowercased() {
        case "fr", "fr_fr", "french": .french
        case "en", "en_gb", "en_us", "english": .english
        default: nil
        }
    }

    /// A strings file: `key = text` lines, `#` comments; `decimal_comma = yes`, `currency_first = no`.
    public static func parse(_ text: String) -> TicketStrings {
        var v = english.values
        var comma = false, first = true
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let k = line[..<eq].trimmingCharacters(in: " "), t = line[line.index(after: eq)...].trimmingCharacters(in: " ")
            switch k {
            case "decimal_comma": comma = ["yes", "true", "1"].contains(t.lowercased())
            case "currency_first": first = ["yes", "true", "1"].contains(t.lowercased())
            default: v[String(k)] = String(t)
            }
        }
        return TicketStrings(values: v, decimalComma: comma, currencyFirst: first)
    }
}

import SMDRCore
