import Foundation
import SMDRCalls
import SMDRCore
import SMDRPrepaid
import SMDRRating
import SMDRSerial
import Yams

/// The agent's YAML configuration file.
///
/// ```yaml
/// data_dir: /var/lib/smdr-agent
/// timezone: Europe/Paris
/// sources:
///   - id: reception-pbx
///     device: /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0
///     serial: 9600,8N1
///     format: alcatel-oxo
///     quiet_after: 7200        # seconds of silence before a "quiet" alarm
///   - id: ipoffice
///     listen: 0.0.0.0:9000     # Avaya IP Office connects to us
///     format: avaya-ipo
///   - id: panasonic
///     connect: 192.0.2.10:2300
///     login: [SMDR, PCCSMDR]
/// ```
public struct AgentConfig: Sendable {
    public var dataDirectory: String?
    public var timeZone: String?
    public var sources: [SourceConfig]
    /// Custom formats (YAML) the sources may name, as absolute paths (`formats:` in the file).
    public var formatFiles: [String] = []
    /// Tariff and business codes for rating as calls arrive.
    public var tariff: String?
    public var accounts: String?
    /// Automatic taxation tickets (printer, layout, policy).
    public var tickets: Tickets?
    /// The live side: API, stations (recall and limits), alerts, webhooks.
    public var api: API?
    public var stations: [String: StationSettings] = [:]
    public var alerts: [AlertRule] = []
    public var webhooks: [Webhook] = []
    public var calls: Calls?
    /// Prepaid accounts (see ``PrepaidPlan``).
    public var prepaid: PrepaidPlan?

    /// ```yaml
    /// api:
    ///   listen: 127.0.0.1:8080      # loopback by default; wider needs tokens
    ///   tokens:
    ///     - { name: reception, role: operate, token: "…" }
    ///   max_connections: 1000       # past it the longest-idle client is closed
    /// ```
    public struct API: Decodable, Sendable {
        public var listen: String?
        public var tokens: [Token]?
        public var max_connections: Int?
        public struct Token: Decodable, Sendable {
            public var name: String?
            public var role: String
            public var token: String
        }
    }

    /// ```yaml
    /// webhooks:
    ///   - name: crm
    ///     url: https://crm.example/smdr
    ///     secret: "…"               # HMAC-SHA256 key (X-SMDR-Signature)
    ///     events: [recall, alert]   # default: all
    ///     destinations: [reception] # recalls for these destinations only
    ///     retry_initial: 1          # seconds, doubled per failure…
    ///     retry_max: 300            # …up to this
    ///     give_up_after: 259200     # seconds (72 h), then failed and an alert
    /// ```
    public struct Webhook: Decodable, Sendable {
        public var name: String
        public var url: String
        public var secret: String?
        public var events: [String]?
        public var destinations: [String]?
        public var retry_initial: Double?
        public var retry_max: Double?
        public var give_up_after: Double?
        public var timeout: Double?
    }

    /// ```yaml
    /// calls:
    ///   quiet_seconds: { default: 120, panasonic: 300 }   # formats with no continuation marker
    ///   default_max_duration: 3600                        # stations with no max_duration
    /// ```
    public struct Calls: Decodable, Sendable {
        public var quiet_seconds: [String: Int64]?
        public var default_max_duration: Int?
    }

    public struct Tickets: Decodable, Sendable {
        public var printer: String
        public var layout: String?
        public var columns: Int?
        public var language: String?
        public var company: String?
        /// `none`, `all`, `external`, `cost>1.00`, `duration>300`, `prefixes:00,089`.
        public var `default`: String?
        public var stations: [String: String]?
        public var accounts: [String]?
    }

    struct File: Decodable {
        var tickets: Tickets?
        var api: API?
        var stations: [String: StationSettings]?
        var alerts: [AlertRule]?
        var webhooks: [Webhook]?
        var calls: Calls?
        var prepaid: PrepaidPlan.File?
        var data_dir: String?
        var timezone: String?
        var tariff: String?
        var accounts: String?
        var formats: [String]?
        var sources: [Entry]
    }

    struct Entry: Decodable {
        var id: String?
        var device: String?
        var serial: String?
        var connect: String?
        var listen: String?
        var login: [String]?
        var format: String?
        var quiet_after: Double?
    }

    public static func load(path: String) throws -> AgentConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError("\(path): cannot read: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Reads a configuration strictly: every problem of the file at once, each with its line and
    /// column (unknown keys at any depth, wrong types, values that cannot work: a time zone that
    /// does not exist, a duplicate source id, a format nobody knows).
    public static func parse(_ text: String, file: String) throws -> AgentConfig {
        let reader = StrictYAML(file: file)
        let decoded: File?
        do {
            decoded = try reader.decodeCollecting(File.self, from: text)
        } catch let e as YAMLProblems {
            throw ConfigError(e.problems)
        }
        guard let raw = decoded else { throw ConfigError(reader.problems) }
        var problems = reader.problems
        func fail(_ path: String, _ why: String) {
            if !reader.reported(path) { problems.append(reader.problem(at: path, why)) }
        }

        if let zone = raw.timezone, TimeZone(identifier: zone) == nil {
            fail("timezone", "'\(zone)' is not a time zone (an IANA name such as Europe/Paris or UTC)")
        }
        // Custom formats, named relative to the configuration's folder.
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        var formatFiles: [String] = []
        var catalog = FormatCatalog.builtIn
        for (k, path) in (raw.formats ?? []).enumerated() {
            let full = path.hasPrefix("/") ? path : folder.appendingPathComponent(path).path
            formatFiles.append(full)
            do { try catalog.add(file: full) } catch { fail("formats[\(k)]", "\(error)") }
        }
        var sources: [SourceConfig] = []
        var seen: [String: Int] = [:]
        for (k, e) in raw.sources.enumerated() {
            let id = e.id ?? "source\(k + 1)"
            if let first = seen[id] {
                fail("sources[\(k)].id", "'\(id)' is already the id of sources[\(first)]: each source needs its own (its journal and records are kept by it)")
            }
            seen[id] = seen[id] ?? k
            if let f = e.format, f != "auto", catalog.handle(id: f) == nil {
                fail("sources[\(k)].format", catalog.unknown(f))
            }
            let kinds = [e.device != nil, e.connect != nil, e.listen != nil].filter { $0 }.count
            guard kinds == 1 else {
                fail("sources[\(k)]", "give exactly one of device, connect or listen")
                continue
            }
            var kind: SourceConfig.Kind
            if let device = e.device {
                do {
                    kind = .serial(path: device, settings: try SerialSettings(e.serial ?? "9600,8N1"))
                } catch {
                    fail("sources[\(k)].serial", "\(error)")
                    continue
                }
            } else if let c = e.connect {
                guard let (h, p) = hostPort(c) else {
                    fail("sources[\(k)].connect", "expected HOST:PORT")
                    continue
                }
                kind = .tcpClient(host: h, port: p, login: e.login ?? [])
            } else {
                guard let l = e.listen, let (h, p) = hostPort(l) else {
                    fail("sources[\(k)].listen", "expected HOST:PORT")
                    continue
                }
                kind = .tcpListener(host: h, port: p)
            }
            sources.append(SourceConfig(id: id, kind: kind, format: e.format, quietAfterSeconds: e.quiet_after))
        }
        for (k, t) in (raw.api?.tokens ?? []).enumerated() where !["read", "operate", "admin"].contains(t.role) {
            fail("api.tokens[\(k)].role", "read, operate or admin")
        }
        for (k, w) in (raw.webhooks ?? []).enumerated() where !(w.url.hasPrefix("http://") || w.url.hasPrefix("https://")) {
            fail("webhooks[\(k)].url", "an http:// or https:// URL")
        }
        if let l = raw.api?.listen, hostPort(l, anyPort: true) == nil { fail("api.listen", "expected HOST:PORT") }
        if let n = raw.api?.max_connections, n < 1 { fail("api.max_connections", "at least 1") }
        for (k, rule) in (raw.alerts ?? []).enumerated() {
            if let amount = rule.costOver, Money(amount) == nil { fail("alerts[\(k)].cost_over", "'\(amount)' is not \(Money.inputRule)") }
        }
        var c = AgentConfig(
            dataDirectory: raw.data_dir, timeZone: raw.timezone, sources: sources, tariff: raw.tariff, accounts: raw.accounts, tickets: raw.tickets)
        c.formatFiles = formatFiles
        c.api = raw.api
        c.stations = raw.stations ?? [:]
        c.alerts = raw.alerts ?? []
        c.webhooks = raw.webhooks ?? []
        c.calls = raw.calls
        if let p = raw.prepaid {
            do { c.prepaid = try PrepaidPlan.make(p) } catch { fail("prepaid", "\(error)") }
        }
        guard problems.isEmpty else { throw ConfigError(problems) }
        return c
    }

    /// `HOST:PORT`, `[v6]:PORT` or `:PORT`; port 0 (any free port, for a listener) only with `anyPort`.
    public static func hostPort(_ s: String, anyPort: Bool = false) -> (String, Int)? {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), ((anyPort ? 0 : 1)...65535).contains(port) else { return nil }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

/// What is wrong with a configuration: every problem, each with file, line and column.
public struct ConfigError: Error, CustomStringConvertible {
    public let problems: [YAMLProblem]
    public let description: String
    public init(_ d: String) {
        problems = []
        description = d
    }
    public init(_ problems: [YAMLProblem]) {
        let sorted = YAMLProblems(problems).problems
        self.problems = sorted
        description = sorted.map(\.description).joined(separator: "\n")
    }
}
