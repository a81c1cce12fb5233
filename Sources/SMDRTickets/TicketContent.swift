import SMDRCore
import SMDRRating

/// What a taxation ticket says about one call, already decided (masking, who is charged, money
/// formatted by the layout). Built from a stored call and its rating.
public struct TicketContent: Sendable, Equatable {
    public var company: String
    /// Gap-free ticket number.
    public var number: Int
    /// A reprint.
    public var copy: Bool
    public var station: String?
    public var userName: String?
    /// The receptionist or station that set the call up and transferred it.
    public var transferredBy: String?
    public var start: ZonedTime?
    public var durationSeconds: Int?
    public var direction: Direction?
    /// The dialled number, masked as the business code asks.
    public var number_: String?
    public var units: Int?
    public var cost: Money?
    public var vat: Money?
    public var total: Money?
    public var currency: String
    public var decimals: Int
    public var accountCode: String?
    public var client: String?

    public init(
        company: String, number: Int, copy: Bool = false, station: String? = nil, userName: String? = nil, transferredBy: String? = nil,
        start: ZonedTime? = nil, durationSeconds: Int? = nil, direction: Direction? = nil, dialled: String? = nil, units: Int? = nil,
        cost: Money? = nil, vat: Money? = nil, total: Money? = nil, currency: String = "EUR", decimals: Int = 2, accountCode: String? = nil,
        client: String? = nil
    ) {
        self.company = company
        self.number = number
        self.copy = copy
        self.station = station
        self.userName = userName
        self.transferredBy = transferredBy
        self.start = start
        self.durationSeconds = durationSeconds
        self.direction = direction
        self.number_ = dialled
        self.units = units
        self.cost = cost
        self.vat = vat
        self.total = total
        self.currency = currency
        self.decimals = decimals
        self.accountCode = accountCode
        self.client = client
    }

    /// A ticket for a call: the number masked by `maskDigits` trailing digits (the business code's
    /// setting), the rating's money and units, the transfer's initiator when the PBX named one.
    public init(call r: CallRecord, rating: Rating?, account: AccountBook.Account?, company: String, number: Int, copy: Bool = false) {
        self.init(company: company, number: number, copy: copy, currency: rating?.currency ?? r.currency ?? "", decimals: rating?.decimals ?? 2)
        station = r.extension_
        userName = r.extensionName
        if case .string(let t)? = r.extra("transferred_by") ?? r.extra("initial_user") { transferredBy = t }
        start = r.start
        durationSeconds = r.durationSeconds
        direction = r.direction
        let shown = r.number ?? r.dialed
        number_ = shown.map { TicketContent.mask($0, digits: account?.maskDigits ?? 0) }
        units = rating?.units ?? r.units
        if let rating, rating.status != .unrated {
            cost = rating.cost
            vat = rating.vat
            total = rating.costInclVAT
        }
        accountCode = r.accountCode
        client = account?.client
    }

    /// The last `digits` digits replaced by `X` (one rule for tickets, recalls and the API).
    public static func mask(_ number: String, digits: Int) -> String { AccountBook.mask(number, digits: digits) }
}
