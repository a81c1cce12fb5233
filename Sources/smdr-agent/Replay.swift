import ArgumentParser
import Foundation
import SMDRSerial

#if canImport(Glibc)
import Glibc
#endif

/// Reading captures for replay: raw SMDR text (sent line by line) or the journal's export format
/// (`<seconds>\t<escaped bytes>` per received chunk, which keeps the original timing).
enum Replay {
    struct Chunk {
        var at: Double?
        var bytes: [UInt8]
    }

    /// Raw text cut after each LF (terminators kept), metadata header lines dropped.
    static func rawLines(_ data: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var current: [UInt8] = []
        var header = true
        for b in data {
            current.append(b)
            if b == 0x0A || b == 0x03 {
                if header && current.first == UInt8(ascii: "#") {
                    current = []
                    continue
                }
                header = false
                out.append(current)
                current = []
            }
        }
        if !current.isEmpty && !(header && current.first == UInt8(ascii: "#")) { out.append(current) }
        return out
    }

    static func unescape(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 1 < u.count {
                if u[i + 1] == UInt8(ascii: "x"), i + 3 < u.count, let v = UInt8(String(decoding: u[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) {
                    out.append(v)
                    i += 4
                    continue
                }
                if u[i + 1] == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                    i += 2
                    continue
                }
            }
            out.append(u[i])
            i += 1
        }
        return out
    }

    static func escape(_ bytes: [UInt8]) -> String {
        var s = ""
        for b in bytes {
            if b == UInt8(ascii: "\\") {
                s += "\\\\"
            } else if b < 0x20 || b >= 0x7F {
                s += "\\x" + String(b, radix: 16, uppercase: true).leftPadded(2)
            } else {
                s.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return s
    }

    static func load(_ path: String) throws -> [Chunk] {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let text = String(decoding: data, as: UTF8.self)
        let firstLine = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        if let tab = firstLine.firstIndex(of: "\t"), Double(firstLine[..<tab]) != nil {
            return text.split(separator: "\n").compactMap { line in
                guard let tab = line.firstIndex(of: "\t"), let t = Double(line[..<tab]) else { return nil }
                return Chunk(at: t, bytes: unescape(line[line.index(after: tab)...]))
            }
        }
        return rawLines(data).map { Chunk(at: nil, bytes: $0) }
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Write a capture into a serial device or a new pty, with its timing, as a PBX would.",
        discussion: """
            A raw capture is sent line by line, --interval seconds apart. A journal export \
            (smdr-agent journal export) keeps the receive times of the original.
            """
    )

    @Argument(help: "Capture file: raw SMDR text, or a journal export.")
    var capture: String
    @Option(help: "Write into this serial device.")
    var device: String?
    @Option(help: "Settings for --device.")
    var serial: String = "9600,8N1"
    @Flag(help: "Create a pty and print its path.")
    var pty = false
    @Option(help: "With --pty: also make this symlink point at the pty (a stable path for the agent).")
    var link: String?
    @Option(help: "Time compression: 10 = ten times faster.")
    var speed: Double = 1
    @Flag(help: "Keep the capture's own timing (same as --speed 1).")
    var realtime = false
    @Option(help: "Seconds between lines of a raw capture (before --speed).")
    var interval: Double = 1
    @Option(help: "Seconds to wait before the first byte (let the reader open the port).")
    var delay: Double = 1

    func validate() throws {
        guard (device != nil) != pty else { throw ValidationError("give exactly one of --device PATH or --pty") }
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
    }

    func run() throws {
        let chunks = try Replay.load(capture)
        var write: ([UInt8]) -> Void
        var terminal: PseudoTerminal?
        var port: SerialPort?
        var fd: Int32 = -1
        if pty {
            let t = try PseudoTerminal()
            terminal = t
            if let link {
                unlink(link)
                symlink(t.slavePath, link)
            }
            print("pty: \(t.slavePath)")
            write = { t.write($0) }
        } else {
            let opened = try SerialPort(path: device!, settings: try SerialSettings(serial))
            port = opened
            fd = opened.fd
            write = { writeAll(fd, $0) }
        }
        let factor = realtime ? 1 : speed
        let start = monotonicNow() + delay
        let base = chunks.first?.at ?? 0
        for (k, c) in chunks.enumerated() {
            // Absolute deadlines, so sleep jitter never accumulates.
            let due = start + ((c.at ?? Double(k) * interval) - base) / factor
            let wait = due - monotonicNow()
            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
            write(c.bytes)
        }
        if let t = terminal {
            // Let the reader drain what was written before hanging up.
            let until = monotonicNow() + 5
            while t.unread > 0 && monotonicNow() < until { usleep(20_000) }
            usleep(200_000)
            t.hangUp()
            if let link { unlink(link) }
        }
        if fd >= 0 { tcdrain(fd) }
        port?.close()
    }
}

func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
