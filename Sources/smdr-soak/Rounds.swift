import Foundation
import Synchronization

/// Work the soak repeats on a thread of its own while the PBX feeds run (reading the store,
/// probing `/health`), counting as it goes. Each round works outside the lock and returns how the
/// counts change; `stop()` ends the rounds after the one in progress and gives the counts.
final class Rounds<Tally: Sendable>: Sendable {
    private let state: Mutex<(stop: Bool, running: Bool, tally: Tally)>
    private let name: String
    private let round: @Sendable () -> @Sendable (inout Tally) -> Void

    init(name: String, tally: Tally, round: @escaping @Sendable () -> @Sendable (inout Tally) -> Void) {
        self.name = name
        self.round = round
        state = Mutex((false, false, tally))
    }

    func start() {
        state.withLock { $0.running = true }
        let t = Thread { self.loop() }
        t.name = name
        t.start()
    }

    func stop() -> Tally {
        state.withLock { $0.stop = true }
        while state.withLock({ $0.running }) { usleep(20_000) }
        return state.withLock { $0.tally }
    }

    private func loop() {
        while !state.withLock({ $0.stop }) {
            let update = round()
            state.withLock { update(&$0.tally) }
        }
        state.withLock { $0.running = false }
    }
}
