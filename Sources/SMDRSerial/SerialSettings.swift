/// Port settings as one compact string, the way ser2net writes them: `9600,8N1`, `1200,7E1`,
/// `19200,8N1,rtscts`, `9600,8N1,xonxoff`. The same text is used in configuration, logs and tests.
public struct SerialSettings: Sendable, Equatable, CustomStringConvertible {
    public enum Parity: Character, Sendable { case none = "N", even = "E", odd = "O" }
    public enum FlowControl: String, Sendable { case none, rtscts, xonxoff }

    public var baud: Int
    public var dataBits: Int
    public var parity: Parity
    public var stopBits: Int
    public var flow: FlowControl

    public static let supportedBauds = [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200]

    public init(baud: Int = 9600, dataBits: Int = 8, parity: Parity = .none, stopBits: Int = 1, flow: FlowControl = .none) {
        self.baud = baud
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
        self.flow = flow
    }

    public init(_ text: String) throws {
        let parts = text.split(separator: ",").map { String($0).filter { $0 != " " } }
        guard parts.count >= 2, let baud = Int(parts[0]) else {
            throw SerialError.settings("'\(text)': expected BAUD,BITS PARITY STOP such as 9600,8N1 (optionally ,rtscts or ,xonxoff)")
        }
        guard SerialSettings.supportedBauds.contains(baud) else {
            throw SerialError.settings("'\(text)': baud rate \(baud) is not one of \(SerialSettings.supportedBauds.map(String.init).joined(separator: ", "))")
        }
        let frame = Array(parts[1].uppercased())
        guard frame.count == 3, let bits = Int(String(frame[0])), (5...8).contains(bits), let parity = Parity(rawValue: frame[1]),
            let stop = Int(String(frame[2])), stop == 1 || stop == 2
        else {
            throw SerialError.settings("'\(text)': frame '\(parts[1])' must be data bits 5-8, parity N/E/O, stop bits 1/2 (e.g. 8N1, 7E1)")
        }
        var flow = FlowControl.none
        for option in parts.dropFirst(2) {
            guard let f = FlowControl(rawValue: option.lowercased()) else {
                throw SerialError.settings("'\(text)': unknown option '\(option)' (rtscts or xonxoff)")
            }
            flow = f
        }
        self.init(baud: baud, dataBits: bits, parity: parity, stopBits: stop, flow: flow)
    }

    public var description: String {
        "\(baud),\(dataBits)\(parity.rawValue)\(stopBits)" + (flow == .none ? "" : ",\(flow.rawValue)")
    }
}

public enum SerialError: Error, CustomStringConvertible, Equatable {
    case settings(String)
    case open(path: String, errno: Int32, hint: String)
    case busy(path: String)
    case configure(path: String, what: String, errno: Int32)

    public var description: String {
        switch self {
        case .settings(let s): "serial settings \(s)"
        case .open(let path, let e, let hint): "cannot open \(path): \(String(cString: strerror(e)))\(hint.isEmpty ? "" : " (\(hint))")"
        case .busy(let path): "\(path) is already in use by another program (another smdr-agent, ModemManager, a terminal?): only one reader may hold an SMDR port"
        case .configure(let path, let what, let e): "cannot configure \(path) (\(what)): \(String(cString: strerror(e)))"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
