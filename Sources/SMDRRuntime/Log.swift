import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Log lines journald reads: `<priority>` prefix (sd-daemon levels), one write(2) per line so
/// threads never interleave, to stderr.
public enum Log {
    public enum Level: Int, Sendable {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
    }

    nonisolated(unsafe) public static var minimum: Level = .info

    public static func write(_ level: Level, _ message: String, source: String? = nil) {
        guard level.rawValue <= minimum.rawValue else { return }
        let line = "<\(level.rawValue)>" + (source.map { "[\($0)] " } ?? "") + message + "\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    public static func info(_ m: String, source: String? = nil) { write(.info, m, source: source) }
    public static func notice(_ m: String, source: String? = nil) { write(.notice, m, source: source) }
    public static func warning(_ m: String, source: String? = nil) { write(.warning, m, source: source) }
    public static func error(_ m: String, source: String? = nil) { write(.error, m, source: source) }
}

/// Logs the first failures of a kind, then only every `every`-th, then once "recovered"
/// (NUT's ser_comm_fail / ser_comm_good), so a pulled cable does not flood the journal.
struct FailureLog {
    let every: Int
    private(set) var count = 0

    init(every: Int = 20) { self.every = every }

    mutating func failed(_ message: String, source: String) {
        count += 1
        if count <= 3 || count % every == 0 {
            Log.warning(message + (count > 3 ? " (\(count) times)" : ""), source: source)
        }
    }

    mutating func recovered(_ message: String, source: String) {
        if count > 0 { Log.notice(message, source: source) }
        count = 0
    }
}

/// Nanoseconds since the Unix epoch, for receive times.
func nowNanos() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// Seconds on the monotonic clock, for timers and backoff.
func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
