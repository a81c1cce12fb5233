import Foundation
import SMDRRuntime

/// The ingester's clock, moved by the test: a quiet period passes when the test says so.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds = 1_000.0
    private var unix: Int64 = 1_795_305_600

    var ingestClock: IngestClock {
        IngestClock(monotonic: { self.lock.withLock { self.seconds } }, wall: { self.lock.withLock { self.unix } })
    }

    func advance(_ s: Double) {
        lock.withLock {
            seconds += s
            unix += Int64(s.rounded(.up))
        }
    }
}
