import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A stop request every thread can see and wait on: a flag plus a pipe whose read end becomes
/// readable on stop, so a thread sleeping in poll(2) wakes at once.
public final class Stopper: @unchecked Sendable {
    private var fds: [Int32] = [-1, -1]
    private let lock = NSLock()
    private var stopped = false

    public init() {
        _ = pipe(&fds)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    }

    deinit {
        close(fds[0])
        close(fds[1])
    }

    public var readFD: Int32 { fds[0] }

    public var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    public func stop() {
        lock.lock()
        let first = !stopped
        stopped = true
        lock.unlock()
        if first {
            var b: UInt8 = 1
            _ = write(fds[1], &b, 1)
        }
    }

    /// Sleeps up to `seconds`; returns false when woken by a stop.
    @discardableResult
    public func sleep(_ seconds: Double) -> Bool {
        var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        _ = poll(&p, 1, Int32(max(0, seconds * 1000)))
        return !isStopped
    }
}

/// Wakes the ingester when a source has flushed new bytes.
public final class IngestSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = false

    public init() {}

    public func notify() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    /// Waits for a notification or the timeout; returns whether one came.
    public func wait(timeout: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !pending { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) }
        let got = pending
        pending = false
        return got
    }
}

/// Wakes a waiting source early (a udev "add" event: try the port now rather than after backoff).
public final class Nudge: @unchecked Sendable {
    private var fds: [Int32] = [-1, -1]

    public init() {
        _ = pipe(&fds)
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
    }

    deinit {
        close(fds[0])
        close(fds[1])
    }

    public func poke() {
        var b: UInt8 = 1
        _ = write(fds[1], &b, 1)
    }

    /// Sleeps up to `seconds`, or until poked or stopped.
    func sleep(_ seconds: Double, stopper: Stopper) {
        var p = [pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0), pollfd(fd: stopper.readFD, events: Int16(POLLIN), revents: 0)]
        _ = poll(&p, 2, Int32(max(0, seconds * 1000)))
        var drain = [UInt8](repeating: 0, count: 64)
        while read(fds[0], &drain, drain.count) > 0 {}
    }
}
