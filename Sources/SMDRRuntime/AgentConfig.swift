import Foundation
import SMDRCalls
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

    /// The line where `needle` first appears, for error messages.
    static func line(of needle: String, in text: String) -> Int? {
        for (k, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where l.contains(needle) { return k + 1 }
        return nil
    }

    public static func parse(_ text: String, file: String) throws -> AgentConfig {
        let raw: File
        do {
            raw = try YAMLDecoder().decode(File.self, from: text)
        } catch let e as YamlError {
            throw ConfigError("\(file): not valid YAML: \(e)")
        } catch let DecodingError.keyNotFound(key, ctx) {
            let path = (ctx.codingPath + [key]).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw ConfigError("\(file): missing key '\(path)'")
        } catch let DecodingError.typeMismatch(_, ctx) {
            let key = ctx.codingPath.last?.stringValue ?? ""
            let path = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw ConfigError("\(file):\(line(of: key + ":", in: text).map(String.init) ?? "?"): key '\(path)': wrong type (\(ctx.debugDescription))")
        } catch {
            throw ConfigError("\(file): \(error)")
        }
        var sources: [SourceConfig] = []
        for (k, e) in raw.sources.enumerated() {
            let id = e.id ?? "source\(k + 1)"
            func fail(_ key: String, _ value: String?, _ why: String) -> ConfigError {
                let at = value.flatMap { line(of: $0, in: text) } ?? line(of: key + ":", in: text)
                return ConfigError("\(file):\(at.map(String.init) ?? "?"): key 'sources[\(k)].\(key)': \(why)")
            }
            let kinds = [e.device != nil, e.connect != nil, e.listen != nil].filter { $0 }.count
            guard kinds == 1 else { throw fail("device", nil, "give exactly one of device, connect or listen") }
            var kind: SourceConfig.Kind
            if let device = e.device {
                do {
                    kind = .serial(path: device, settings: try SerialSettings(e.serial ?? "9600,8N1"))
                } catch {
                    throw fail("serial", e.serial, "\(error)")
                }
            } else if let c = e.connect {
                guard let (h, p) = hostPort(c) else { throw fail("connect", c, "expected HOST:PORT") }
                kind = .tcpClient(host: h, port: p, login: e.login ?? [])
            } else {
                guard let l = e.listen, let (h, p) = hostPort(l) else { throw fail("listen", e.listen, "expected HOST:PORT") }
                kind = .tcpListener(host: h, port: p)
            }
            sources.append(SourceConfig(id: id, kind: kind, format: e.format, quietAfterSeconds: e.quiet_after))
        }
        for (k, t) in (raw.api?.tokens ?? []).enumerated() where !["read", "operate", "admin"].contains(t.role) {
            throw ConfigError("\(file):\(line(of: t.role, in: text).map(String.init) ?? "?"): key 'api.tokens[\(k)].role': read, operate or admin")
        }
        for (k, w) in (raw.webhooks ?? []).enumerated() where !(w.url.hasPrefix("http://") || w.url.hasPrefix("https://")) {
            throw ConfigError("\(file):\(line(of: w.url, in: text).map(String.init) ?? "?"): key 'webhooks[\(k)].url': an http:// or https:// URL")
        }
        if let l = raw.api?.listen, hostPort(l, anyPort: true) == nil { throw ConfigError("\(file):\(line(of: l, in: text).map(String.init) ?? "?"): key 'api.listen': expected HOST:PORT") }
        var c = AgentConfig(
            dataDirectory: raw.data_dir, timeZone: raw.timezone, sources: sources, tariff: raw.tariff, accounts: raw.accounts, tickets: raw.tickets)
        c.api = raw.api
        c.stations = raw.stations ?? [:]
        c.alerts = raw.alerts ?? []
        for (k, rule) in c.alerts.enumerated() {
            if let amount = rule.costOver, Money(amount) == nil {
                throw ConfigError("\(file):\(line(of: amount, in: text).map(String.init) ?? "?"): key 'alerts[\(k)].cost_over': '\(amount)' is not \(Money.inputRule)")
            }
        }
        c.webhooks = raw.webhooks ?? []
        c.calls = raw.calls
        if let p = raw.prepaid {
            do { c.prepaid = try PrepaidPlan.make(p) } catch { throw ConfigError("\(file): \(error)") }
        }
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

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
