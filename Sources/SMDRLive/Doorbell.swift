import Foundation

/// Wakes one async waiter from any thread (the ingester rings it after committing events); rings
/// while nobody waits are kept as one (a spurious wake-up is harmless: waiters re-check).
public final class Doorbell: @unchecked Sendable {
    private let lock = NSLock()
    private var rung = false
    private var waiter: CheckedContinuation<Void, Never>?

    public init() {}

    public func ring() {
        lock.lock()
        if let w = waiter {
            waiter = nil
            lock.unlock()
            w.resume()
            return
        }
        rung = true
        lock.unlock()
    }

    /// Returns when rung, or after `seconds`.
    public func wait(seconds: Double) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    self.lock.lock()
                    if self.rung {
                        self.rung = false
                        self.lock.unlock()
                        c.resume()
                    } else {
                        self.waiter = c
                        self.lock.unlock()
                    }
                }
            }
            group.addTask {
                // Timed out or cancelled: ring, so the waiting child resumes and the group can end.
                try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
                self.ring()
            }
            await group.next()
            group.cancelAll()
        }
    }
}
