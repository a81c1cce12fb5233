/// A carrier's price list: one row per destination prefix.
///
/// CSV with a header row naming the columns (any order; unknown columns are ignored):
/// `prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge`
/// and optionally `band` (rows for several time bands in one file) and `pulse_s` (metering pulse
/// period, for sites that count units per destination). Decimals with a dot. Prefixes are
/// international (E.164 without `+`: `33`, `336`, `44`).
public struct RateDeck: Sendable {
    public struct Entry: Sendable, Equatable {
        public var prefix: String
        public var destination: String
        public var connectFee: Money
        public var ratePerMinute: Money
        public var firstIncrement: Int
        public var increment: Int
        public var minimumCharge: Money
        public var band: String?
        public var pulseSeconds: Int?

        public init(
            prefix: String, destination: String, connectFee: Money, ratePerMinute: Money, firstIncrement: Int, increment: Int, minimumCharge: Money,
            band: String? = nil, pulseSeconds: Int? = nil
        ) {
            self.prefix = prefix
            self.destination = destination
            self.connectFee = connectFee
            self.ratePerMinute = ratePerMinute
            self.firstIncrement = firstIncrement
            self.increment = increment
            self.minimumCharge = minimumCharge
            self.band = band
            self.pulseSeconds = pulseSeconds
        }
    }

    public let name: String
    public private(set) var entries: [Entry] = []
    /// Digit trie over the prefixes: node k's children are `children[k*10 + digit]` (0 = none).
    private var children: [Int32] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    private var entryAt: [Int32] = [-1]

    public init(name: String, entries: [Entry]) {
        self.name = name
        for e in entries { insert(e) }
    }

    private mutating func insert(_ e: Entry) {
        var node = 0
        for b in e.prefix.utf8 {
            let d = Int(b) - 48
            let slot = node * 10 + d
            if children[slot] == 0 {
                children[slot] = Int32(entryAt.count)
                entryAt.append(-1)
                children.append(contentsOf: repeatElement(0, count: 10))
            }
            node = Int(children[slot])
        }
        if entryAt[node] >= 0 {
            entries[Int(entryAt[node])] = e  // a later row for the same prefix wins
        } else {
            entryAt[node] = Int32(entries.count)
            entries.append(e)
        }
    }

    /// The entry of the longest prefix of `number` (international digits).
    public func match(_ number: some Collection<UInt8>) -> Entry? {
        var node = 0
        var best: Int32 = entryAt[0]
        for b in number {
            let d = Int(b) &- 48
            guard d >= 0 && d <= 9 else { break }
            let next = children[node * 10 + d]
            if next == 0 { break }
            node = Int(next)
            if entryAt[node] >= 0 { best = entryAt[node] }
        }
        return best >= 0 ? entries[Int(best)] : nil
    }

    public func match(_ number: String) -> Entry? { match(number.utf8) }

    /// Reads a deck; errors name the file, line and column.
    public static func load(csv text: String, name: String, band: String? = nil) throws -> RateDeck {
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let header = lines.first else { throw RatingError("\(name): empty rate deck") }
        let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: " ").lowercased() }
        func col(_ n: String) -> Int? { columns.firstIndex(of: n) }
        guard let cPrefix = col("prefix"), let cRate = col("rate_per_minute") else {
            throw RatingError("\(name):1: the header must name at least prefix and rate_per_minute (found \(columns.joined(separator: ",")))")
        }
        let cDest = col("destination"), cConnect = col("connect_fee"), cFirst = col("first_increment_s"), cInc = col("increment_s")
        let cMin = col("minimum_charge"), cBand = col("band"), cPulse = col("pulse_s")
        var entries: [Entry] = []
        entries.reserveCapacity(lines.count)
        for (k, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            func v(_ c: Int?) -> Substring? { c.flatMap { $0 < f.count ? f[$0].trimmingCharacters(in: " ") : nil } }
            func money(_ c: Int?, _ what: String, default d: Money = .zero) throws -> Money {
                guard let s = v(c), !s.isEmpty else { return d }
                guard let m = Money(s) else { throw RatingError("\(name):\(k + 1): \(what) '\(s)' is not \(Money.inputRule)") }
                return m
            }
            func seconds(_ c: Int?, _ what: String, default d: Int) throws -> Int {
                guard let s = v(c), !s.isEmpty else { return d }
                guard let n = Int(s), n >= 0 else { throw RatingError("\(name):\(k + 1): \(what) '\(s)' is not a whole number of seconds") }
                return n
            }
            guard let prefix = v(cPrefix), !prefix.isEmpty, prefix.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw RatingError("\(name):\(k + 1): prefix '\(v(cPrefix) ?? "")' must be digits (international form, no +)")
            }
            let rowBand = v(cBand).map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            if let band, let rowBand, rowBand != band { continue }
            let first = try seconds(cFirst, "first_increment_s", default: 60)
            let inc = try seconds(cInc, "increment_s", default: first)
            entries.append(
                Entry(
                    prefix: String(prefix), destination: v(cDest).map(String.init) ?? "", connectFee: try money(cConnect, "connect_fee"),
                    ratePerMinute: try money(cRate, "rate_per_minute"), firstIncrement: first, increment: max(1, inc),
                    minimumCharge: try money(cMin, "minimum_charge"), band: rowBand,
                    pulseSeconds: try v(cPulse).flatMap { $0.isEmpty ? nil : $0 }.map { _ in try seconds(cPulse, "pulse_s", default: 0) }))
        }
        return RateDeck(name: name, entries: entries)
    }
}

public struct RatingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
