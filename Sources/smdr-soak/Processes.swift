import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Held while starting a child and while creating a descriptor that cannot be created
/// close-on-exec at once (accept), so no child inherits one of the soak's descriptors.
let spawnLock = Mutex(())

struct SpawnError: Error, CustomStringConvertible {
    let description: String
}

/// Starts a program with stdin from /dev/null and stdout and stderr appended to files.
/// posix_spawn rather than Foundation's Process: the soak reaps its children itself (waitpid, with
/// timeouts), and the signals the soak ignores or handles (SIGPIPE, SIGINT, SIGTERM) are back to their
/// defaults in the child.
func spawn(_ path: String, _ arguments: [String], stdout: String, stderr: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGPIPE, SIGINT, SIGTERM] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let rc = spawnLock.withLock { _ in posix_spawn(&pid, path, &actions, &attributes, argv, environ) }
    guard rc == 0 else { throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(rc)))") }
    return pid
}

/// How a child ended.
enum ExitStatus: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(raw: Int32) {
        self = raw & 0x7f == 0 ? .exited((raw >> 8) & 0xff) : .signaled(raw & 0x7f)
    }

    var description: String {
        switch self {
        case .exited(let c): "exit \(c)"
        case .signaled(let s): "signal \(s)"
        }
    }
}

/// Waits for `pid` to end; nil when it is still running after `timeout` seconds.
func waitExit(_ pid: pid_t, timeout: Double? = nil) -> ExitStatus? {
    var status: Int32 = 0
    guard let timeout else {
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return nil }
        }
        return ExitStatus(raw: status)
    }
    let until = monotonicNow() + timeout
    while monotonicNow() < until {
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { return ExitStatus(raw: status) }
        if r < 0 && errno != EINTR { return nil }
        usleep(10_000)
    }
    return nil
}

/// The agent's log (stderr of every run, appended): what it says tells the soak when a port is
/// open again, a TCP connection made, the API listening, the journal writing again.
struct AgentLog: Sendable {
    let path: String

    var text: String {
        guard let d = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: d, as: UTF8.self)
    }

    /// Bytes in the log now, to read only what came after.
    var size: Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    func lines(from offset: Int = 0) -> [Substring] {
        let t = text
        let utf8 = t.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: min(offset, utf8.count))
        return t[start...].split(separator: "\n")
    }

    func count(_ needle: String) -> Int { lines().filter { $0.contains(needle) }.count }
}

/// The agent binary under test, run with the soak's configuration file. Used from the main
/// thread; only its pid is read elsewhere (by the teardown).
final class AgentUnderTest: @unchecked Sendable {
    let path: String
    let config: String
    let log: AgentLog
    private let running = Mutex<pid_t>(0)
    private(set) var starts = 0

    init(path: String, config: String, log: String) {
        self.path = path
        self.config = config
        self.log = AgentLog(path: log)
    }

    var pid: pid_t { running.withLock { $0 } }

    func start() throws {
        let p = try spawn(path, ["run", "--config", config], stdout: log.path, stderr: log.path)
        running.withLock { $0 = p }
        Teardown.shared.track(agent: p)
        starts += 1
    }

    /// SIGKILL: no chance to flush or close anything.
    func kill() {
        let p = pid
        guard p > 0 else { return }
        Glibc.kill(p, SIGKILL)
        _ = waitExit(p)
        running.withLock { $0 = 0 }
        Teardown.shared.track(agent: 0)
    }

    /// SIGSTOP, returning once every thread is stopped (delivery is asynchronous: a thread running on
    /// the other core would otherwise still read what is written next). False after 5 s.
    func freeze() -> Bool {
        let p = pid
        guard p > 0, Glibc.kill(p, SIGSTOP) == 0 else { return false }
        let until = monotonicNow() + 5
        while monotonicNow() < until {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(p)/task")) ?? []
            let states = tasks.compactMap { readProcFile("/proc/\(p)/task/\($0)/stat").flatMap(Self.state) }
            if !states.isEmpty && states.count == tasks.count && states.allSatisfy({ $0 == "T" }) { return true }
            usleep(200)
        }
        return false
    }

    /// The state letter of a /proc stat line: the field after the parenthesised command name.
    private static func state(_ stat: String) -> Character? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].first { $0 != " " }
    }

    /// SIGTERM, as systemd stops it; nil when it has not exited after `timeout` (then it is killed).
    func stop(timeout: Double) -> ExitStatus? {
        let p = pid
        guard p > 0 else { return nil }
        Glibc.kill(p, SIGTERM)
        let status = waitExit(p, timeout: timeout)
        if status == nil {
            Glibc.kill(p, SIGKILL)
            _ = waitExit(p)
        }
        running.withLock { $0 = 0 }
        Teardown.shared.track(agent: 0)
        return status
    }
}

/// Whether the agent is running and serving, for the health probe: a check made across a kill
/// and restart is not counted (the API is down by design while the process is dead).
final class AgentLife: Sendable {
    private let state = Mutex((up: false, epoch: 0))

    func up() { state.withLock { $0.up = true } }

    func down() {
        state.withLock {
            $0.up = false
            $0.epoch += 1
        }
    }

    /// The current life's number, or nil while the agent is down or restarting.
    var epoch: Int? { state.withLock { $0.up ? $0.epoch : nil } }
}

/// What must be undone however the soak ends: the agent killed (the one running, never a pid
/// already reaped), the tmpfs copied out (for
/// inspection, on failure) and unmounted, the temporary directory kept or removed.
final class Teardown: Sendable {
    static let shared = Teardown()

    private struct State {
        var agent: pid_t = 0
        var tmpfs: String?
        var directory: String?
        var finished = false
    }

    private let state = Mutex(State())

    func track(agent: pid_t) { state.withLock { $0.agent = agent } }
    func track(tmpfs: String?) { state.withLock { $0.tmpfs = tmpfs } }
    func track(directory: String) { state.withLock { $0.directory = directory } }

    /// Kills the agent, keeps the data (copied off the tmpfs), prints where, and exits 1.
    func fail(_ message: String) -> Never {
        print("soak: FAILED: \(message)")
        finish(success: false)
        exit(1)
    }

    /// Unmounts the tmpfs (after copying its contents into the kept directory on failure) and
    /// removes the temporary directory on success. Runs once; a second caller waits for exit.
    func finish(success: Bool, keep: Bool = false) {
        let s = state.withLock { s -> State? in
            if s.finished { return nil }
            s.finished = true
            return s
        }
        guard let s else {
            while true { pause() }
        }
        if s.agent > 0 && Glibc.kill(s.agent, 0) == 0 {
            Glibc.kill(s.agent, SIGKILL)
            _ = waitExit(s.agent, timeout: 5)
        }
        if let mount = s.tmpfs {
            unlink(mount + "/" + FullDiskWindow.fillerName)  // when stopped while the disk was full
            if !success || keep, let dir = s.directory {
                let copy = dir + "/data-kept"
                do {
                    try FileManager.default.copyItem(atPath: mount, toPath: copy)
                    print("soak: the tmpfs data directory was copied to \(copy)")
                } catch {
                    print("soak: could not copy the tmpfs data directory: \(error)")
                }
            }
            Tmpfs.unmount(mount)
        }
        guard let dir = s.directory else { return }
        if success && !keep {
            try? FileManager.default.removeItem(atPath: dir)
        } else {
            print("soak: kept \(dir) for inspection (agent.log, soak.yaml, data)")
        }
    }
}
