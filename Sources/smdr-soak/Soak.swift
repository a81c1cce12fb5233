import Foundation
import SMDRStore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// 100000 → "100,000".
func grouped(_ v: Int) -> String {
    let digits = String(v.magnitude)
    var out = ""
    for (k, c) in digits.enumerated() {
        if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (v < 0 ? "-" : "") + out
}

/// What the soak is doing, for the watchdog's message when something hangs.
final class Phase: Sendable {
    static let current = Phase()
    private let text = Mutex("starting")
    func set(_ t: String) { text.withLock { $0 = t } }
    var description: String { text.withLock { $0 } }
}

/// One run of the fault soak. Everything here runs on the main thread; the threads it starts (full
/// disk, store reader, slow clients, health probe) share only their own locked state.
final class FaultSoak {
    let o: SoakOptions
    var rng: SplitMix64
    let began = monotonicNow()
    let directory: String
    let data: String
    let agent: AgentUnderTest
    let life = AgentLife()
    let pty: PtyFeed
    let tcp: TCPFeed
    var apiPort = 0
    /// Why the full disk is skipped, when it is.
    var fullDiskSkipped: String?
    var window: FullDiskWindow?

    // Counters for the table.
    var sent: [Feed: Int] = [.pty: 0, .tcp: 0]
    var hangups: [Feed: Int] = [.pty: 0, .tcp: 0]
    var kills = 0
    var killsWithBytesInFlight = 0
    /// How each kill was timed: "frozen" (the piece written into the tty of the stopped agent),
    /// "at once" (right after the piece), "random" (up to 20 ms after it).
    var killMoments: [String: Int] = [:]
    /// TCP kills whose first moment found bytes sent on TCP not yet journaled.
    var killsMovedOn = 0
    /// Kills made although the TCP journal stayed behind what was sent (bytes lost before).
    var forcedKills = 0
    /// Bytes written to each feed (the noise included): each journal's stream must reach this.
    var sentBytes: [Feed: Int64] = [:]
    var journals: [Feed: JournalProbe] = [:]
    var restartSeconds: [Double] = []
    var recordsFedWhileFull = 0
    var expectedPortOpens = 0
    var noise: [[UInt8]] = []
    var journalSummary = ""
    /// Pending journal entries a restarted agent completed (a kill caught it reading the tty).
    var recoveredEntries = 0

    init(options: SoakOptions) {
        o = options
        rng = SplitMix64(seed: options.seed)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-soak-\(getpid())").path
        data = directory + "/data"
        agent = AgentUnderTest(
            path: URL(fileURLWithPath: options.agentPath).standardizedFileURL.path, config: directory + "/soak.yaml", log: directory + "/agent.log")
        guard FileManager.default.isExecutableFile(atPath: agent.path) else {
            print("soak: no agent binary at \(agent.path) (build it: swift build -c release --product smdr-agent, or give --agent PATH)")
            exit(1)
        }
        do {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            Teardown.shared.track(directory: directory)
            pty = try PtyFeed(link: directory + "/ttyPBX")
            tcp = try TCPFeed()
        } catch {
            print("soak: cannot set up in \(directory): \(error)")
            exit(1)
        }
    }

    func fail(_ message: String) -> Never { Teardown.shared.fail(message) }

    /// One line in `faults.log` of the temporary directory: which record each fault struck, to
    /// look up in the journal (`smdr-agent journal show`) when a record goes missing.
    func note(_ line: String) {
        let text = String(format: "%8.3f ", monotonicNow() - began) + line + "\n"
        if faultLog == nil {
            _ = FileManager.default.createFile(atPath: directory + "/faults.log", contents: nil)
            faultLog = FileHandle(forWritingAtPath: directory + "/faults.log")
        }
        faultLog?.write(Data(text.utf8))
    }

    var faultLog: FileHandle?

    func run() -> Int32 {
        setUp()
        let schedule = makeSchedule()
        startAgent()
        // The noise goes first on the TCP source, before its first record; the agent detects the
        // format once records come and sends the noise to quarantine.
        for line in noise { write(.tcp, line) }
        let reader = StoreReader(agentPath: agent.path, dataDirectory: data, scratch: directory)
        reader.start()
        let slow = o.slowClients > 0 ? SlowClients(port: apiPort, count: o.slowClients, seconds: o.slowSeconds, life: life) : nil
        let health = slow.map { _ in HealthProbe(port: apiPort, life: life) }
        feedRecords(schedule, slow: slow, health: health)

        Phase.current.set("ending: waiting for the slow clients and the full disk to end")
        let slowTally = slow?.join()
        let healthTally = health?.stop()
        let disk = window?.join()
        Phase.current.set("ending: waiting for the agent to read and store everything")
        guard pty.drain(timeout: 60) else { fail("the agent did not read the pty's last \(pty.unread) bytes in 60 s") }
        guard tcp.drained(timeout: 60) else { fail("the agent did not read the TCP connection's last bytes in 60 s: \(tcp.queueState)") }
        waitForStoredEverything(timeout: 60)
        let readerTally = reader.stop()
        life.down()
        Phase.current.set("ending: SIGTERM")
        let stopped = agent.stop(timeout: 60)
        tcp.drop()

        Phase.current.set("counting")
        var problems: [String] = []
        let count = countStore()
        // Every byte sent must be in its source's journal (the store is built from it).
        var journalRows: [String] = []
        for f in Feed.allCases {
            let sent = sentBytes[f, default: 0], have = journaled(f)
            journalRows.append("\(f.rawValue) \(have == sent ? "all" : "\(have) of") \(grouped(Int(sent))) bytes sent")
            if have != sent { problems.append("the \(f.rawValue) journal holds \(have) of the \(sent) bytes sent") }
        }
        journalSummary = journalRows.joined(separator: ", ")
        recoveredEntries = agent.log.count("are recovered")
        let seconds = monotonicNow() - began
        if count.lost > 0 { problems.append("\(count.lost) records lost") }
        if count.duplicated > 0 { problems.append("\(count.duplicated) records duplicated") }
        if count.unexpected > 0 { problems.append("\(count.unexpected) unexpected records in the store") }
        if readerTally.failures > 0 { problems.append("\(readerTally.failures) reader runs failed") }
        if let h = healthTally, h.failed > 0 { problems.append("\(h.failed) health checks failed") }
        if let e = disk?.error { problems.append("full disk: \(e)") }
        if stopped != .exited(0) { problems.append("the agent's SIGTERM stop: \(stopped.map { "\($0)" } ?? "did not exit in 60 s")") }

        printTable(count: count, reader: readerTally, slow: slowTally, health: healthTally, disk: disk, seconds: seconds, problems: problems)
        Teardown.shared.finish(success: problems.isEmpty, keep: o.keep)
        return problems.isEmpty ? 0 : 1
    }

    // MARK: Setting up

    func setUp() {
        signal(SIGPIPE, SIG_IGN)
        raiseOpenFileLimit()
        print("soak: agent \(agent.path), seed \(o.seed), directory \(directory)")
        if o.fullDiskSeconds <= 0 {
            fullDiskSkipped = "not asked (--full-disk 0)"
        } else if geteuid() != 0 {
            fullDiskSkipped = "needs root to mount a tmpfs"
        } else if let e = Tmpfs.mount(at: data, size: o.tmpfsSize) {
            fullDiskSkipped = "cannot mount a tmpfs on \(data): \(e)"
        } else {
            Teardown.shared.track(tmpfs: data)
            window = FullDiskWindow(directory: data, seconds: o.fullDiskSeconds, log: agent.log)
        }
        if let why = fullDiskSkipped { print("full disk: skipped (\(why))") }
        guard let port = freeAPIPort(using: &rng) else { fail("no free port for the agent's API") }
        apiPort = port
        for f in Feed.allCases { journals[f] = JournalProbe(directory: data + "/journal/" + f.rawValue) }
        noise = noiseLines(o.noiseLines, using: &rng)
        let config = """
            # Written by smdr-soak: a pty source (a serial port, its format named) and a TCP source
            # (the soak plays the PBX; no format: detected after the noise), the API on a free port.
            data_dir: \(data)
            timezone: UTC
            sources:
              - id: pty
                device: \(pty.link)
                serial: 9600,8N1
                format: avaya-ipo
              - id: tcp
                connect: 127.0.0.1:\(tcp.port)
            api:
              listen: 127.0.0.1:\(apiPort)

            """
        guard FileManager.default.createFile(atPath: agent.config, contents: Data(config.utf8)) else { fail("cannot write \(agent.config)") }
        startInterruptHandler()
        startWatchdog()
    }

    /// 500 sockets and the agent's own files need more than the usual 1,024 descriptors; the agent
    /// inherits the raised limit.
    func raiseOpenFileLimit() {
        var r = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0 else { return }
        r.rlim_cur = r.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &r)
        if Int(clamping: r.rlim_cur) < o.slowClients + 256 {
            print("soak: the open-files limit is \(r.rlim_cur) (hard): \(o.slowClients) slow clients may not all connect")
        }
    }

    func startInterruptHandler() {
        for s in [SIGINT, SIGTERM] {
            signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { Teardown.shared.fail("interrupted") }
            source.resume()
            signalSources.append(source)
        }
    }

    var signalSources: [any DispatchSourceSignal] = []

    /// A hung agent (or soak) must not hang `make soak`: past the deadline, stop with what we have.
    func startWatchdog() {
        let seconds = o.deadlineSeconds
        let t = Thread {
            sleepSeconds(seconds)
            Teardown.shared.fail("no end after \(Int(seconds)) s; stuck at: \(Phase.current.description)")
        }
        t.name = "watchdog"
        t.start()
    }

    // MARK: The schedule of faults

    struct Schedule {
        /// Record index → the faults that become due there (deferred while the disk is full).
        var kills: Set<Int> = []
        var hangups: [Int: Feed] = [:]
        var slowClientsAt: Int?
        var fullDiskAt: Int?
    }

    /// Random record positions, away from the first and last 1 % (the start is format detection
    /// and noise; at the end the faults must still have records after them).
    func makeSchedule() -> Schedule {
        var s = Schedule()
        let margin = max(64, o.records / 100)
        let range = margin..<(o.records - margin)
        while s.kills.count < min(o.kills, range.count / 4) { s.kills.insert(Int.random(in: range, using: &rng)) }
        let share: [Feed: Int] = [.pty: (o.hangups + 1) / 2, .tcp: o.hangups / 2]
        for f in Feed.allCases {
            var placed = 0
            while placed < min(share[f] ?? 0, range.count / 8) {
                let k = Int.random(in: range, using: &rng)
                guard feed(of: k) == f, s.hangups[k] == nil, !s.kills.contains(k) else { continue }
                s.hangups[k] = f
                placed += 1
            }
        }
        if o.slowClients > 0 { s.slowClientsAt = o.records / 20 }
        if window != nil { s.fullDiskAt = o.records * 2 / 5 }
        return s
    }

    // MARK: Feeding

    func write(_ f: Feed, _ bytes: [UInt8]) {
        sentBytes[f, default: 0] += Int64(bytes.count)
        do {
            switch f {
            case .pty: try pty.write(bytes)
            case .tcp: try tcp.write(bytes)
            }
        } catch {
            fail("\(error)")
        }
    }

    func feedRecords(_ schedule: Schedule, slow: SlowClients?, health: HealthProbe?) {
        var pendingKills = 0
        var pendingHangups: [Feed: Int] = [.pty: 0, .tcp: 0]
        let tenth = max(1, o.records / 10)
        for k in 0..<o.records {
            let f = feed(of: k)
            if k % chunk == 0 { Phase.current.set("feeding record \(k)") }
            if k == schedule.slowClientsAt {
                note("slow clients: \(o.slowClients) for \(Int(o.slowSeconds)) s, from record \(k)")
                slow?.start()
                health?.start()
            }
            if k == schedule.fullDiskAt {
                note("full disk: filling the tmpfs at record \(k)")
                window?.begin()
            }
            if schedule.kills.contains(k) { pendingKills += 1 }
            if let h = schedule.hangups[k] { pendingHangups[h, default: 0] += 1 }
            if window?.isFull == true { recordsFedWhileFull += 1 }

            // Every record is written in two pieces cut at a random byte; a fault (one per record at
            // most) strikes between them.
            let r = record(k)
            let cut = Int.random(in: 1..<(r.count - 1), using: &rng)
            let faultsAllowed = window?.holdsFaults != true
            if faultsAllowed && pendingHangups[f, default: 0] > 0 {
                write(f, Array(r[..<cut]))
                note("hang-up \(hangups.values.reduce(0, +) + 1) at record \(k) (\(f.rawValue), call id \(callID(k)), cut at byte \(cut))")
                hangUp(f)
                pendingHangups[f, default: 0] -= 1
            } else if faultsAllowed && pendingKills > 0 {
                killAndRestart(f, record: k, firstPiece: Array(r[..<cut]))
                pendingKills -= 1
            } else {
                write(f, Array(r[..<cut]))
            }
            write(f, Array(r[cut...]))
            sent[f, default: 0] += 1

            // Pace the pty: let the agent keep up instead of filling the tty buffer for good.
            if f == .pty && k % chunk == chunk - 1 { pty.drain(below: 4096, timeout: 60) }
            if (k + 1) % tenth == 0 {
                print(String(format: "soak: %6d records, %2d hang-ups, %2d kills, %3.0f s", k + 1, hangups.values.reduce(0, +), kills, monotonicNow() - began))
            }
        }
        let left = pendingKills + pendingHangups.values.reduce(0, +)
        if left > 0 { print("soak: \(left) faults were still deferred when the records ran out") }
    }

    /// Waits for the agent to be back in full: the pty opened (the n-th "port open"), the TCP
    /// connection made, the API listening. Fails at once if the agent exits.
    func waitForAgent(_ what: String) {
        Phase.current.set("waiting for the agent: \(what)")
        let until = monotonicNow() + 30
        func check(_ done: () -> Bool, _ missing: String) {
            while !done() {
                var status: Int32 = 0
                if waitpid(agent.pid, &status, WNOHANG) == agent.pid {
                    fail("the agent exited (\(ExitStatus(raw: status))) \(what); see \(agent.log.path)")
                }
                if monotonicNow() > until { fail("\(missing) within 30 s \(what); see \(agent.log.path)") }
                usleep(5_000)
            }
        }
        check({ agent.log.count("port open") >= expectedPortOpens }, "the pty was not opened")
        check({ tcp.connection >= 0 || tcp.accept(timeout: 0.05) }, "no TCP connection")
        check({ agent.log.count("API listening on") >= agent.starts }, "the API did not listen")
    }

    func startAgent() {
        do { try agent.start() } catch { fail("\(error)") }
        expectedPortOpens += 1
        waitForAgent("at the first start")
        life.up()
    }

    /// A pulled cable in mid-record. The pty is drained first (a hang-up discards what the tty still
    /// holds); a TCP close delivers what was sent before the close.
    func hangUp(_ f: Feed) {
        switch f {
        case .pty:
            guard pty.drain(timeout: 30) else { fail("the agent did not read the pty (\(pty.unread) bytes) within 30 s before a hang-up") }
            do { try pty.hangUpAndReplace() } catch { fail("\(error)") }
            expectedPortOpens += 1
        case .tcp:
            tcp.drop()
        }
        hangups[f, default: 0] += 1
        waitForAgent("after hang-up \(hangups.values.reduce(0, +)) (\(f.rawValue))")
    }

    /// SIGKILL in mid-record, at a random moment. On a pty record, one of three: the agent stopped
    /// (SIGSTOP, wherever it was) and the record's first piece written into the tty, so it dies with
    /// bytes waiting that the tty keeps for the next process; at once after the piece, while the
    /// agent is likely reading it (a serial port is read straight into the journal file: no byte
    /// the tty gave up may be lost, README); or up to 20 ms after it. On a TCP record, up to 20 ms
    /// after the piece, at a moment every byte sent on TCP is journaled: bytes the kernel had
    /// acknowledged but the agent had not read, or read and not yet written, die with the process
    /// by design (README), so such a moment is moved on (the agent frozen, looked at, let go on for
    /// a few milliseconds) and the table counts how often.
    func killAndRestart(_ f: Feed, record k: Int, firstPiece: [UInt8]) {
        // What was sent on TCP is journaled first (a backlog after the full disk, the last chunk).
        waitForTCPJournaled()
        life.down()
        var moment = "random"
        var movedOn = 0
        switch (f, Int.random(in: 0..<3, using: &rng)) {
        case (.pty, 0):
            guard agent.freeze() else { fail("the agent (pid \(agent.pid)) did not stop on SIGSTOP within 5 s") }
            write(.pty, firstPiece)
            usleep(2_000)  // the tty's flip buffer reaches the line discipline without the agent
            moment = "frozen"
        case (.pty, 1):
            write(.pty, firstPiece)
            moment = "at once"
        case (.pty, _):
            write(.pty, firstPiece)
            usleep(UInt32.random(in: 0...20_000, using: &rng))
        case (.tcp, _):
            write(.tcp, firstPiece)
            usleep(UInt32.random(in: 0...20_000, using: &rng))
            movedOn = freezeWithTCPJournaled()
        }
        killMoments[moment, default: 0] += 1
        let unread = pty.unread
        if unread > 0 { killsWithBytesInFlight += 1 }
        note("kill \(kills + 1) at record \(k) (\(f.rawValue), call id \(callID(k)), cut at byte \(firstPiece.count)): \(moment), \(unread) bytes unread in the pty" + (movedOn > 0 ? ", \(movedOn) moments moved on" : ""))
        agent.kill()
        kills += 1
        pty.clearExclusive()
        tcp.drop()
        let t = monotonicNow()
        do { try agent.start() } catch { fail("\(error)") }
        expectedPortOpens += 1
        waitForAgent("after kill \(kills)")
        restartSeconds.append(monotonicNow() - t)
        life.up()
    }

    /// The stream offset each source's journal has reached.
    func journaled(_ f: Feed) -> Int64 { journals[f]?.end() ?? 0 }

    /// Waits (the agent running) until everything sent on TCP is in its journal. When it never is,
    /// bytes were lost before: noted, and the kill goes ahead (the count at the end tells).
    func waitForTCPJournaled() {
        let until = monotonicNow() + 10
        while journaled(.tcp) < sentBytes[.tcp, default: 0] {
            guard monotonicNow() < until else {
                forcedKills += 1
                note("the TCP journal stayed \(sentBytes[.tcp, default: 0] - journaled(.tcp)) bytes behind what was sent for 10 s (\(tcp.queueState))")
                return
            }
            usleep(1_000)
        }
    }

    /// Stops the agent at a moment every byte sent on TCP is journaled; returns how many moments
    /// were moved on to get there.
    func freezeWithTCPJournaled() -> Int {
        var movedOn = 0
        while true {
            guard agent.freeze() else { fail("the agent (pid \(agent.pid)) did not stop on SIGSTOP within 5 s") }
            let held = sentBytes[.tcp, default: 0] - journaled(.tcp)
            if held == 0 { break }
            guard movedOn < 1000 else {
                forcedKills += 1
                note("the TCP journal stayed \(held) bytes behind what was sent after \(movedOn) moments (\(tcp.queueState))")
                break
            }
            movedOn += 1
            Glibc.kill(agent.pid, SIGCONT)
            usleep(UInt32.random(in: 200...3_000, using: &rng))
        }
        if movedOn > 0 { killsMovedOn += 1 }
        return movedOn
    }

    /// Waits until `/health` shows no source lagging (every journaled byte stored). Only a note when
    /// it still lags: the SIGTERM stop stores everything journaled anyway, and the count tells.
    func waitForStoredEverything(timeout: Double) {
        let until = monotonicNow() + timeout
        var last = "no answer"
        while monotonicNow() < until {
            if case .success(let a) = httpGet(port: apiPort, path: "/health", timeout: 5) {
                let lags = a.body.components(separatedBy: "\"lag_bytes\":").dropFirst().map { Int($0.prefix { $0.isNumber }) ?? -1 }
                if !lags.isEmpty && lags.allSatisfy({ $0 == 0 }) { return }
                last = a.body
            }
            usleep(100_000)
        }
        print("soak: the agent still lagged after \(Int(timeout)) s: \(last.prefix(300))")
    }

    // MARK: Counting

    struct Count {
        var stored = 0
        var lost = 0
        var lostBy: [Feed: Int] = [:]
        var duplicated = 0
        var unexpected = 0
        var quarantined = 0
        var quarantinedNoise = 0
        var otherQuarantine: [String] = []
        var firstLost: [Int] = []
        var firstDuplicated: [Int] = []
    }

    /// Every record looked up by its raw text: stored once, or lost, or stored more than once.
    func countStore() -> Count {
        var c = Count()
        let store: CallStore
        do {
            store = try CallStore(path: data + "/smdr.sqlite", access: .readOnly)
        } catch {
            fail("cannot open the store: \(error)")
        }
        var seen: [String: Int] = [:]
        do {
            for line in try store.callsJSON() {
                c.stored += 1
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let raw = o["raw"] as? String else {
                    c.unexpected += 1
                    continue
                }
                seen[raw, default: 0] += 1
            }
        } catch {
            fail("cannot read the calls: \(error)")
        }
        var known = 0
        for k in 0..<o.records {
            let raw = String(decoding: record(k).dropLast(2), as: UTF8.self)
            switch seen[raw] ?? 0 {
            case 0:
                c.lost += 1
                c.lostBy[feed(of: k), default: 0] += 1
                if c.firstLost.count < 10 { c.firstLost.append(k) }
            case 1:
                known += 1
            case let n:
                known += 1
                c.duplicated += n - 1
                if c.firstDuplicated.count < 10 { c.firstDuplicated.append(k) }
            }
        }
        c.unexpected += seen.count - known
        // Quarantine: the noise lines (compared by their letters: control bytes may be shown
        // escaped) and anything else, which would be a framing fault.
        let noiseKeys = Set(noise.map { Self.letters(String(decoding: $0, as: UTF8.self)) })
        do {
            for q in try store.quarantined() {
                c.quarantined += 1
                if noiseKeys.contains(Self.letters(q.text)) {
                    c.quarantinedNoise += 1
                } else if c.otherQuarantine.count < 5 {
                    c.otherQuarantine.append("[\(q.source) offset \(q.offset)] \(q.reason): \(q.text.prefix(120))")
                }
            }
        } catch {
            fail("cannot read the quarantine: \(error)")
        }
        return c
    }

    static func letters(_ s: String) -> String { String(s.unicodeScalars.filter { $0.properties.isAlphabetic }.map(Character.init)) }

    // MARK: The table

    func printTable(
        count c: Count, reader: StoreReader.Tally, slow: SlowClients.Tally?, health: HealthProbe.Tally?, disk: FullDiskWindow.Outcome?, seconds: Double,
        problems: [String]
    ) {
        let n = grouped
        var rows: [(String, String)] = []
        rows.append(("records sent", "\(n(sent.values.reduce(0, +))) (pty \(n(sent[.pty] ?? 0)), tcp \(n(sent[.tcp] ?? 0))), each cut in two at a random byte"))
        rows.append(("hang-ups", "\(hangups.values.reduce(0, +)) in mid-record (pty \(hangups[.pty] ?? 0), tcp \(hangups[.tcp] ?? 0))"))
        let restart = restartSeconds.isEmpty ? "" : String(format: "; restart %.2f s average, %.2f s max", restartSeconds.reduce(0, +) / Double(restartSeconds.count), restartSeconds.max() ?? 0)
        rows.append(("SIGKILLs", "\(kills) in mid-record, each followed by a restart\(restart)"))
        var moments = "\(killMoments["frozen"] ?? 0) with the piece written into the stopped agent's tty, "
        moments += "\(killMoments["at once"] ?? 0) at once after the piece, \(killMoments["random"] ?? 0) up to 20 ms after it; "
        moments += "\(killsWithBytesInFlight) with bytes unread in the pty; \(killsMovedOn) TCP kills moved on to a moment all TCP bytes were journaled"
        if forcedKills > 0 { moments += "; \(forcedKills) made although the TCP journal stayed behind (faults.log)" }
        rows.append(("kill moments", moments))
        if let why = fullDiskSkipped {
            rows.append(("full disk", "skipped (\(why))"))
        } else if let d = disk {
            var text = String(format: "%.0f s on a %@ tmpfs (filler %@ MiB), %@ records fed while full", d.fullSeconds, o.tmpfsSize, n(d.fillerBytes >> 20), n(recordsFedWhileFull))
            text += d.heldSources.isEmpty ? "; no journal write failed (not full?)" : "; journal held on \(d.heldSources.joined(separator: ", "))"
            if let r = d.recoverySeconds { text += String(format: ", writing again %.1f s after the space came back", r) }
            if let e = d.error { text += "; \(e)" }
            rows.append(("full disk", text))
        }
        rows.append(("noise", "\(noise.count) lines before the first tcp record (format auto-detected)"))
        rows.append(("reader runs", "calls \(reader.callsRuns), report \(reader.reportRuns); failures \(reader.failures)"))
        if let s = slow, let h = health {
            var clients = String(format: "%d for %.0f s (half trickling a header, half silent), %d open at peak: ", s.target, s.seconds, s.peakOpen)
            clients += "\(n(s.opened)) connections, \(n(s.closedByAgent)) closed by the agent, \(n(s.endedByKill)) ended by kills, "
            clients += "\(n(s.refused)) refused while it restarted"
            rows.append(("slow API clients", clients))
            rows.append(("GET /health", String(format: "ok %d, failed %d, not counted %d (agent restarting); slowest %.3f s", h.ok, h.failed, h.notCounted, h.slowest)))
        }
        rows.append(("journals", journalSummary + "; pending entries completed after a kill (\"recovered\"): \(recoveredEntries)"))
        rows.append(("stored", n(c.stored)))
        rows.append(("lost", "\(c.lost)" + (c.lost > 0 ? " (pty \(c.lostBy[.pty] ?? 0), tcp \(c.lostBy[.tcp] ?? 0))" : "")))
        rows.append(("duplicated", "\(c.duplicated)"))
        rows.append(("unexpected", "\(c.unexpected)"))
        rows.append(("quarantined", "\(c.quarantined) (expected \(noise.count): \(c.quarantinedNoise) of them noise lines)"))
        rows.append(("time", String(format: "%.0f s", seconds)))
        rows.append(("result", problems.isEmpty ? "PASS" : "FAIL: " + problems.joined(separator: "; ")))
        let width = rows.map(\.0.count).max() ?? 0
        print("")
        for (k, v) in rows { print(k.padding(toLength: width + 2, withPad: " ", startingAt: 0) + v) }
        if !c.firstLost.isEmpty { print("first lost records: \(c.firstLost.map { "#\($0) (\(feed(of: $0).rawValue), call id \(callID($0)))" }.joined(separator: ", "))") }
        if !c.firstDuplicated.isEmpty { print("first duplicated records: \(c.firstDuplicated.map { "#\($0) (call id \(callID($0)))" }.joined(separator: ", "))") }
        for q in c.otherQuarantine { print("quarantined, not noise: \(q)") }
        for f in reader.failureNotes { print("reader failure: \(f)") }
        for f in health?.failureNotes ?? [] { print("health failure: \(f)") }
    }
}
