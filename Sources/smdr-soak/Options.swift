import Foundation

/// The soak's settings. The defaults are the numbers; the others exist to try a fault
/// alone or to replay a run (`--seed` fixes record splits, fault positions and noise).
struct SoakOptions: Sendable {
    var agentPath = ".build/release/smdr-agent"
    var records = 100_000
    var hangups = 50
    var kills = 50
    var fullDiskSeconds = 30.0
    /// Large enough for 100,000 records' journal and store (≈ 200 MB, most of it SQLite and its WAL).
    var tmpfsSize = "512m"
    var slowClients = 500
    var slowSeconds = 60.0
    var noiseLines = 20
    var seed = UInt64.random(in: 1...UInt64.max)
    /// Past this the soak gives up, keeping what it has for inspection (a hung agent must not hang `make soak`).
    var deadlineSeconds = 900.0
    /// Keep the temporary directory (logs, journal, store) even when the soak passes.
    var keep = false

    static let usage = """
        usage: smdr-soak [--agent PATH] [--records N] [--hangups N] [--kills N] [--full-disk SECONDS]
                         [--tmpfs-size SIZE] [--slow-clients N] [--slow-seconds SECONDS] [--noise N]
                         [--seed N] [--deadline SECONDS] [--keep]
        """

    static func parse(_ arguments: [String]) -> SoakOptions {
        var o = SoakOptions()
        var i = 1
        func value() -> String {
            guard i + 1 < arguments.count else { usageError("\(arguments[i]) needs a value") }
            i += 1
            return arguments[i]
        }
        func number<T: LosslessStringConvertible & Comparable>(_ minimum: T) -> T {
            let name = arguments[i]
            let text = value()
            guard let n = T(text), n >= minimum else { usageError("\(name): expected a number ≥ \(minimum), found '\(text)'") }
            return n
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--agent": o.agentPath = value()
            case "--records": o.records = number(1000)
            case "--hangups": o.hangups = number(0)
            case "--kills": o.kills = number(0)
            case "--full-disk": o.fullDiskSeconds = number(0.0)
            case "--tmpfs-size": o.tmpfsSize = value()
            case "--slow-clients": o.slowClients = number(0)
            case "--slow-seconds": o.slowSeconds = number(0.0)
            case "--noise": o.noiseLines = number(0)
            case "--seed": o.seed = number(UInt64(0))
            case "--deadline": o.deadlineSeconds = number(10.0)
            case "--keep": o.keep = true
            case "-h", "--help":
                print(usage)
                exit(0)
            default: usageError("unknown argument '\(arguments[i])'")
            }
            i += 1
        }
        return o
    }

    static func usageError(_ message: String) -> Never {
        FileHandle.standardError.write(Data("smdr-soak: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
}

/// A seedable generator (SplitMix64), so a failing run can be replayed with its `--seed`.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seconds on the monotonic clock.
func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func sleepSeconds(_ s: Double) {
    guard s > 0 else { return }
    usleep(UInt32(min(s, 4000) * 1_000_000))
}
