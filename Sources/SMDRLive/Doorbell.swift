import Foundation

/// Wakes one async waiter from any thread (the ingester rings it after committing events); rings
/// while nobody waits are kept as one (a spurious wake-up is harmless: waiters re-check).
///
/// A wait's time-out ends only that wait: it never leaves a ring behind for the next one (a
/// time-out that rang would make every following wait return at once, a busy loop).
public final class Doorbell: @unchecked Sendable {
    private let lock = NSLock()
    private var rung = false
    private var waiter: (id: UInt64, continuation: CheckedContinuation<Bool, Never>)?
    private var lastID: UInt64 = 0

    public init() {}

    public func ring() {
        lock.lock()
        if let w = waiter {
            waiter = nil
            lock.unlock()
            w.continuation.resume(returning: true)
            return
        }
        rung = true
        lock.unlock()
    }

    /// Returns when rung (true), after `seconds` or when the task is cancelled (false).
    @discardableResult
    public func wait(seconds: Double) async -> Bool {
        let id: UInt64 = lock.withLock {
            lastID &+= 1
            return lastID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
            self?.end(id)
        }
        let rang = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                lock.lock()
                if rung || Task.isCancelled {
                    let wasRung = rung
                    rung = false
                    lock.unlock()
                    c.resume(returning: wasRung)
                } else {
                    waiter = (id, c)
                    lock.unlock()
                }
            }
        } onCancel: {
            end(id)
        }
        timer.cancel()
        return rang
    }

    /// Ends wait `id` if it is still waiting (its time-out, or its task cancelled).
    private func end(_ id: UInt64) {
        lock.lock()
        guard let w = waiter, w.id == id else {
            lock.unlock()
            return
        }
        waiter = nil
        lock.unlock()
        w.continuation.resume(returning: false)
    }
}
