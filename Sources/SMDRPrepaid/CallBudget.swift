import SMDRRating

/// How long a call may last on a balance: the longest duration whose full cost (connect fee,
/// first increment, minimum charge, rounding, VAT) still fits. Costs only grow with duration, so
/// a binary search over the real price function finds it exactly; no estimate per minute, so a
/// call can never cost more than what was available.
public enum CallBudget {
    /// The longest `d` in `1...cap` with `cost(d) <= available`; nil when even one second (the
    /// first billing block) costs more.
    public static func longest(cap: Int, available: Money, cost: (Int) -> Money) -> Int? {
        guard cap >= 1, cost(1) <= available else { return nil }
        if cost(cap) <= available { return cap }
        var low = 1, high = cap  // cost(low) fits, cost(high) does not
        while high - low > 1 {
            let mid = low + (high - low) / 2
            if cost(mid) <= available { low = mid } else { high = mid }
        }
        return low
    }
}
