import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A self-pipe: writing a byte makes its read end readable, so a thread in poll(2) wakes at once.
final class WakePipe: @unchecked Sendable {
    private var fds: [Int32] = [-1, -1]

    init() {
        _ = pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
    }

    deinit {
        close(fds[0])
        close(fds[1])
    }

    var readFD: Int32 { fds[0] }

    func wake() {
        var b: UInt8 = 1
        _ = write(fds[1], &b, 1)
    }

    /// Empties the pipe, so that the next poll waits again.
    func drain() {
        var buf = [UInt8](repeating: 0, count: 64)
        while read(fds[0], &buf, buf.count) > 0 {}
    }
}

/// A stop request every thread can see and wait on: a flag plus a self-pipe that stays readable
/// once stopped.
public final class Stopper: @unchecked Sendable {
    private let pipe = WakePipe()
    private let lock = NSLock()
    private var stopped = false

    public init() {}

    public var readFD: Int32 { pipe.readFD }

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
        if first { pipe.wake() }
    }

    /// Sleeps up to `seconds`; returns false when woken by a stop.
    @discardableResult
    public func sleep(_ seconds: Double) -> Bool {
        var p = pollfd(fd: pipe.readFD, events: Int16(POLLIN), revents: 0)
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
    private let pipe = WakePipe()

    public init() {}

    public func poke() { pipe.wake() }

    /// Sleeps up to `seconds`, or until poked or stopped.
    func sleep(_ seconds: Double, stopper: Stopper) {
        var p = [pollfd(fd: pipe.readFD, events: Int16(POLLIN), revents: 0), pollfd(fd: stopper.readFD, events: Int16(POLLIN), revents: 0)]
        _ = poll(&p, 2, Int32(max(0, seconds * 1000)))
        pipe.drain()
    }
}
