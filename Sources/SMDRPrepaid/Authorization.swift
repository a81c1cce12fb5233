import SMDRCore
import SMDRRating

/// What the PBX or IVR asks before connecting a call: may this extension call this number, and
/// for how long?
public struct AuthorizationRequest: Sendable, Equatable {
    /// The extension the call is for; nil or empty: the caller chose none (main account).
    public var extension_: String?
    public var number: String
    public var trunk: String?
    /// `outgoing` (default) prices from the tariff; `incoming` from the plan's incoming rate.
    public var incoming: Bool
    /// The language of the refusal message (default: the account's, then the plan's).
    public var language: String?

    public init(extension_: String?, number: String, trunk: String? = nil, incoming: Bool = false, language: String? = nil) {
        self.extension_ = extension_
        self.number = number
        self.trunk = trunk
        self.incoming = incoming
        self.language = language
    }
}

/// The answer: allowed for at most `maxDurationSeconds` with a warning `warnBefore` seconds
/// before the end, or refused with a reason and the message to play.
public struct AuthorizationDecision: Sendable, Equatable {
    public var allowed: Bool
    /// The reservation holding the call's maximum cost (nil when refused or free).
    public var reservation: Int64?
    public var account: String?
    public var extension_: String?
    /// Nil when refused, or when nothing limits the call (a free number on an unlimited station).
    public var maxDurationSeconds: Int?
    public var warnBefore: Int
    public var reason: RefusalReason?
    public var message: String?
    public var language: String
    public var destination: String?
    public var e164: String?
    /// The rate applied, for the IVR to announce.
    public var rate: RateDeck.Entry?
    public var band: String?
    /// The cost held by the reservation and what stays available after it.
    public var reserved: Money
    public var available: Money?
    public var currency: String
    public var decimals: Int
    /// When the reservation is released if no call record consumed it (epoch seconds).
    public var expiresAt: Int64?

    public init(allowed: Bool, language: String, currency: String, decimals: Int, warnBefore: Int = 20) {
        self.allowed = allowed
        self.language = language
        self.currency = currency
        self.decimals = decimals
        self.warnBefore = warnBefore
        reserved = .zero
    }

    /// The JSON the API returns (amounts as decimal strings).
    public var json: String {
        var w = JSONWriter()
        w.open()
        w.key("allowed")
        w.bool(allowed)
        w.key("authorization")
        w.int64(reservation)
        w.key("account")
        w.string(account)
        w.key("extension")
        w.string(extension_)
        w.key("max_duration_s")
        w.int(maxDurationSeconds)
        w.key("warn_before_s")
        w.int(warnBefore)
        w.key("reason")
        w.string(reason?.rawValue)
        w.key("message")
        w.string(message)
        w.key("language")
        w.string(language)
        w.key("destination")
        w.string(destination)
        w.key("e164")
        w.string(e164)
        w.key("rate")
        if let rate {
            w.open()
            w.key("prefix")
            w.string(rate.prefix)
            w.key("band")
            w.string(band)
            w.key("connect_fee")
            w.string(rate.connectFee.string(minPlaces: decimals))
            w.key("rate_per_minute")
            w.string(rate.ratePerMinute.string(minPlaces: decimals))
            w.key("first_increment_s")
            w.int(rate.firstIncrement)
            w.key("increment_s")
            w.int(rate.increment)
            w.key("minimum_charge")
            w.string(rate.minimumCharge.string(minPlaces: decimals))
            w.close()
        } else {
            w.null()
        }
        w.key("reserved")
        w.string(reserved.string(places: decimals))
        w.key("available")
        w.string(available?.string(places: decimals))
        w.key("currency")
        w.string(currency)
        w.key("expires_at")
        w.int64(expiresAt)
        w.close()
        return w.text
    }
}
