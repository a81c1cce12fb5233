import CCups
import Foundation
import SMDRConcurrency

/// libcups, confined to one thread: libcups keeps its default connection and its last error in
/// thread-local storage, so every call — and the whole create/start/write/finish sequence of a
/// job — runs on this actor's own thread, with no suspension in between.
public actor Cups {
    private let executor: SingleThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init() { executor = SingleThreadExecutor(name: "cups") }

    /// libcups, opened on first use (see ``LibCups``).
    private var loaded: Result<LibCups, Failure>?

    private func lib() throws(Failure) -> LibCups {
        if loaded == nil { loaded = LibCups.open() }
        return try loaded!.get()
    }

    public struct Destination: Sendable, Equatable {
        public var name: String
        /// 3 idle, 4 processing, 5 stopped.
        public var state: Int?
        public var message: String?
        public var deviceURI: String?
        public var isDefault: Bool

        public var stateName: String {
            switch state {
            case 3: "idle"
            case 4: "printing"
            case 5: "stopped"
            default: "unknown"
            }
        }
    }

    public struct Job: Sendable, Equatable {
        public var id: Int32
        public var title: String
        public var state: String
        public var finished: Bool { ["completed", "canceled", "aborted"].contains(state) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private func lastError(_ cups: LibCups, _ what: String) -> Failure {
        Failure(description: "\(what): \(cups.lastErrorString().map { String(cString: $0) } ?? "unknown error")")
    }

    /// Throws why nothing can be printed from here: libcups cannot be opened.
    public func checkAvailable() throws(Failure) { _ = try lib() }

    /// Why nothing can be printed from here, or `nil`.
    public func unavailable() -> String? {
        do throws(Failure) {
            try checkAvailable()
            return nil
        } catch {
            return error.description
        }
    }

    /// The queues CUPS knows; none when libcups cannot be opened (``unavailable()`` says why).
    public func destinations() -> [Destination] {
        guard let cups = try? lib() else { return [] }
        var dests: UnsafeMutablePointer<cups_dest_t>?
        let n = cups.getDests2(nil, &dests)
        defer { cups.freeDests(n, dests) }
        guard let dests else { return [] }
        return (0..<Int(n)).map { k in
            let d = dests[k]
            func option(_ name: String) -> String? { cups.getOption(name, d.num_options, d.options).map { String(cString: $0) } }
            return Destination(
                name: String(cString: d.name), state: option("printer-state").flatMap { Int($0) }, message: option("printer-state-message"),
                deviceURI: option("device-uri"), isDefault: d.is_default != 0)
        }
    }

    /// Sends one document as one job: raw bytes (ESC/POS) or text for CUPS to filter.
    public func submit(queue: String, title: String, bytes: [UInt8], raw: Bool) throws -> Int32 {
        let cups = try lib()
        let job = cups.createJob(nil, queue, title, 0, nil)
        guard job > 0 else { throw lastError(cups, "cannot create a job on \(queue)") }
        let format = raw ? CUPS_FORMAT_RAW : CUPS_FORMAT_TEXT
        guard cups.startDocument(nil, queue, job, title, format, 1) == HTTP_STATUS_CONTINUE else {
            let e = lastError(cups, "cannot start the document on \(queue)")
            _ = cups.cancelJob(queue, job)
            throw e
        }
        let status = bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { cups.writeRequestData(nil, $0.baseAddress, $0.count) }
        }
        guard status == HTTP_STATUS_CONTINUE else {
            let e = lastError(cups, "cannot send the ticket to \(queue)")
            _ = cups.cancelJob(queue, job)
            throw e
        }
        guard cups.finishDocument(nil, queue) == IPP_STATUS_OK else { throw lastError(cups, "cannot finish the job on \(queue)") }
        return job
    }

    /// Every job CUPS knows for a queue (finished ones included).
    public func jobs(queue: String) -> [Job] {
        guard let cups = try? lib() else { return [] }
        var jobs: UnsafeMutablePointer<cups_job_t>?
        let n = cups.getJobs2(nil, &jobs, queue, 0, CUPS_WHICHJOBS_ALL)
        defer { cups.freeJobs(n, jobs) }
        guard let jobs, n > 0 else { return [] }
        return (0..<Int(n)).map { k in
            let j = jobs[k]
            let state: String
            switch j.state {
            case IPP_JSTATE_PENDING: state = "pending"
            case IPP_JSTATE_HELD: state = "held"
            case IPP_JSTATE_PROCESSING: state = "processing"
            case IPP_JSTATE_STOPPED: state = "stopped"
            case IPP_JSTATE_CANCELED: state = "canceled"
            case IPP_JSTATE_ABORTED: state = "aborted"
            case IPP_JSTATE_COMPLETED: state = "completed"
            default: state = "unknown"
            }
            return Job(id: j.id, title: j.title.map { String(cString: $0) } ?? "", state: state)
        }
    }
}
