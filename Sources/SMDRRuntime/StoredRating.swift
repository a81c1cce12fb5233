import SMDRCore
import SMDRRating
import SMDRStore

/// Turns a rating into what the store keeps, with the call's rated JSON form.
public func storedRating(_ r: CallRecord, rater: Rater, book: AccountBook?) -> CallStore.StoredRating {
    let rating = rater.rate(r)
    let account = book?.account(r.accountCode)
    var json: [UInt8] = []
    RatedRecordJSON.append(r, rating, account: account, accountUnknown: book != nil && r.accountCode != nil && account == nil, to: &json)
    let priced = rating.status != .unrated
    return CallStore.StoredRating(
        status: rating.status.rawValue, costMicros: priced ? rating.cost.micros : nil, vatMicros: priced ? rating.vat.micros : nil,
        costInclVATMicros: priced ? rating.costInclVAT.micros : nil, units: rating.units, destination: rating.destination, prefix: rating.prefix,
        band: rating.band, tariffVersion: rating.tariffVersion, currency: rating.currency, decimals: rating.decimals, client: account?.client,
        billable: account?.isBillable, json: String(decoding: json, as: UTF8.self))
}
