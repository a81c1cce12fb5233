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

    private let rounds: Rounds<Tally>

    init(agentPath: String, dataDirectory: String, scratch: String) {
        let commands: [(name: String, arguments: [String])] = [
            ("calls", ["calls", "--data-dir", dataDirectory]),
            ("report", ["report", "--data-dir", dataDirectory, "--from", "2026-11-01", "--to", "2026-11-30", "--timezone", "UTC"]),
        ]
        let errors = scratch + "/reader.stderr"
        let turn = Mutex(0)
        rounds = Rounds(name: "store reader", tally: Tally()) {
            let c = turn.withLock { t in
                defer { t += 1 }
                return commands[t % commands.count]
            }
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
            if let note { print("soak: reader failed: \(note)") }
            usleep(300_000)
            let failure = note
            return { tally in
                if c.name == "calls" { tally.callsRuns += 1 } else { tally.reportRuns += 1 }
                if let failure {
                    tally.failures += 1
                    if tally.failureNotes.count < 5 { tally.failureNotes.append(failure) }
                }
            }
        }
    }

    func start() { rounds.start() }

    /// Asks the loop to end after the command in progress, and waits for it.
    func stop() -> Tally { rounds.stop() }
}
