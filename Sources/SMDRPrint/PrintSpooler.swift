import Foundation
import SMDRStore

/// Prints the queued tickets, one at a time and in order, through CUPS, and never twice.
///
/// - A queued ticket is submitted under the title `smdr-ticket-<number>`. If the agent died
///   after CUPS took a job but before the store recorded it, the next run finds that title among
///   the queue's jobs and adopts the job instead of printing it again.
/// - A submitted ticket is followed until CUPS says completed (then the next one goes), or
///   canceled/aborted (failed, with the reason; `print-queue --retry` queues it again).
/// - A stopped or unreachable printer leaves the ticket where it is: CUPS keeps retrying, and
///   the tickets behind it wait in the store.
public final class PrintSpooler: @unchecked Sendable {
    let store: CallStore
    let cups: Cups
    /// Seconds between polls of a job's state, and between attempts after a failure.
    public var pollInterval: Double = 0.2

    public init(store: CallStore, cups: Cups) {
        self.store = store
        self.cups = cups
    }

    public static func title(_ ticketNumber: Int) -> String { "smdr-ticket-\(ticketNumber)" }

    public enum Step: Equatable, Sendable {
        case idle
        case submitted(Int32)
        case waiting(String)
        case completed(Int)
        case failed(String)
    }

    /// One step of the spooler's work: submit, follow or close the oldest unfinished ticket.
    public func step() async -> Step {
        guard let job = try? store.nextPrintJob() else { return .idle }
        let title = PrintSpooler.title(job.ticketNumber)
        switch job.state {
        case .queued:
            let known = await cups.jobs(queue: job.queue)
            if let existing = known.first(where: { $0.title == title }) {
                try? store.updatePrintJob(id: job.id, state: .submitted, cupsJob: existing.id)
                return .submitted(existing.id)
            }
            do {
                let id = try await cups.submit(queue: job.queue, title: title, bytes: job.content, raw: job.raw)
                try? store.updatePrintJob(id: job.id, state: .submitted, cupsJob: id)
                return .submitted(id)
            } catch {
                try? store.updatePrintJob(id: job.id, state: .queued, reason: "\(error)")
                return .waiting("\(error)")
            }
        case .submitted:
            let jobs = await cups.jobs(queue: job.queue)
            guard let j = jobs.first(where: { $0.id == job.cupsJob }) ?? jobs.first(where: { $0.title == title }) else {
                // CUPS forgot it (its history was purged after completion): it printed.
                try? store.updatePrintJob(id: job.id, state: .completed)
                return .completed(job.ticketNumber)
            }
            switch j.state {
            case "completed":
                try? store.updatePrintJob(id: job.id, state: .completed)
                return .completed(job.ticketNumber)
            case "canceled", "aborted":
                try? store.updatePrintJob(id: job.id, state: .failed, reason: "CUPS job \(j.id) \(j.state)")
                return .failed("CUPS job \(j.id) \(j.state)")
            default:
                return .waiting("CUPS job \(j.id) \(j.state)")
            }
        case .completed, .failed:
            return .idle
        }
    }

    /// Works until `until()` says stop; sleeps between steps that did not finish a ticket.
    public func run(until stop: @Sendable () -> Bool) async {
        while !stop() {
            switch await step() {
            case .completed: continue
            case .submitted: try? await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
            default: try? await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
            }
        }
    }
}
