import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The data directory on its own small tmpfs, so the soak can fill it without touching the host's
/// disks. Needs root (CAP_SYS_ADMIN).
enum Tmpfs {
    /// Mounts a tmpfs of `size` (e.g. `512m`) on `path`; the error text when it cannot.
    static func mount(at path: String, size: String) -> String? {
        let rc = "size=\(size),mode=0755".withCString { Glibc.mount("tmpfs", path, "tmpfs", 0, $0) }
        return rc == 0 ? nil : String(cString: strerror(errno))
    }

    /// Best effort: a lazy unmount when something still holds a file open.
    static func unmount(_ path: String) {
        if umount(path) != 0 { _ = umount2(path, Int32(MNT_DETACH)) }
    }
}

/// The full-disk fault: fills the tmpfs with a filler file until ENOSPC, keeps it full for a
/// while as records keep coming (the agent must hold the line, not drop), deletes the filler, then
/// waits for the agent to say, per source that failed, that its journal writes again. Faults are
/// held off for the whole window: a SIGKILL while the journal cannot write loses the bytes held in
/// memory by design, and a pty hang-up would discard what the line is holding back.
final class FullDiskWindow: Sendable {
    struct Outcome: Sendable {
        var fillerBytes = 0
        var fullSeconds = 0.0
        /// Sources whose journal writes failed while the disk was full.
        var heldSources: [String] = []
        /// From the filler's deletion to the last "journal writes again".
        var recoverySeconds: Double?
        var error: String?
    }

    private struct State {
        var active = false
        var full = false
        var outcome = Outcome()
    }

    static let fillerName = "filler"
    let directory: String
    let seconds: Double
    let log: AgentLog
    private let state = Mutex(State())

    init(directory: String, seconds: Double, log: AgentLog) {
        self.directory = directory
        self.seconds = seconds
        self.log = log
    }

    /// True from `begin()` until the agent has recovered: no kills, no hang-ups meanwhile.
    var holdsFaults: Bool { state.withLock { $0.active } }
    var isFull: Bool { state.withLock { $0.full } }

    func begin() {
        state.withLock { $0.active = true }
        let t = Thread { self.run() }
        t.name = "full disk"
        t.start()
    }

    /// Waits for the window to end (at once if it never began).
    func join() -> Outcome {
        while true {
            let s = state.withLock { ($0.active, $0.outcome) }
            if !s.0 { return s.1 }
            usleep(50_000)
        }
    }

    private func run() {
        var outcome = Outcome()
        defer {
            state.withLock {
                $0.outcome = outcome
                $0.full = false
                $0.active = false
            }
        }
        let filler = directory + "/" + Self.fillerName
        let logStart = log.size
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            outcome.error = "cannot create \(filler): \(String(cString: strerror(errno)))"
            return
        }
        // Big pieces first, then pages, until not one more byte fits.
        for piece in [1 << 20, 4096, 1] {
            let block = [UInt8](repeating: 0x5a, count: piece)
            while true {
                let n = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    outcome.fillerBytes += n
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                break
            }
        }
        close(fd)
        let fullAt = monotonicNow()
        state.withLock { $0.full = true }
        sleepSeconds(seconds)
        unlink(filler)
        let freedAt = monotonicNow()
        outcome.fullSeconds = freedAt - fullAt
        state.withLock { $0.full = false }
        // Recovered when every source that could not journal has said it writes again.
        let until = freedAt + 30
        while true {
            var failing = Set<String>(), recovered = Set<String>()
            for line in log.lines(from: logStart) {
                guard let id = Self.source(of: line) else { continue }
                if line.contains("cannot journal") { failing.insert(id) }
                if line.contains("journal writes again") { recovered.insert(id) }
            }
            outcome.heldSources = failing.sorted()
            if failing.isSubset(of: recovered) {
                outcome.recoverySeconds = monotonicNow() - freedAt
                return
            }
            guard monotonicNow() < until else {
                outcome.error = "no \"journal writes again\" from \(failing.subtracting(recovered).sorted().joined(separator: ", ")) 30 s after the space came back"
                return
            }
            usleep(20_000)
        }
    }

    /// The source id of a log line, `<4>[pty] …` → `pty`.
    static func source(of line: Substring) -> String? {
        guard let open = line.firstIndex(of: "["), let close = line[open...].firstIndex(of: "]") else { return nil }
        return String(line[line.index(after: open)..<close])
    }
}
