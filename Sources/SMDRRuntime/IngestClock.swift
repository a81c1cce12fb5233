import Foundation

/// Where the ingester reads the time: the system's clocks in the agent, a clock a test moves by
/// hand (so a quiet period or a call's closing is tested without sleeping through it).
public struct IngestClock: Sendable {
    /// Seconds on a clock that never goes back (quiet periods, housekeeping intervals).
    public var monotonic: @Sendable () -> Double
    /// Unix seconds (a call closed by its quiet period is dated with it).
    public var wall: @Sendable () -> Int64

    public init(monotonic: @escaping @Sendable () -> Double, wall: @escaping @Sendable () -> Int64) {
        self.monotonic = monotonic
        self.wall = wall
    }

    public static let system = IngestClock(monotonic: { SMDRRuntime.monotonic() }, wall: { Int64(Date().timeIntervalSince1970) })
}
