import Foundation
import SMDRCalls
import SMDRCore
import SMDRJournal
import SMDRStore

/// Reads each source's journal from its checkpoint, parses it, and commits records, rejects and the
/// new checkpoint in one transaction: a crash anywhere loses nothing and duplicates nothing.
final class Ingester: @unchecked Sendable {
    final class Source {
        let config: SourceConfig
        let cursor: JournalCursor
        let state: SourceState
        var parser: StreamParser
        var checkpoint: CallStore.Checkpoint
        /// Batches the store refused (disk full…), oldest first: retried before anything else is read.
        var pending: [PendingBatch] = []
        /// Call assembly, recalls, limits and alerts (nil: the live side is off).
        var desk: CallDesk?
        var link: SourceState.Link?
        var lastActivity: Double
        var idleFlushed = true
        var quietAlarm = false
        var lastCallID: Int64?
        var unrecognisedReported = false
        var journal: Journal?

        init(config: SourceConfig, cursor: JournalCursor, state: SourceState, parser: StreamParser, checkpoint: CallStore.Checkpoint, now: Double) {
            lastActivity = now
            self.config = config
            self.cursor = cursor
            self.state = state
            self.parser = parser
            self.checkpoint = checkpoint
        }
    }

    /// A batch the store refused, kept whole (ratings, tickets, take-backs) until it can be written.
    struct PendingBatch {
        var records: [CallRecord]
        var rejects: [Reject]
        var checkpoint: CallStore.Checkpoint?
        var receivedAt: Int64
        var ratings: [CallStore.StoredRating?]?
        var tickets: [CallStore.TicketRequest?]?
        var live: CallStore.LiveBatch?
        var retractFrom: Int64?
        var recordJSON: [String]
    }

    let store: CallStore
    let signal: IngestSignal
    var sources: [Source] = []
    /// The store writes a batch while the next one is read and assembled (during a backlog: a
    /// burst, a restart, `journal reprocess`); at most one batch is written at a time, in order.
    let committer = DispatchQueue(label: "smdr.ingest.commit")
    /// The batch being written, if any: its outcome is applied by ``settle()``, on this thread.
    var inFlight: InFlight?

    final class InFlight: @unchecked Sendable {
        let source: Source
        let batch: PendingBatch
        let done = DispatchSemaphore(value: 0)
        var result: Result<Int, any Error> = .success(0)

        init(source: Source, batch: PendingBatch) {
            self.source = source
            self.batch = batch
        }
    }
    /// Prices each record as it arrives (nil: calls are stored unrated).
    var rate: (@Sendable (CallRecord) -> RatedCall?)?
    /// The ticket a record prints by itself, queued in the same transaction (nil: none).
    var ticket: (@Sendable (CallRecord, RatedCall?, CallDesk.SetUpParty?) -> CallStore.TicketRequest?)?
    /// The live side (nil: off).
    var live: LiveSettings?
    /// Prepaid accounts: stored calls are charged after each commit (nil: off).
    var prepaid: PrepaidDesk?
    let clock: IngestClock
    var lastSecond: Double
    /// Called after each commit with the number of new rows (for tests and metrics).
    var onCommit: (@Sendable (String, Int) -> Void)?
    /// How long a source must be silent before held lines are decided on.
    var idleFlushSeconds = 1.0
    /// Journal retention: processed segments older than this, or beyond this size, are deleted.
    var retention = Retention()
    var lastPrune: Double

    public struct Retention: Sendable {
        public var maxAgeSeconds: Double? = 90 * 86_400
        public var maxBytes: Int64? = nil
        public var every: Double = 600
        public init() {}
    }

    init(store: CallStore, signal: IngestSignal, clock: IngestClock = .system) {
        self.store = store
        self.signal = signal
        self.clock = clock
        lastSecond = clock.monotonic()
        lastPrune = clock.monotonic()
    }

    func add(_ config: SourceConfig, journal: Journal?, journalDirectory: URL, state: SourceState, formats: [FormatHandle], options: ParseOptions) throws {
        let saved = try store.checkpoint(source: config.id) ?? CallStore.Checkpoint(offset: 0, line: 1, format: nil)
        let formatID = config.format.flatMap { $0 == "auto" ? nil : $0 } ?? saved.format
        let handle = formatID.flatMap { id in formats.first { $0.id == id } }
        let parser = StreamParser(
            format: handle, candidates: formats, options: options, resumingAt: Framer.ResumePoint(offset: saved.offset, line: saved.line),
            detecting: config.format == nil || config.format == "auto", rejectWhileSearching: true)
        let source = Source(config: config, cursor: JournalCursor(directory: journalDirectory, from: saved.offset), state: state, parser: parser, checkpoint: saved, now: clock.monotonic())
        source.journal = journal
        source.desk = live?.desk(source: config.id, format: handle?.id ?? config.format)
        sources.append(source)
        if saved.offset > 0 { Log.info("resuming at journal offset \(saved.offset), line \(saved.line)", source: config.id) }
    }

    func run(_ stopper: Stopper) {
        var backlog = false
        while true {
            let stopping = stopper.isStopped
            // Wait for news only when the last pass emptied every journal, and with the last
            // batch written (its events go out now, not after the wait).
            if !backlog {
                settle()
                _ = signal.wait(timeout: stopping ? 0 : 0.25)
            }
            backlog = false
            for s in sources where ingest(s) { backlog = true }
            watch()
            if stopping {
                finish()
                return
            }
        }
    }

    /// Final pass: everything journaled is parsed; held records are released; open calls are
    /// completed as they stand.
    func finish() {
        for s in sources {
            ingest(s)
            var events: [ParseEvent] = []
            s.parser.flushIdle(into: &events)
            commit(s, events: events, receivedAt: nowNanos())
            settle()
            if var desk = s.desk, let live {
                let out = desk.flush(requests: requests())
                s.desk = desk
                try? store.commitLive(source: s.config.id, live.batch(out))
            }
        }
        live?.onEvents?()
    }

    /// Every journal read to its end, then the final pass (`journal reprocess`).
    func drain() {
        var more = true
        while more {
            more = false
            for s in sources where ingest(s) { more = true }
        }
        finish()
    }

    /// Reads what the journal has for a source and commits it; true when it stopped at the batch
    /// limit with more to read.
    @discardableResult
    func ingest(_ s: Source) -> Bool {
        // (A batch still being written is not waited for here: reading the next one meanwhile is
        // the point; ``commit`` queues it behind the written one if that one fails.)
        while let p = s.pending.first {
            do {
                let n = try write(p, source: s)
                s.pending.removeFirst()
                try? store.clearAlarms(source: s.config.id, kind: "store")
                Log.notice("store writes again", source: s.config.id)
                committed(p, source: s, rows: n)
            } catch {
                return false
            }
        }
        var events: [ParseEvent] = []
        var receivedAt: Int64 = 0
        var bytes = 0
        do {
            while bytes < (4 << 20), let entry = try s.cursor.next() {
                s.parser.push(entry.bytes, into: &events)
                receivedAt = entry.receivedAt
                bytes += entry.bytes.count
            }
        } catch {
            Log.error("cannot read the journal: \(error)", source: s.config.id)
        }
        for t in s.cursor.takeTorn() {
            alarm(
                s, "journal",
                "\(t.bytes) damaged journal byte(s) skipped in segment \(t.segment) at file offset \(t.segmentFileOffset) (a write that failed half-way, e.g. disk full); the entries after them are read")
        }
        if bytes > 0 {
            s.state.ingested(count: bytes)
            s.lastActivity = clock.monotonic()
            s.idleFlushed = false
            if s.quietAlarm {
                s.quietAlarm = false
                try? store.clearAlarms(source: s.config.id, kind: "quiet")
                Log.notice("data again after a quiet period", source: s.config.id)
            }
        } else if !s.idleFlushed && clock.monotonic() - s.lastActivity >= idleFlushSeconds {
            s.idleFlushed = true
            s.parser.flushIdle(into: &events)
            receivedAt = nowNanos()
        }
        if s.parser.unrecognised && !s.unrecognisedReported {
            s.unrecognisedReported = true
            alarm(s, "format", "no known format recognises the first lines of this source: set its format (smdr-agent formats)")
        }
        guard bytes > 0 || !events.isEmpty else { return false }
        commit(s, events: events, receivedAt: receivedAt)
        return bytes >= (4 << 20) && s.pending.isEmpty
    }

    func commit(_ s: Source, events: [ParseEvent], receivedAt: Int64) {
        var records: [CallRecord] = []
        var rejects: [Reject] = []
        var retractFrom: Int64?
        for e in events {
            switch e {
            case .record(let r):
                records.append(r)
                checkSequence(s, r)
            case .reject(let r): rejects.append(r)
            case .skip: break
            case .formatFound(let change):
                if let from = change.replayFrom {
                    // The lines quarantined from there are read again by the format found; their new events follow.
                    rejects.removeAll { $0.offset >= from }
                    retractFrom = min(retractFrom ?? from, from)
                }
                if let previous = change.previous {
                    alarm(s, "format", "the stream changed format at line \(change.line): \(previous) → \(change.format) (PBX upgraded or its SMDR output reconfigured?)")
                } else {
                    s.unrecognisedReported = false
                    try? store.clearAlarms(source: s.config.id, kind: "format")
                    Log.notice("format recognised at line \(change.line): \(change.format); the lines quarantined before it are read again", source: s.config.id)
                }
            }
        }
        let point = s.parser.resumePoint
        let checkpoint = point.map { CallStore.Checkpoint(offset: $0.offset, line: $0.line, format: s.parser.format?.id) }
        // Rated once, here: the store keeps the rating, tickets print from it.
        let rated = rate.map { f in records.map(f) }
        let ratings = rated.map { $0.map { $0?.stored } }
        var setUp = [CallDesk.SetUpParty?](repeating: nil, count: records.count)
        var liveBatch: CallStore.LiveBatch?
        if var desk = s.desk, let live, !records.isEmpty {
            var out = CallDesk.Output()
            let pending = requests()
            let seconds = receivedAt / 1_000_000_000
            for (k, r) in records.enumerated() {
                let added = desk.add(r, charge: live.charge(r, ratings?[k] ?? nil), receivedAt: seconds, requests: pending)
                setUp[k] = added.setUp
                out.merge(added)
            }
            s.desk = desk
            liveBatch = live.batch(out)
        }
        // A record's ticket names who set its call up when another party did (a transfer).
        let tickets = ticket.map { f in records.indices.map { f(records[$0], rated?[$0], setUp[$0]) } }
        let batch = PendingBatch(
            records: records, rejects: rejects, checkpoint: checkpoint, receivedAt: receivedAt, ratings: ratings, tickets: tickets, live: liveBatch,
            retractFrom: retractFrom, recordJSON: records.map(RecordJSON.line))
        // The previous batch first: written before this one, or refused (then this one waits too).
        settle()
        guard s.pending.isEmpty else { return s.pending.append(batch) }
        let flight = InFlight(source: s, batch: batch)
        inFlight = flight
        committer.async {
            do { flight.result = .success(try self.write(batch, source: flight.source)) } catch { flight.result = .failure(error) }
            flight.done.signal()
        }
    }

    /// Waits for the batch being written and applies its outcome: the checkpoint moves, events go
    /// out, prepaid calls are charged; or the batch is kept to be written again, in order.
    func settle() {
        guard let flight = inFlight else { return }
        inFlight = nil
        flight.done.wait()
        let s = flight.source
        switch flight.result {
        case .success(let n):
            committed(flight.batch, source: s, rows: n)
            for q in flight.batch.rejects { Log.warning("quarantined line \(q.line): \(q.reason)", source: s.config.id) }
        case .failure(let error):
            s.pending.append(flight.batch)
            Log.error("cannot write the store: \(error); the journal keeps everything and writing is retried", source: s.config.id)
            alarm(s, "store", "cannot write the store: \(error)")
        }
    }

    func write(_ p: PendingBatch, source s: Source) throws -> Int {
        // `s.config` is immutable: safe to read from the committer.
        try store.commit(
            source: s.config.id, records: p.records, rejects: p.rejects, checkpoint: p.checkpoint, receivedAt: p.receivedAt, ratings: p.ratings,
            tickets: p.tickets, live: p.live, retractRejectsFrom: p.retractFrom, recordJSON: p.recordJSON)
    }

    /// What follows a batch written: the checkpoint, the live side told, prepaid charged.
    func committed(_ p: PendingBatch, source s: Source, rows n: Int) {
        if let c = p.checkpoint { s.checkpoint = c }
        if p.live.map({ !$0.events.isEmpty }) == true { live?.onEvents?() }
        if n > 0 { chargePrepaid() }
        onCommit?(s.config.id, n)
    }

    /// A jump in the PBX's call sequence (Avaya IP Office Call ID) means records lost at the PBX.
    func checkSequence(_ s: Source, _ r: CallRecord) {
        guard s.parser.format?.numbersCallsInSequence == true, let id = r.callID.flatMap({ Int64($0) }) else { return }
        if let last = s.lastCallID {
            if id > last + 1 {
                alarm(s, "gap", "Call ID jumped from \(last) to \(id): \(id - last - 1) call(s) missing from the PBX's output")
            } else if id < last && id <= 1_000_010 {
                Log.notice("Call ID sequence restarted at \(id) (the IP Office restarted)", source: s.config.id)
            }
        }
        s.lastCallID = max(id, id < (s.lastCallID ?? 0) && id <= 1_000_010 ? id : (s.lastCallID ?? id))
    }

    /// Pending manual recall requests (read per batch: they come from the API at any time).
    func requests() -> [CallDesk.Request] {
        ((try? store.recallRequests(pendingOnly: true)) ?? []).map { CallDesk.Request(id: $0.id, station: $0.station, destination: $0.destination) }
    }

    /// Calls closed by their quiet period; a `source` event when a link goes up or down.
    func watchLive() {
        guard let live else { return }
        let now = clock.wall()
        var any = false
        for s in sources {
            // Checked every pass: the pending requests are read only when a call may close.
            if var desk = s.desk, !desk.isIdle {
                let out = desk.advance(to: now, requests: requests())
                s.desk = desk
                if !out.isEmpty {
                    settle()  // the calls it closes are stored first
                    try? store.commitLive(source: s.config.id, live.batch(out))
                    any = any || !out.events.isEmpty
                }
            }
            let link = s.state.link
            if link != s.link {
                s.link = link
                let json = "{\"source\":\"\(CallStore.escape(s.config.id))\",\"link\":\"\(link.rawValue)\",\"summary\":\"\(CallStore.escape(s.config.summary))\"}"
                _ = try? store.addEvent(CallStore.NewEvent(type: "source", destination: nil, json: json))
                any = true
            }
        }
        if any { live.onEvents?() }
    }

    /// Charges the calls just stored to their prepaid accounts. A failure leaves them for the next
    /// pass (the ledger's cursor did not move): charged late, never lost, never twice.
    func chargePrepaid() {
        guard let prepaid else { return }
        do { try prepaid.chargeNewCalls() } catch { Log.error("prepaid: cannot charge calls: \(error); retried") }
    }

    /// Quiet sources and alarms raised by source threads; journal retention now and then.
    func watch() {
        watchLive()
        // Every pass (at most 0.25 s apart): the WAL checkpoint, so the log stays short.
        store.checkpoint()
        // Once a second: prepaid calls left uncharged, holds expired.
        if clock.monotonic() - lastSecond >= 1 {
            lastSecond = clock.monotonic()
            if let prepaid {
                chargePrepaid()
                do { try prepaid.expireDue() } catch { Log.error("prepaid: cannot release expired reservations: \(error)") }
            }
        }
        if clock.monotonic() - lastPrune > retention.every {
            lastPrune = clock.monotonic()
            if live != nil { try? store.pruneEvents(olderThanDays: 30) }
            for s in sources {
                // Never what has not been processed: only segments wholly before the checkpoint.
                if let removed = try? s.journal?.prune(keepFrom: s.checkpoint.offset, maxAgeSeconds: retention.maxAgeSeconds, maxBytes: retention.maxBytes),
                    !removed.isEmpty
                {
                    Log.info("journal: \(removed.count) processed segment(s) removed by retention", source: s.config.id)
                }
            }
        }
        for s in sources {
            for (kind, message) in s.state.takeAlarms() { alarm(s, kind, message) }
            if let quiet = s.config.quietAfterSeconds, !s.quietAlarm, monotonic() - s.state.lastByte > quiet {
                s.quietAlarm = true
                alarm(s, "quiet", "no data for \(Int(quiet)) s (\(s.state.link.rawValue)): check the cable and the PBX's SMDR output")
            }
        }
    }

    func alarm(_ s: Source, _ kind: String, _ message: String) {
        Log.warning("ALARM \(kind): \(message)", source: s.config.id)
        try? store.raiseAlarm(source: s.config.id, kind: kind, message: message)
        live?.onEvents?()
    }
}
