import SMDRCore
import SMDRRating
import SMDRStore

/// A record rated once, as it is stored: the rating itself (a ticket's money and units) and what
/// the store keeps of it (exact amounts in millionths, the rated JSON form). Nothing downstream
/// rates the record again.
public struct RatedCall: Sendable {
    public let rating: Rating
    /// The business code's entry, if the record names a known one.
    public let account: AccountBook.Account?
    public let stored: CallStore.StoredRating

    public init(_ r: CallRecord, rater: Rater, book: AccountBook?) {
        let rating = rater.rate(r)
        let account = book?.account(r.accountCode)
        self.rating = rating
        self.account = account
        var json: [UInt8] = []
        RatedRecordJSON.append(r, rating, account: account, accountUnknown: book != nil && r.accountCode != nil && account == nil, to: &json)
        let priced = rating.status != .unrated
        stored = CallStore.StoredRating(
            status: rating.status.rawValue, costMicros: priced ? rating.cost.micros : nil, vatMicros: priced ? rating.vat.micros : nil,
            costInclVATMicros: priced ? rating.costInclVAT.micros : nil, units: rating.units, destination: rating.destination, prefix: rating.prefix,
            band: rating.band, tariffVersion: rating.tariffVersion, currency: rating.currency, decimals: rating.decimals, client: account?.client,
            billable: account?.isBillable, json: String(decoding: json, as: UTF8.self))
    }
}
