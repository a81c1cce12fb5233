/// When to try again after a failure: exponential backoff with a ceiling, reset by a success.
/// A pure state machine with an injected clock (times are seconds on any monotonic scale), so the
/// reconnect logic is tested without sleeping.
public struct Backoff: Sendable, Equatable {
    public let initial: Double
    public let maximum: Double
    public let factor: Double
    public private(set) var failures = 0
    public private(set) var nextAttempt: Double = 0

    public init(initial: Double = 0.25, maximum: Double = 30, factor: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
    }

    /// The delay after `failures` consecutive failures.
    public var delay: Double { delay(afterFailures: failures) }

    private func pow2(_ n: Int) -> Double {
        var v = 1.0
        for _ in 0..<min(n, 60) { v *= factor }
        return v
    }

    public func shouldAttempt(now: Double) -> Bool { now >= nextAttempt }

    public mutating func failed(now: Double) {
        failures += 1
        nextAttempt = now + delay
    }

    /// The delay after `failures` consecutive failures, for retry state kept elsewhere (a
    /// webhook outbox row counts its own attempts).
    public func delay(afterFailures n: Int) -> Double {
        n == 0 ? 0 : min(maximum, initial * pow2(n - 1))
    }

    public mutating func succeeded() {
        failures = 0
        nextAttempt = 0
    }
}
