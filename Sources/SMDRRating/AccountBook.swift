import Yams

/// Business codes ("codes affaires"): who a call is charged to.
///
/// YAML (`codes:` list) or CSV with a header `code,client,mask_digits,billable`:
/// ```yaml
/// codes:
///   - {code: "4711", client: "Dupont SA", mask_digits: 4, billable: true}
///   - {code: "0815", client: "Internal IT", billable: false}
/// ```
/// `mask_digits`: how many trailing digits of the dialled number a ticket hides for this client.
public struct AccountBook: Sendable {
    public struct Account: Sendable, Equatable, Decodable {
        public var code: String
        public var client: String
        public var mask_digits: Int?
        public var billable: Bool?

        public var maskDigits: Int { mask_digits ?? 0 }
        public var isBillable: Bool { billable ?? true }
    }

    public var accounts: [String: Account]

    public init(accounts: [Account]) {
        var a: [String: Account] = [:]
        for x in accounts { a[x.code] = x }
        self.accounts = a
    }

    public func account(_ code: String?) -> Account? { code.flatMap { accounts[$0] } }

    /// The last `digits` digits of a number replaced by `X`, as a business code's `mask_digits`
    /// asks (tickets, recalls and the API show the same masked number).
    public static func mask(_ number: String, digits: Int) -> String {
        guard digits > 0 else { return number }
        var chars = Array(number)
        var left = digits
        for k in stride(from: chars.count - 1, through: 0, by: -1) where left > 0 && chars[k].isNumber {
            chars[k] = "X"
            left -= 1
        }
        return String(chars)
    }

    public static func load(text: String, source: String) throws -> AccountBook {
        if source.hasSuffix(".csv") {
            var out: [Account] = []
            let lines = text.split(whereSeparator: \.isNewline)
            guard let header = lines.first?.split(separator: ",").map({ $0.trimmingCharacters(in: " ").lowercased() }),
                let cCode = header.firstIndex(of: "code"), let cClient = header.firstIndex(of: "client")
            else { throw RatingError("\(source):1: the header must name code and client") }
            let cMask = header.firstIndex(of: "mask_digits"), cBill = header.firstIndex(of: "billable")
            for (k, line) in lines.enumerated().dropFirst() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0.trimmingCharacters(in: " ")) }
                guard cCode < f.count, cClient < f.count, !f[cCode].isEmpty else { throw RatingError("\(source):\(k + 1): code and client are required") }
                let mask = cMask.flatMap { $0 < f.count ? Int(f[$0]) : nil }
                let bill = cBill.flatMap { $0 < f.count ? ["yes", "true", "1", "y"].contains(f[$0].lowercased()) : nil }
                out.append(Account(code: f[cCode], client: f[cClient], mask_digits: mask, billable: bill))
            }
            return AccountBook(accounts: out)
        }
        struct File: Decodable { var codes: [Account] }
        do {
            return AccountBook(accounts: try YAMLDecoder().decode(File.self, from: text).codes)
        } catch {
            throw RatingError("\(source): \(Tariff.describe(error))")
        }
    }
}
