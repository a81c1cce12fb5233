/// An exact amount in millionths of the currency unit (6 decimal places): enough for any rate a
/// carrier prints, with no binary floating point anywhere. Amounts are read from and written to
/// decimal strings.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let scale: Int64 = 1_000_000
    public static let places = 6

    public var micros: Int64

    public init(micros: Int64) { self.micros = micros }

    public static let zero = Money(micros: 0)

    /// The largest amount any input may carry, either sign: a tariff's rate, fee or unit price, a
    /// top-up, a limit or minimum in the config, an amount on the command line. One billion
    /// currency units: far beyond any call, and small enough that every sum and product the agent
    /// makes of bounded amounts stays inside 64 bits (rating works in 128).
    public static let maximum = Money(micros: 1_000_000_000 * scale)

    /// What an amount must look like, for error messages.
    public static let inputRule = "a decimal amount with a dot, at most 6 decimals, at most 1000000000 (such as 20.00)"

    /// Reads `12`, `0.0123`, `-1.5`; `nil` for anything else, more than 6 decimals, or beyond
    /// ``maximum``.
    public init?(_ text: some StringProtocol) {
        var s = Substring(text)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        var negative = false
        if s.first == "-" {
            negative = true
            s = s.dropFirst()
        } else if s.first == "+" {
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !s.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty))
        else { return nil }
        let frac = parts.count == 2 ? parts[1] : ""
        guard frac.count <= Money.places, parts[0].count <= 12 else { return nil }
        let whole = Int64(parts[0].isEmpty ? "0" : parts[0])!
        let fracValue = Int64(frac.isEmpty ? "0" : String(frac))! * pow10(Money.places - frac.count)
        let magnitude = whole * Money.scale + fracValue
        guard magnitude <= Money.maximum.micros else { return nil }
        micros = magnitude * (negative ? -1 : 1)
    }

    /// The decimal string with exactly `places` decimals (the value must already be rounded to them).
    public func string(places: Int) -> String {
        let negative = micros < 0
        let m = abs(micros)
        let whole = m / Money.scale
        var frac = String(m % Money.scale)
        frac = String(repeating: "0", count: Money.places - frac.count) + frac
        let shown = places <= 0 ? "" : "." + frac.prefix(places)
        return (negative ? "-" : "") + String(whole) + shown
    }

    public var description: String { string(places: Money.places) }

    /// Whether the amount has no more than `places` decimals (a top-up in whole cents).
    public func fits(places: Int) -> Bool { micros % pow10(Money.places - places) == 0 }

    /// At least `minPlaces` decimals, more only where the value has them (`0.12`, `0.0123`): for
    /// rates, which may carry more decimals than the currency.
    public func string(minPlaces: Int) -> String {
        var s = string(places: Money.places)
        let dot = s.firstIndex(of: ".")!
        while s.last == "0", s.distance(from: dot, to: s.endIndex) - 1 > minPlaces { s.removeLast() }
        if s.last == "." { s.removeLast() }
        return s
    }

    public static func + (a: Money, b: Money) -> Money { Money(micros: a.micros + b.micros) }
    public static func - (a: Money, b: Money) -> Money { Money(micros: a.micros - b.micros) }
    public static func * (a: Money, n: Int64) -> Money { Money(micros: a.micros * n) }
    public static func < (a: Money, b: Money) -> Bool { a.micros < b.micros }
}

@inline(__always) func pow10(_ n: Int) -> Int64 {
    var v: Int64 = 1
    for _ in 0..<max(0, n) { v *= 10 }
    return v
}

/// How a call's cost is rounded to the currency's places. Once per call, on the exact total.
public enum Rounding: String, Sendable, Codable {
    /// 0.005 → 0.01 (the default).
    case halfUp = "half-up"
    /// 0.005 → 0.00, 0.015 → 0.02 (banker's).
    case halfEven = "half-even"
    /// Any fraction of a cent → the next cent.
    case up
    /// Fractions dropped.
    case down
}

/// An exact fraction of micro-units: `numerator / denominator` millionths. Costs are summed as
/// fractions and rounded once, so 7 s at 0.10 per minute is 0.011666… before rounding, never a float.
/// In 128 bits: a bounded rate (``Money/maximum``) times any duration or unit count a PBX can
/// print cannot overflow; the result is checked against the maximum before it becomes `Money`.
public struct Exact: Sendable, Equatable {
    public var numerator: Int128
    public var denominator: Int128

    public init(_ numerator: Int128, over denominator: Int128 = 1) {
        self.numerator = numerator
        self.denominator = denominator
    }

    public init(_ m: Money) { self.init(Int128(m.micros)) }

    /// `m` times `n`, exactly.
    public init(_ m: Money, times n: Int, over denominator: Int128 = 1) {
        self.init(Int128(m.micros) * Int128(n), over: denominator)
    }

    /// Whether the value, either sign, is within ``Money/maximum``.
    public var isWithinMaximum: Bool {
        let m = numerator.magnitude
        return m <= UInt128(Money.maximum.micros) * denominator.magnitude
    }

    public static func + (a: Exact, b: Exact) -> Exact {
        a.denominator == b.denominator
            ? Exact(a.numerator + b.numerator, over: a.denominator)
            : Exact(a.numerator * b.denominator + b.numerator * a.denominator, over: a.denominator * b.denominator)
    }

    public static func < (a: Exact, b: Exact) -> Bool { a.numerator * b.denominator < b.numerator * a.denominator }

    /// Rounded to `places` decimals of the currency by `rule`. The value must be within
    /// ``Money/maximum`` (check ``isWithinMaximum`` first).
    public func rounded(places: Int, _ rule: Rounding) -> Money {
        // Work in units of 10^-places: value = numerator / (denominator * 10^(6-places)).
        let q = denominator * Int128(pow10(Money.places - places))
        let n = numerator
        var whole = n / q
        let rem = n % q
        if rem != 0 {
            let positive = n > 0
            let twice = abs(rem) * 2
            switch rule {
            case .down: break
            case .up: whole += positive ? 1 : 0
            case .halfUp: if twice >= q { whole += positive ? 1 : -1 }
            case .halfEven:
                if twice > q || (twice == q && whole % 2 != 0) { whole += positive ? 1 : -1 }
            }
        }
        return Money(micros: Int64(whole) * pow10(Money.places - places))
    }
}
