import SMDRCore
import SMDRRating

/// An account's statement over a period: the balance at its start, every top-up, call and
/// adjustment with the running balance, the balance at its end and what reservations still hold.
/// Reservations and their releases are not lines: they move money within the account (available
/// ↔ held) and leave its balance unchanged.
public struct Statement: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public enum Kind: String, Sendable { case topup, call, adjustment }
        public var transaction: Int64
        public var at: ZonedTime
        public var kind: Kind
        /// Top-up or adjustment reference; nil for calls.
        public var reference: String?
        public var extension_: String?
        /// The number called (masked as the business code asks), for calls.
        public var number: String?
        public var durationSeconds: Int?
        /// The call's row in the store, for calls.
        public var callRow: Int64?
        /// Credit positive, debit negative.
        public var amount: Money
        /// The balance after this line.
        public var balance: Money

        public init(
            transaction: Int64, at: ZonedTime, kind: Kind, reference: String?, extension_: String?, number: String?, durationSeconds: Int?, callRow: Int64?,
            amount: Money, balance: Money
        ) {
            self.transaction = transaction
            self.at = at
            self.kind = kind
            self.reference = reference
            self.extension_ = extension_
            self.number = number
            self.durationSeconds = durationSeconds
            self.callRow = callRow
            self.amount = amount
            self.balance = balance
        }
    }

    public var account: String
    public var name: String?
    public var extensions: [String]
    public var currency: String
    public var decimals: Int
    public var from: ZonedTime
    public var to: ZonedTime
    public var opening: Money
    public var closing: Money
    /// Held by reservations at the end of the period (now, for a period ending in the future).
    public var held: Money
    public var lines: [Line]

    public init(
        account: String, name: String?, extensions: [String], currency: String, decimals: Int, from: ZonedTime, to: ZonedTime, opening: Money, closing: Money,
        held: Money, lines: [Line]
    ) {
        self.account = account
        self.name = name
        self.extensions = extensions
        self.currency = currency
        self.decimals = decimals
        self.from = from
        self.to = to
        self.opening = opening
        self.closing = closing
        self.held = held
        self.lines = lines
    }

    public var totalCredits: Money { lines.reduce(.zero) { $0 + ($1.amount > .zero ? $1.amount : .zero) } }
    public var totalDebits: Money { lines.reduce(.zero) { $0 + ($1.amount < .zero ? $1.amount : .zero) } }

    /// The JSON the API returns.
    public var json: String {
        var w = JSONWriter()
        w.open()
        w.key("account")
        w.string(account)
        w.key("name")
        w.string(name)
        w.key("currency")
        w.string(currency)
        w.key("from")
        w.time(from)
        w.key("to")
        w.time(to)
        w.key("opening")
        w.string(opening.string(places: decimals))
        w.key("closing")
        w.string(closing.string(places: decimals))
        w.key("held")
        w.string(held.string(places: decimals))
        w.key("lines")
        w.openArray()
        for l in lines {
            w.element()
            w.open()
            w.key("transaction")
            w.int64(l.transaction)
            w.key("at")
            w.time(l.at)
            w.key("kind")
            w.string(l.kind.rawValue)
            w.key("reference")
            w.string(l.reference)
            w.key("extension")
            w.string(l.extension_)
            w.key("number")
            w.string(l.number)
            w.key("duration_s")
            w.int(l.durationSeconds)
            w.key("call")
            w.int64(l.callRow)
            w.key("amount")
            w.string(l.amount.string(places: decimals))
            w.key("balance")
            w.string(l.balance.string(places: decimals))
            w.close()
        }
        w.closeArray()
        w.close()
        return w.text
    }
}
