import Foundation
import SMDRCore
import SMDRRuntime
import SMDRSerial
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The wire between a PBX's UART and the agent's. A pty carries bytes, not a line signal, so the
/// PBX side plays the wire: it encodes each byte at the PBX's speed and framing (start bit, data
/// LSB first, parity, stop bits), and decodes the signal as the agent's UART would at the speed
/// and framing the agent is listening with. When both match, the bytes pass unchanged; when they
/// do not, the agent gets what a real port would give it: other bytes, NULs for framing errors.
/// (The speed the agent sets is on the pty's termios; the framing is not, as Linux ptys force
/// CS8 without parity, so the detector announces each setting it tries.)
struct UARTWire {
    struct Frame: Equatable {
        var baud: Int
        var dataBits: Int
        var parity: SerialSettings.Parity
        var stopBits: Int

        init(_ s: SerialSettings) {
            baud = s.baud
            dataBits = s.dataBits
            parity = s.parity
            stopBits = s.stopBits
        }
    }

    /// The bits of `bytes` as the sender's UART puts them on the line (true = mark, idle).
    static func signal(_ bytes: [UInt8], _ f: Frame) -> [Bool] {
        var bits = [true, true]
        for b in bytes {
            bits.append(false)
            var ones = 0
            for k in 0..<f.dataBits {
                let bit = (b >> k) & 1 == 1
                bits.append(bit)
                if bit { ones += 1 }
            }
            switch f.parity {
            case .none: break
            case .even: bits.append(ones % 2 == 1)
            case .odd: bits.append(ones % 2 == 0)
            }
            bits += Array(repeating: true, count: f.stopBits)
        }
        return bits + [true, true]
    }

    /// What a UART set to `rx` reads from `bytes` sent with `tx`.
    static func decode(_ bytes: [UInt8], sent tx: Frame, received rx: Frame) -> [UInt8] {
        if tx == rx { return bytes }
        let line = signal(bytes, tx)
        let txBit = 1 / Double(tx.baud), rxBit = 1 / Double(rx.baud)
        let end = Double(line.count) * txBit
        func level(_ t: Double) -> Bool {
            let i = Int(t / txBit)
            return i < 0 || i >= line.count ? true : line[i]
        }
        var out: [UInt8] = []
        var t = 0.0
        while t < end {
            guard !level(t) else {
                t += rxBit / 16
                continue
            }
            // A start bit: sampled in the middle of each of the receiver's bits.
            guard !level(t + rxBit / 2) else {
                t += rxBit / 16
                continue
            }
            var value: UInt8 = 0
            for k in 0..<rx.dataBits where level(t + (1.5 + Double(k)) * rxBit) { value |= 1 << k }
            let stopAt = t + (1.5 + Double(rx.dataBits + (rx.parity == .none ? 0 : 1))) * rxBit
            // A framing error (no stop bit) is delivered as NUL, as Linux does by default.
            out.append(level(stopAt) ? value : 0)
            t = stopAt + rxBit / 2
        }
        return out
    }
}

/// A PBX printing its capture over and over through the wire, until stopped.
final class SimulatedPBX: @unchecked Sendable {
    let pty: PseudoTerminal
    let lines: [[UInt8]]
    let frame: UARTWire.Frame
    private let lock = NSLock()
    private var stopped = false
    /// What the agent's UART is set to (the detector says before each try).
    private var receiver: UARTWire.Frame

    func receiverIs(_ s: SerialSettings) { lock.withLock { receiver = UARTWire.Frame(s) } }

    init(pty: PseudoTerminal, capture: String, settings: String) throws {
        self.pty = pty
        frame = UARTWire.Frame(try SerialSettings(settings))
        receiver = UARTWire.Frame(try SerialSettings("38400,8N1"))
        let text = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Samples/\(capture)"), encoding: .utf8)
        lines = text.split(separator: "\n", omittingEmptySubsequences: true).filter { !$0.hasPrefix("#") }.prefix(30)
            .map { Array(($0.hasSuffix("\r") ? String($0.dropLast()) : String($0)).utf8) + [0x0D, 0x0A] }
        Thread {
            while !self.isStopped {
                for l in self.lines where !self.isStopped {
                    let rx = self.lock.withLock { self.receiver }
                    pty.write(UARTWire.decode(l, sent: self.frame, received: rx))
                    usleep(15_000)
                }
            }
        }.start()
    }

    var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
}

struct PortDetectionTests {
    /// The wire itself: matching settings pass bytes unchanged; 7E1 read as 8N1 sets high bits;
    /// 1200 baud read at 9600 is not text.
    @Test func theSimulatedWireBehavesLikeAUART() throws {
        let text = Array("2026/11/04 09:12:00,00:00:40,4,201\r\n".utf8)
        let s9600 = UARTWire.Frame(try SerialSettings("9600,8N1")), s1200e = UARTWire.Frame(try SerialSettings("1200,7E1"))
        #expect(UARTWire.decode(text, sent: s9600, received: s9600) == text)
        #expect(UARTWire.decode(text, sent: s1200e, received: UARTWire.Frame(try SerialSettings("1200,7E1"))) == text)
        // Same speed, other framing: 7E1's parity bit read as an eighth data bit.
        let asEight = UARTWire.decode(text, sent: s1200e, received: UARTWire.Frame(try SerialSettings("1200,8N1")))
        #expect(asEight.count == text.count && asEight.contains { $0 >= 0x80 })
        #expect(!LineQuality(UARTWire.decode(text + text + text, sent: s1200e, received: s9600)).isText)
    }

    /// Five families' captures, each printed at 1200 7E1, 9600 8N1 and 19200 8N1: the detector
    /// finds the speed, the framing and the format.
    @Test(arguments: [
        ("avaya-ipoffice/kb-examples.smdr", "avaya-ipo"), ("panasonic/kx-tda-pattern-b-darfo.smdr", "panasonic"),
        ("mitel/mivb-standard.smdr", "mitel"), ("siemens/hipath3000-getaccount.smdr", "siemens-hipath"),
        ("alcatel-oxe/ed52-ethernet.smdr", "alcatel-oxe"),
    ])
    func speedFramingAndFormatAreFound(capture: String, format: String) throws {
        for settings in ["1200,7E1", "9600,8N1", "19200,8N1"] {
            let pty = try PseudoTerminal()
            let pbx = try SimulatedPBX(pty: pty, capture: capture, settings: settings)
            defer { pbx.stop() }
            var tries: [String] = []
            let verdict = try PortDetector(listenSeconds: 0.6).detect(path: pty.slavePath, trying: pbx.receiverIs) { s, q in
                tries.append("\(s): \(q)")
            }
            guard case .found(let found, let id, _) = verdict else {
                Issue.record("\(capture) at \(settings): \(verdict); tried \(tries)")
                continue
            }
            #expect(found?.description.hasPrefix(settings) == true, "\(capture) printed at \(settings), found \(found)")
            #expect(id == format, "\(capture) at \(settings): format \(id ?? "none")")
        }
    }

    /// A PBX at a speed the detector does not try (57600): every setting gives bytes, none gives
    /// text, and the verdict says so instead of naming a format.
    @Test func aStreamAtAnotherSpeedIsReportedAsGarbage() throws {
        let pty = try PseudoTerminal()
        let pbx = try SimulatedPBX(pty: pty, capture: "avaya-ipoffice/kb-examples.smdr", settings: "57600,8N1")
        defer { pbx.stop() }
        var tried = 0
        let verdict = try PortDetector(listenSeconds: 0.3).detect(path: pty.slavePath, trying: pbx.receiverIs) { _, q in
            tried += 1
            #expect(!q.isText)
        }
        #expect(tried == PortDetector.candidates.count)
        guard case .garbage(let bytes) = verdict else {
            Issue.record("\(verdict)")
            return
        }
        #expect(bytes > 0)
    }
}
