import SMDRSerial

/// One place the agent collects from.
public struct SourceConfig: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A serial port, by node, /dev/serial/by-id or by-path name.
        case serial(path: String, settings: SerialSettings)
        /// Connect to the PBX (OmniPCX Enterprise 2533, Panasonic 2300, Mitel 1752).
        case tcpClient(host: String, port: Int, login: [String])
        /// The PBX connects to us (Avaya IP Office).
        case tcpListener(host: String, port: Int)
    }

    /// Stable id: the journal directory and the `source` of every stored record.
    public var id: String
    public var kind: Kind
    /// Format id, or nil / `auto` to detect it from the first lines.
    public var format: String?
    /// Silence longer than this raises a "quiet" alarm (a pulled cable looks like a quiet night).
    public var quietAfterSeconds: Double?

    public init(id: String, kind: Kind, format: String? = nil, quietAfterSeconds: Double? = nil) {
        self.id = id
        self.kind = kind
        self.format = format
        self.quietAfterSeconds = quietAfterSeconds
    }

    public var summary: String {
        switch kind {
        case .serial(let path, let s): "serial \(path) \(s)"
        case .tcpClient(let h, let p, _): "tcp client \(h):\(p)"
        case .tcpListener(let h, let p): "tcp listener \(h):\(p)"
        }
    }
}
