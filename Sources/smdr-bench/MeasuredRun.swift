import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process's cost as `wait4` reports it: wall time, CPU time (user + system) and peak
/// resident memory, so `make bench` can print the agent and a reference side by side.
struct MeasuredRun {
    var wall: Double
    var cpu: Double
    var maxRSSKB: Int
    var status: Int32

    /// Runs `path args…` with stdout and stderr to /dev/null; nil if it cannot start.
    static func run(_ path: String, _ args: [String]) -> MeasuredRun? {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let t0 = Date()
        guard posix_spawnp(&pid, path, &actions, nil, argv, environ) == 0 else { return nil }
        // Peak memory from the child's own VmHWM, sampled while it runs: wait4's ru_maxrss would
        // include this process's peak, which a spawned child inherits at exec.
        var peakKB = 0
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            guard r == 0 else { return nil }
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kb = Int(line.split(separator: " ").dropFirst().first ?? "")
            {
                peakKB = max(peakKB, kb)
            }
            usleep(10_000)
        }
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return MeasuredRun(wall: Date().timeIntervalSince(t0), cpu: cpu, maxRSSKB: peakKB, status: status)
    }
}
