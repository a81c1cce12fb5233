import SMDRCore

/// The JSON form of a rated call: the call-record fields, then `rating` (`rated`, `free`,
/// `unrated`), `cost`, `vat`, `cost_incl_vat` (decimal strings in the tariff's currency),
/// `units` (the units a ticket shows), `units_source`, `destination`, `prefix`, `band`,
/// `tariff_version`, `rating_currency`, `rating_reason`, and the business code's `client`,
/// `billable`, or `account_unknown` when the code is not in the book.
public enum RatedRecordJSON {
    public static func append(_ record: CallRecord, _ rating: Rating, account: AccountBook.Account?, accountUnknown: Bool, to out: inout [UInt8]) {
        var r = record
        r.units = rating.units ?? record.units
        r.addExtras(fields(rating, account: account, accountUnknown: accountUnknown, pbxUnits: record.units))
        RecordJSON.append(r, to: &out)
    }

    public static func fields(_ rating: Rating, account: AccountBook.Account?, accountUnknown: Bool, pbxUnits: Int?) -> [ExtraField] {
        var e: [ExtraField] = []
        func put(_ k: String, _ v: String?) { if let v { e.append(ExtraField(key: k, value: .string(v))) } }
        put("rating", rating.status.rawValue)
        if rating.status != .unrated {
            put("cost", rating.cost.string(places: rating.decimals))
            put("vat", rating.vat.string(places: rating.decimals))
            put("cost_incl_vat", rating.costInclVAT.string(places: rating.decimals))
            put("rating_currency", rating.currency)
        }
        put("units_source", rating.unitsSource)
        if let p = pbxUnits, rating.units != nil, rating.units != p { e.append(ExtraField(key: "pbx_units", value: .int(p))) }
        put("destination", rating.destination)
        put("prefix", rating.prefix)
        put("band", rating.band)
        put("tariff_version", rating.tariffVersion)
        put("rating_reason", rating.reason)
        if let account {
            put("client", account.client)
            e.append(ExtraField(key: "billable", value: .bool(account.isBillable)))
        } else if accountUnknown {
            e.append(ExtraField(key: "account_unknown", value: .bool(true)))
        }
        return e
    }
}
