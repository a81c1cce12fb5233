import SMDRCalls
import SMDRCore
import SMDRRating
import SMDRRuntime
import SMDRStore
import SMDRTickets

extension TicketContent {
    /// A ticket for a stored leg: its amounts as rating stored them (millionths, the tariff's
    /// currency and decimals), never rated again nor read back from JSON. A reprint, a ticket on
    /// recall and the `ticket` command all print through here.
    init(call r: CallRecord, charge: LegCharge?, account: AccountBook.Account?, company: String, number: Int, copy: Bool) {
        self.init(call: r, rating: nil, account: account, company: company, number: number, copy: copy)
        guard let charge else { return }
        if account == nil, charge.maskDigits > 0 { number_ = (r.number ?? r.dialed).map { TicketContent.mask($0, digits: charge.maskDigits) } }
        currency = charge.currency ?? currency
        decimals = charge.decimals
        units = charge.units ?? units
        cost = charge.costMicros.map(Money.init(micros:))
        vat = charge.vatMicros.map(Money.init(micros:))
        total = charge.totalMicros.map(Money.init(micros:))
        client = charge.client ?? client
    }

    /// The ticket of a stored call (`ticket`, `POST /calls/:id/ticket`).
    init(stored: CallStore.RatedRow, book: AccountBook?, company: String, number: Int, copy: Bool) {
        let account = book?.account(stored.record.accountCode)
        let charge = LiveSettings.charge(stored.rating, maskDigits: account?.maskDigits ?? 0)
        self.init(call: stored.record, charge: charge, account: account, company: company, number: number, copy: copy)
    }
}
