import SMDRCore
import SMDRRating

/// An account as the API and the `balance` command show it.
public struct AccountState: Sendable, Equatable {
    public enum State: String, Sendable {
        case ok
        /// Below its low-balance threshold.
        case low
        /// A sub-account with nothing left: its extensions are refused.
        case inArrears = "in_arrears"
        /// The main account below its minimum: the whole number is refused.
        case suspended
    }

    public var account: PrepaidPlan.Account
    /// Available + held.
    public var balance: Money
    /// What authorisations can still spend (before the account's minimum).
    public var available: Money
    /// Held by reservations of calls in progress.
    public var held: Money
    public var state: State
    public var currency: String
    public var decimals: Int

    public init(account: PrepaidPlan.Account, balance: Money, available: Money, held: Money, state: State, currency: String, decimals: Int) {
        self.account = account
        self.balance = balance
        self.available = available
        self.held = held
        self.state = state
        self.currency = currency
        self.decimals = decimals
    }

    public var json: String {
        var w = JSONWriter()
        w.open()
        w.key("id")
        w.string(account.id)
        w.key("name")
        w.string(account.name)
        w.key("extensions")
        w.openArray()
        for e in account.extensions {
            w.element()
            w.string(e)
        }
        w.closeArray()
        w.key("currency")
        w.string(currency)
        w.key("balance")
        w.string(balance.string(places: decimals))
        w.key("available")
        w.string(available.string(places: decimals))
        w.key("held")
        w.string(held.string(places: decimals))
        w.key("minimum")
        w.string(account.minimum.string(places: decimals))
        w.key("low_balance")
        w.string(account.lowBalance?.string(places: decimals))
        w.key("state")
        w.string(state.rawValue)
        w.close()
        return w.text
    }
}

/// A top-up's outcome: new, or the one its reference already made (idempotent).
public struct TopupResult: Sendable, Equatable {
    public var transaction: Int64
    public var created: Bool
    public var account: AccountState
    public init(transaction: Int64, created: Bool, account: AccountState) {
        self.transaction = transaction
        self.created = created
        self.account = account
    }
}

public struct PrepaidError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable { case notFound, conflict, invalid }
    public let kind: Kind
    public let description: String
    public init(_ kind: Kind, _ d: String) {
        self.kind = kind
        description = d
    }
}

/// What the API asks of the prepaid side (implemented by the runtime's desk).
public protocol PrepaidOperations: Sendable {
    func authorize(_ request: AuthorizationRequest) throws -> AuthorizationDecision
    /// Releases a held authorisation (the call did not happen); false when none was held.
    func release(authorization: Int64) throws -> Bool
    func accounts() throws -> [AccountState]
    /// An account by id or by one of its extensions.
    func account(_ idOrExtension: String) throws -> AccountState?
    func topup(_ idOrExtension: String, amount: Money, reference: String, memo: String?, adjustment: Bool) throws -> TopupResult
    func statement(_ idOrExtension: String, fromUTC: Int64, toUTC: Int64) throws -> Statement
}
