import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Another process reading the store for the whole run, as an accountant's report would while the
/// agent collects: `smdr-agent calls` and `smdr-agent report` in turn, output thrown away. They open
/// the store read-only and must never fail, whatever the agent is going through (killed, restarting,
/// disk full).
final class StoreReader: Sendable {
    struct Tally: Sendable {
        var callsRuns = 0
        var reportRuns = 0
        var failures = 0
        /// The first failures: command, status and what it printed.
        var failureNotes: [String] = []
    }

    let agentPath: String
    let dataDirectory: String
    let scratch: String
    private let state = Mutex((stop: false, running: false, tally: Tally()))

    init(agentPath: String, dataDirectory: String, scratch: String) {
        self.agentPath = agentPath
        self.dataDirectory = dataDirectory
        self.scratch = scratch
    }

    func start() {
        state.withLock { $0.running = true }
        let t = Thread { self.loop() }
        t.name = "store reader"
        t.start()
    }

    /// Asks the loop to end after the command in progress, and waits for it.
    func stop() -> Tally {
        state.withLock { $0.stop = true }
        while state.withLock({ $0.running }) { usleep(20_000) }
        return state.withLock { $0.tally }
    }

    private func loop() {
        let commands: [(name: String, arguments: [String])] = [
            ("calls", ["calls", "--data-dir", dataDirectory]),
            ("report", ["report", "--data-dir", dataDirectory, "--from", "2026-11-01", "--to", "2026-11-30", "--timezone", "UTC"]),
        ]
        let errors = scratch + "/reader.stderr"
        var turn = 0
        while !state.withLock({ $0.stop }) {
            let c = commands[turn % commands.count]
            turn += 1
            unlink(errors)
            var note: String?
            do {
                let pid = try spawn(agentPath, c.arguments, stdout: "/dev/null", stderr: errors)
                if let status = waitExit(pid), status != .exited(0) {
                    let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
                    note = "\(c.name): \(status): \(said.trimmingCharacters(in: .whitespacesAndNewlines).prefix(400))"
                }
            } catch {
                note = "\(c.name): \(error)"
            }
            state.withLock {
                if c.name == "calls" { $0.tally.callsRuns += 1 } else { $0.tally.reportRuns += 1 }
                if let note {
                    $0.tally.failures += 1
                    if $0.tally.failureNotes.count < 5 { $0.tally.failureNotes.append(note) }
                }
            }
            if let note { print("soak: reader failed: \(note)") }
            usleep(300_000)
        }
        state.withLock { $0.running = false }
    }
}
