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
        /// Text in lines at `settings` (nil on a socket); `format` when a known format reads the lines.
        case found(settings: SerialSettings?, format: String?, lines: [String])
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
                if PortDetector.heardEnough(received, halfTimeGone: Date() > until.addingTimeInterval(-listenSeconds / 2)) { break }
            }
            port.close()
            let whole = PortDetector.wholeLines(received)
            let quality = LineQuality(whole)
            report(settings, quality)
            total += received.count
            if quality.isText {
                let lines = PortDetector.lines(whole)
                return .found(settings: settings, format: format(of: lines), lines: lines)
            }
        }
        return total == 0 ? .silent : .garbage(bytes: total)
    }

    /// A PBX's TCP output (a PBX that prints on a socket, or a serial server): connects, sends the
    /// login lines (Panasonic: `SMDR`, then the password), listens, and names the format of what
    /// came. `settings` in the verdict is nil: a socket has no speed.
    public func detect(host: String, port: Int, login: [String], report: (LineQuality) -> Void = { _ in }) throws -> Verdict {
        let fd = try Socket.connect(host: host, port: port, timeout: 5)
        defer { close(fd) }
        for line in login { Socket.send(fd, Array((line + "\r\n").utf8)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let until = Date().addingTimeInterval(listenSeconds)
        reading: while Date() < until {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { received += buffer[0..<n] } else if n == 0 || (errno != EAGAIN && errno != EINTR) { break reading }
            if PortDetector.heardEnough(received, halfTimeGone: Date() > until.addingTimeInterval(-listenSeconds / 2)) { break reading }
        }
        let whole = PortDetector.wholeLines(received)
        let quality = LineQuality(whole)
        report(quality)
        if received.isEmpty { return .silent }
        guard quality.isText else { return .garbage(bytes: received.count) }
        let lines = PortDetector.lines(whole)
        return .found(settings: nil, format: format(of: lines), lines: lines)
    }

    /// Whether listening longer at this setting would change nothing: enough lines of text to name
    /// the format, or, past half the listening time, plenty of bytes that are not text (not
    /// sooner: bytes a UART or adapter still held from the previous setting come first). A PBX
    /// prints only when calls end, so otherwise the whole listening time is waited.
    static func heardEnough(_ received: [UInt8], halfTimeGone: Bool) -> Bool {
        let quality = LineQuality(wholeLines(received))
        if quality.isText && quality.lines >= FormatDetector.sampleSize { return true }
        return halfTimeGone && quality.bytes >= 2048 && quality.printable < 0.8
    }

    /// The format of lines read some other way (a capture given instead of listening).
    public func format(of lines: [String]) -> String? {
        FormatDetector.detect(Array(lines.prefix(FormatDetector.sampleSize)), among: formats)?.id
    }

    /// The bytes from the first line end on: listening may have started in the middle of a line.
    static func wholeLines(_ received: [UInt8]) -> [UInt8] {
        let start = received.firstIndex { $0 == 0x0A || $0 == 0x0D }.map { $0 + 1 } ?? 0
        return Array(received[start...])
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
    }
}
