import Foundation

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
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0, r.rlim_cur != rlim_t.max { out.openFiles = UInt64(r.rlim_cur) }
        return out
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
        if let n = openFiles, n < 1024 {
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
