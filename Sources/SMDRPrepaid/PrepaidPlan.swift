import SMDRRating

/// Who pays for what on a prepaid number: the main account (the company's shared number, which
/// must stay above its minimum or the whole number is suspended) and one sub-account per branch,
/// each covering one extension or a group of them, topped up separately.
///
/// ```yaml
/// prepaid:
///   main: {name: "Numéro 400", minimum: "50.00", low_balance: "100.00"}
///   accounts:
///     - {id: paris, name: "Agence Paris", extensions: ["201", "202"], low_balance: "5.00"}
///     - {id: lyon, name: "Agence Lyon", extensions: ["301"], language: fr}
///   language: fr              # messages played on refusal: fr, en, zh (per account too)
///   messages:                 # override any shipped message
///     en: {extension_in_arrears: "Your extension is in arrears, please recharge."}
///   barred: ["3389", "881"]   # international prefixes never authorised
///   max_call: 14400           # seconds: the longest call an authorisation allows
///   hold_extra: 600           # seconds a reservation outlives its call's longest end
///   charge: incl_vat          # or excl_vat: what a call debits
///   incoming:                 # price of answered incoming calls (a 400 number's callee pays)
///     {rate_per_minute: "0.05", first_increment_s: 60, increment_s: 60}
/// ```
public struct PrepaidPlan: Sendable {
    public struct Account: Sendable, Equatable {
        public var id: String
        public var name: String?
        public var extensions: [String]
        /// The balance an account must keep (the main account's minimum; 0 for sub-accounts).
        public var minimum: Money
        /// Below this the account raises a low-balance alert.
        public var lowBalance: Money?
        public var language: String?

        public init(id: String, name: String? = nil, extensions: [String] = [], minimum: Money = .zero, lowBalance: Money? = nil, language: String? = nil) {
            self.id = id
            self.name = name
            self.extensions = extensions
            self.minimum = minimum
            self.lowBalance = lowBalance
            self.language = language
        }
    }

    public static let mainID = "main"

    public var main: Account
    public var accounts: [Account]
    public var language: String
    public var messages: PrepaidMessages
    /// International prefixes that are never authorised.
    public var barred: [String]
    public var maxCallSeconds: Int
    public var holdExtraSeconds: Int
    /// Debit the cost including VAT (default) or excluding it.
    public var chargeVAT: Bool
    /// The price of answered incoming calls (nil: incoming calls are not charged).
    public var incoming: RateDeck.Entry?
    public var warnBefore: Int = 20
    /// Extension → account id.
    public let accountOfExtension: [String: String]

    public init(
        main: Account = Account(id: PrepaidPlan.mainID), accounts: [Account] = [], language: String = "fr", messages: PrepaidMessages = .shipped,
        barred: [String] = [], maxCallSeconds: Int = 14_400, holdExtraSeconds: Int = 600, chargeVAT: Bool = true, incoming: RateDeck.Entry? = nil
    ) {
        var m = main
        m.id = PrepaidPlan.mainID
        self.main = m
        self.accounts = accounts
        self.language = language
        self.messages = messages
        self.barred = barred
        self.maxCallSeconds = maxCallSeconds
        self.holdExtraSeconds = holdExtraSeconds
        self.chargeVAT = chargeVAT
        self.incoming = incoming
        var map: [String: String] = [:]
        for a in accounts { for e in a.extensions { map[e] = a.id } }
        accountOfExtension = map
    }

    /// Every account, the main one first.
    public var allAccounts: [Account] { [main] + accounts }

    public func account(id: String) -> Account? { allAccounts.first { $0.id == id } }

    /// An account by id, or the account an extension belongs to (`balance 201` and `balance paris` alike).
    public func resolve(_ idOrExtension: String) -> Account? {
        account(id: idOrExtension) ?? accountOfExtension[idOrExtension].flatMap { account(id: $0) }
    }

    /// Whether an international number falls under a barred prefix.
    public func isBarred(_ e164: String) -> Bool { barred.contains { e164.hasPrefix($0) } }

    // MARK: Loading

    /// The `prepaid:` section of the agent's configuration.
    public struct File: Decodable, Sendable {
        public struct AccountFile: Decodable, Sendable {
            var id: String?
            var name: String?
            var extensions: [String]?
            var minimum: String?
            var low_balance: String?
            var language: String?
        }
        public struct IncomingFile: Decodable, Sendable {
            var rate_per_minute: String
            var connect_fee: String?
            var first_increment_s: Int?
            var increment_s: Int?
            var minimum_charge: String?
        }
        var main: AccountFile?
        var accounts: [AccountFile]?
        var language: String?
        var messages: [String: [String: String]]?
        var barred: [String]?
        var max_call: Int?
        var hold_extra: Int?
        var charge: String?
        var incoming: IncomingFile?
    }

    /// Checks and converts the section; errors name the key.
    public static func make(_ f: File) throws -> PrepaidPlan {
        func money(_ s: String?, _ key: String) throws -> Money? {
            guard let s else { return nil }
            guard let m = Money(s) else { throw RatingError("key 'prepaid.\(key)': '\(s)' is not \(Money.inputRule)") }
            return m
        }
        func account(_ a: File.AccountFile, _ key: String, id: String?) throws -> Account {
            guard let id = id ?? a.id, !id.isEmpty else { throw RatingError("key 'prepaid.\(key).id': every account needs an id") }
            return Account(
                id: id, name: a.name, extensions: a.extensions ?? [], minimum: try money(a.minimum, "\(key).minimum") ?? .zero,
                lowBalance: try money(a.low_balance, "\(key).low_balance"), language: a.language)
        }
        let main = try account(f.main ?? File.AccountFile(), "main", id: mainID)
        var accounts: [Account] = []
        var seen: [String: String] = [:]
        for (k, a) in (f.accounts ?? []).enumerated() {
            let acc = try account(a, "accounts[\(k)]", id: nil)
            guard acc.id != mainID, !accounts.contains(where: { $0.id == acc.id }), !acc.id.contains(":") else {
                throw RatingError("key 'prepaid.accounts[\(k)].id': '\(acc.id)' is taken (main, or another account) or has a ':'")
            }
            for e in acc.extensions {
                if let other = seen[e] { throw RatingError("key 'prepaid.accounts[\(k)].extensions': \(e) is already in account \(other)") }
                seen[e] = acc.id
            }
            accounts.append(acc)
        }
        var messages = PrepaidMessages.shipped
        for (language, table) in f.messages ?? [:] {
            for (key, text) in table {
                guard let reason = RefusalReason(rawValue: key) else {
                    throw RatingError("key 'prepaid.messages.\(language).\(key)': one of \(RefusalReason.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                messages.set(reason, language: language, text)
            }
        }
        let language = f.language ?? "fr"
        for a in [main] + accounts {
            let l = a.language ?? language
            guard messages.has(l) else { throw RatingError("key 'prepaid.language': no messages for '\(l)' (shipped: fr, en, zh; add them under prepaid.messages)") }
        }
        guard ["incl_vat", "excl_vat"].contains(f.charge ?? "incl_vat") else { throw RatingError("key 'prepaid.charge': incl_vat or excl_vat") }
        for p in f.barred ?? [] where p.isEmpty || !p.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw RatingError("key 'prepaid.barred': '\(p)' is not an international prefix (digits, no +)")
        }
        var incoming: RateDeck.Entry?
        if let i = f.incoming {
            guard let rate = Money(i.rate_per_minute) else { throw RatingError("key 'prepaid.incoming.rate_per_minute': \(Money.inputRule)") }
            let first = i.first_increment_s ?? 60
            incoming = RateDeck.Entry(
                prefix: "", destination: "incoming", connectFee: try money(i.connect_fee, "incoming.connect_fee") ?? .zero, ratePerMinute: rate,
                firstIncrement: first, increment: max(1, i.increment_s ?? first), minimumCharge: try money(i.minimum_charge, "incoming.minimum_charge") ?? .zero)
        }
        let maxCall = f.max_call ?? 14_400
        guard maxCall > 0 else { throw RatingError("key 'prepaid.max_call': a number of seconds above 0") }
        return PrepaidPlan(
            main: main, accounts: accounts, language: language, messages: messages, barred: f.barred ?? [], maxCallSeconds: maxCall,
            holdExtraSeconds: max(0, f.hold_extra ?? 600), chargeVAT: (f.charge ?? "incl_vat") == "incl_vat", incoming: incoming)
    }
}
