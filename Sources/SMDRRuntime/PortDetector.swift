import Foundation
import SMDRCore
import SMDRSerial

/// Listens to a serial port at each usual speed and framing in turn and says which one carries
/// readable text, and which format it is: the installer's first question on site. A PBX prints
/// only when calls end, so each setting is listened to for a while; a capture can be given
/// instead of waiting.
public struct PortDetector: Sendable {
    /// The settings tried, the most common first (Panasonic, Avaya, NEC at 9600 8N1; Alcatel,
    /// older Siemens at 1200 7E1).
    public static let candidates = [
        "9600,8N1", "1200,7E1", "19200,8N1", "2400,7E1", "4800,8N1", "38400,8N1", "1200,8N1", "9600,7E1", "4800,7E1", "2400,8N1",
    ].compactMap { try? SerialSettings($0) }

    public enum Verdict: Sendable {
        /// Text in lines at `settings`; `format` when a known format reads the lines.
        case found(settings: SerialSettings, format: String?, lines: [String])
        /// Bytes came at every setting, none of them text: a speed or framing not tried, or noise.
        case garbage(bytes: Int)
        /// Nothing came at all: the PBX printed nothing (no call ended), or the cable is wrong.
        case silent
    }

    public var listenSeconds: Double
    public var formats: [FormatHandle]

    public init(listenSeconds: Double = 10, formats: [FormatHandle] = FormatHandle.builtIn) {
        self.listenSeconds = listenSeconds
        self.formats = formats
    }

    /// Tries each candidate until one gives text. `trying` is told each setting before the port
    /// is set to it (a simulated line in tests: a pty cannot carry a framing); `report` is told
    /// what each gave.
    public func detect(
        path: String, candidates: [SerialSettings] = PortDetector.candidates, trying: (SerialSettings) -> Void = { _ in },
        report: (SerialSettings, LineQuality) -> Void = { _, _ in }
    ) throws -> Verdict {
        var total = 0
        for settings in candidates {
            trying(settings)
            let port = try SerialPort(path: path, settings: settings)
            port.discardInput()
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            let until = Date().addingTimeInterval(listenSeconds)
            while Date() < until {
                guard port.wait(timeoutMillis: 50, wakeFD: -1) else { continue }
                if case .data(let n) = buffer.withUnsafeMutableBytes({ port.read(into: $0) }) { received += buffer[0..<n] }
            }
            port.close()
            // The port may have opened in the middle of a line: scored from the first line end.
            let start = received.firstIndex { $0 == 0x0A || $0 == 0x0D }.map { $0 + 1 } ?? 0
            let quality = LineQuality(Array(received[start...]))
            report(settings, quality)
            total += received.count
            if quality.isText {
                let whole = String(decoding: received[start...], as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                let format = FormatDetector.detect(Array(whole.prefix(FormatDetector.sampleSize)), among: formats)
                return .found(settings: settings, format: format?.id, lines: whole)
            }
        }
        return total == 0 ? .silent : .garbage(bytes: total)
    }
}
