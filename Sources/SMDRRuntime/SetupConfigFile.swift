import Foundation
import Yams

/// Writes what `smdr-agent setup` found and was told into the agent's configuration file: the
/// source (replacing one of the same id, keeping the others), the time zone, the tariff and the
/// business codes. Every other section of an existing file (API, stations, tickets, webhooks…)
/// is kept as it was; the previous file is kept beside it. The result is checked by the strict
/// configuration reader before it replaces the file, so setup never leaves a file the agent
/// refuses.
public struct SetupConfigFile {
    /// One source as the configuration's `sources:` lists it.
    public struct Source: Sendable, Equatable {
        public var id: String
        public var device: String?
        public var serial: String?
        public var connect: String?
        public var login: [String]
        public var format: String

        public init(id: String, device: String? = nil, serial: String? = nil, connect: String? = nil, login: [String] = [], format: String) {
            self.id = id
            self.device = device
            self.serial = serial
            self.connect = connect
            self.login = login
            self.format = format
        }
    }

    public var source: Source
    public var timeZone: String
    public var tariff: String?
    public var accounts: String?
    /// Used when the file does not name one already.
    public var defaultDataDirectory: String

    public init(source: Source, timeZone: String, tariff: String? = nil, accounts: String? = nil, defaultDataDirectory: String = "/var/lib/smdr-agent") {
        self.source = source
        self.timeZone = timeZone
        self.tariff = tariff
        self.accounts = accounts
        self.defaultDataDirectory = defaultDataDirectory
    }

    /// The keys setup writes, first in the file, in this order; the others follow as they were.
    static let ownKeys = ["data_dir", "timezone", "tariff", "accounts", "sources"]

    /// The new file's text, from the current one (`nil`: none yet).
    public func text(from existing: String?, file: String) throws -> String {
        var old: [(String, Node)] = []
        if let existing, let root = try Yams.compose(yaml: existing) {
            guard case .mapping(let m) = root else { throw ConfigError("\(file): not a mapping of settings; move it away and run setup again") }
            for (k, v) in m {
                guard let key = k.string else { continue }
                old.append((key, v))
            }
        }
        func kept(_ key: String) -> Node? { old.first { $0.0 == key }?.1 }

        var pairs: [(Node, Node)] = []
        pairs.append((Node("data_dir"), kept("data_dir") ?? Node(defaultDataDirectory)))
        pairs.append((Node("timezone"), Node(timeZone)))
        if let tariff { pairs.append((Node("tariff"), Node(tariff))) } else if let t = kept("tariff") { pairs.append((Node("tariff"), t)) }
        if let accounts { pairs.append((Node("accounts"), Node(accounts))) } else if let a = kept("accounts") { pairs.append((Node("accounts"), a)) }
        var sources: [Node] = []
        var replaced = false
        if case .sequence(let s)? = kept("sources") {
            for entry in s {
                if entry["id"]?.string == source.id {
                    sources.append(sourceNode)
                    replaced = true
                } else {
                    sources.append(entry)
                }
            }
        }
        if !replaced { sources.append(sourceNode) }
        pairs.append((Node("sources"), Node.sequence(Node.Sequence(sources))))
        for (key, value) in old where !Self.ownKeys.contains(key) { pairs.append((Node(key), value)) }

        let body = try Yams.serialize(node: Node.mapping(Node.Mapping(pairs)), sortKeys: false)
        let header = """
            # smdr-agent configuration, written by `smdr-agent setup` on \(Self.today()).
            # Check it with `smdr-agent config check \(file)`; every setting, with comments, is in
            # /usr/share/doc/smdr-agent/examples/smdr-agent.yaml (Hardware/smdr-agent.yaml in the sources).

            """
        return header + body
    }

    var sourceNode: Node {
        var pairs: [(Node, Node)] = [(Node("id"), Node(source.id))]
        if let d = source.device { pairs.append((Node("device"), Node(d))) }
        if let s = source.serial { pairs.append((Node("serial"), Node(s))) }
        if let c = source.connect { pairs.append((Node("connect"), Node(c))) }
        if !source.login.isEmpty { pairs.append((Node("login"), Node.sequence(Node.Sequence(source.login.map { Node($0, Tag(.str), .doubleQuoted) })))) }
        pairs.append((Node("format"), Node(source.format)))
        return Node.mapping(Node.Mapping(pairs))
    }

    static func today() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }

    /// Writes the file: checked by the strict reader first, then the old one kept as
    /// `FILE.before-setup` and the new one put in place with a rename (never half-written).
    /// Returns the backup's path, if there was a file.
    @discardableResult
    public func write(to path: String) throws -> String? {
        let existing = try? String(contentsOfFile: path, encoding: .utf8)
        let text = try self.text(from: existing, file: path)
        _ = try AgentConfig.parse(text, file: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var backup: String?
        if let existing {
            backup = path + ".before-setup"
            try existing.write(toFile: backup!, atomically: true, encoding: .utf8)
        }
        let temporary = path + ".setup-\(getpid())"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        // Readable by the service's user (group smdr in the package), not by everyone: tokens live here.
        chmod(temporary, 0o640)
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path), let group = attributes[.groupOwnerAccountID] as? NSNumber {
            chown(temporary, getuid(), gid_t(group.uint32Value))
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw ConfigError("\(path): cannot write: \(String(cString: strerror(e)))")
        }
        return backup
    }
}
