import Foundation

/// Who may do what through the API. Tokens come from the config file, each with a role:
/// `read` (look), `operate` (recall requests, tickets), `admin` (webhook retries, everything).
/// Bound to loopback, reads are open and writes need a token; bound wider, everything does, and
/// the server refuses to start with no token configured.
public struct APIAccess: Sendable {
    public enum Role: Int, Sendable, Comparable, CaseIterable {
        case read = 1, operate = 2, admin = 3
        public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }
        public init?(name: String) {
            switch name {
            case "read": self = .read
            case "operate": self = .operate
            case "admin": self = .admin
            default: return nil
            }
        }
        public var name: String { ["", "read", "operate", "admin"][rawValue] }
    }

    public var tokens: [String: Role]
    /// True when the server listens on loopback only.
    public var loopbackOnly: Bool

    public init(tokens: [String: Role], host: String) {
        self.tokens = tokens
        loopbackOnly = APIAccess.isLoopback(host)
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        /// No valid token (401).
        case unauthenticated
        /// A valid token whose role is too low (403).
        case forbidden
    }

    /// Whether a request with this `Authorization` header may do what needs `role`.
    public func decide(authorization: String?, need role: Role) -> Decision {
        let given = authorization.flatMap { h -> String? in
            let parts = h.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        guard let given else {
            return role == .read && loopbackOnly ? .allowed : .unauthenticated
        }
        // Compare every token in constant time per token: no early exit on the first byte.
        var found: Role?
        for (token, r) in tokens where APIAccess.equal(token, given) { found = r }
        guard let found else { return .unauthenticated }
        return found >= role ? .allowed : .forbidden
    }

    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for k in 0..<min(x.count, y.count) { diff |= x[k] ^ y[k] }
        return diff == 0
    }
}
