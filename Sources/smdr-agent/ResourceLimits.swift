import Foundation
import SMDRLive
import SMDRRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The process limits that make the agent fail in ways SQLite reports only as "disk I/O error":
/// the file-size limit (`ulimit -f`), open files (`ulimit -n`) and free space in the data directory.
struct ResourceLimits {
    var fileSize: UInt64?
    var openFiles: UInt64?

    static func current() -> ResourceLimits {
        // Past the file-size limit a write is refused (EFBIG) instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        var r = rlimit()
        var out = ResourceLimits()
        if getrlimit(Int32(RLIMIT_FSIZE.rawValue), &r) == 0, r.rlim_cur != rlim_t.max { out.fileSize = UInt64(r.rlim_cur) }
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0 {
            // The soft limit is ours to raise up to the hard one, as daemons do: API clients get a
            // share of it and capture keeps the rest.
            if r.rlim_cur < r.rlim_max {
                var raised = r
                raised.rlim_cur = r.rlim_max
                if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { r = raised }
            }
            if r.rlim_cur != rlim_t.max { out.openFiles = UInt64(r.rlim_cur) }
        }
        return out
    }

    /// Descriptors kept for capture whatever the API's clients do: each source's port or socket
    /// and its journal segment, the store (database, WAL, shared memory, for each reader the agent
    /// opens), udev, the printer, webhooks and the log, with room to spare.
    static func reservedDescriptors(sources: Int) -> Int { 128 + 4 * sources }

    /// How many API connections the agent holds at once: `api.max_connections` (1,000 when not
    /// set), lowered so that the descriptors capture needs are always there.
    func apiConnections(configured: Int?, sources: Int) throws -> Int {
        let wanted = configured ?? ConnectionLimits.defaultMaxConnections
        guard wanted >= 1 else { throw AgentError("api.max_connections must be at least 1, got \(wanted)") }
        guard let open = openFiles else { return wanted }
        let room = Int(clamping: open) - ResourceLimits.reservedDescriptors(sources: sources)
        guard room >= 16 else {
            throw AgentError(
                "the open-files limit is \(open) (ulimit -n): \(ResourceLimits.reservedDescriptors(sources: sources)) are kept for capture, "
                    + "which leaves no room for API clients; raise it (LimitNOFILE= in the unit) or run without the API")
        }
        if room < wanted { Log.warning("api.max_connections lowered to \(room): the open-files limit is \(open) and capture keeps \(open - UInt64(room))") }
        return min(wanted, room)
    }

    func freeBytes(_ path: String) -> UInt64? {
        var st = statvfs()
        var dir = path
        while !FileManager.default.fileExists(atPath: dir), dir != "/" { dir = (dir as NSString).deletingLastPathComponent }
        guard statvfs(dir, &st) == 0 else { return nil }
        return UInt64(st.f_bavail) * UInt64(st.f_frsize)
    }

    /// What to warn about before starting.
    func warnings(dataDirectory: String) -> [String] {
        var out: [String] = []
        if let f = fileSize, f < 1 << 30 {
            out.append("the file-size limit is \(f) bytes (ulimit -f): the store and journal in \(dataDirectory) cannot grow past it")
        }
        if let n = openFiles, n < 512 {
            out.append("the open-files limit is \(n) (ulimit -n): ports, the store and API clients share it")
        }
        if let free = freeBytes(dataDirectory), free < 64 << 20 {
            out.append("only \(free / 1024) KiB free for \(dataDirectory): the journal holds the line when the disk is full")
        }
        return out
    }

    /// A hint added to a start-up failure.
    func hint(dataDirectory: String) -> String {
        let w = warnings(dataDirectory: dataDirectory)
        return w.isEmpty ? "" : " (" + w.joined(separator: "; ") + ")"
    }
}
