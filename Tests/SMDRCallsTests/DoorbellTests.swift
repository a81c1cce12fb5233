import Foundation
import SMDRLive
import Testing

/// The doorbell wakes the webhook sender; a waiter that busy-loops costs a core and slows capture.
struct DoorbellTests {
    static func seconds(_ body: () async -> Void) async -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// A ring wakes the waiter at once; a wait nobody rings lasts its time-out, also right after a
    /// rung one and after another that timed out (a time-out must not leave a ring behind).
    @Test func timeOutsLeaveNoRingBehind() async {
        let bell = Doorbell()
        bell.ring()
        #expect(await bell.wait(seconds: 5), "a ring while nobody waits is kept for the next wait")
        #expect(await Self.seconds { await bell.wait(seconds: 0.05) } >= 0.04)
        var quickReturns = 0
        for _ in 0..<5 where await Self.seconds({ await bell.wait(seconds: 0.05) }) < 0.04 { quickReturns += 1 }
        #expect(quickReturns == 0)
    }

    /// A ring from another thread ends a long wait; a cancelled task's wait ends too.
    @Test func ringAndCancel() async {
        let bell = Doorbell()
        // Rung from a thread of its own (not a dispatch queue the busy test run may hold up).
        Thread {
            usleep(50_000)
            bell.ring()
        }.start()
        // Ended by the ring, not the 30 s time-out (told by what the wait returns: a busy test run
        // may be slow to resume the task, so the time it took says nothing).
        #expect(await bell.wait(seconds: 30))
        let waiting = Task { await Self.seconds { await bell.wait(seconds: 120) } }
        try? await Task.sleep(nanoseconds: 50_000_000)
        waiting.cancel()
        #expect(await waiting.value < 100, "ended by the cancellation, not the 120 s time-out")
    }
}
