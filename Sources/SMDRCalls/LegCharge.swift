import SMDRRating

/// What a leg cost, as rating stored it: exact amounts in millionths, shown with the tariff's
/// decimals. Nil fields are facts the rating did not give (an unrated call), never zeros.
public struct LegCharge: Sendable, Equatable {
    public var costMicros: Int64?
    public var vatMicros: Int64?
    public var totalMicros: Int64?
    public var units: Int?
    public var currency: String?
    public var decimals: Int
    public var client: String?
    /// Trailing digits of the external number hidden, from the business code's setting.
    public var maskDigits: Int

    public init(
        costMicros: Int64? = nil, vatMicros: Int64? = nil, totalMicros: Int64? = nil, units: Int? = nil, currency: String? = nil, decimals: Int = 2,
        client: String? = nil, maskDigits: Int = 0
    ) {
        self.costMicros = costMicros
        self.vatMicros = vatMicros
        self.totalMicros = totalMicros
        self.units = units
        self.currency = currency
        self.decimals = decimals
        self.client = client
        self.maskDigits = maskDigits
    }

    /// A decimal string with the tariff's decimals (amounts are already rounded to them).
    public func text(_ micros: Int64?) -> String? { micros.map { Money(micros: $0).string(places: decimals) } }
}
