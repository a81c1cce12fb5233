import Foundation
import Yams

/// One thing wrong in a YAML file, with where it is: `file:line:column: key 'a.b[2].c': message`.
public struct YAMLProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The key's path (`sources[1].format`); empty for the document itself.
    public var path: String
    public var message: String

    public init(file: String, line: Int?, column: Int?, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        let at = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
        return "\(file)\(at): " + (path.isEmpty ? "" : "key '\(path)': ") + message
    }
}

/// Every problem of a file at once, in the order of the file.
public struct YAMLProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [YAMLProblem]
    public init(_ problems: [YAMLProblem]) {
        self.problems = problems.sorted { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) }
    }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Decodes YAML into `Decodable` types strictly, as a daemon's configuration should be read: a key
/// the type does not know (a typo such as `lisen:` or `max_duraton:`, at any depth) is an error,
/// never a setting silently ignored; a wrong type or a missing key is an error with the line and
/// column where it is. Decoding goes on past a problem (with a placeholder value) so that one run
/// lists every problem of the file. `marks` keeps where each key was, for checks made after
/// decoding (a time zone that does not exist, a duplicate id) to point at the same place.
public final class StrictYAML {
    public let file: String
    public private(set) var problems: [YAMLProblem] = []
    private var marks: [String: Mark] = [:]
    /// Keys the types asked for, per mapping (by its path).
    private var asked: [String: Set<String>] = [:]
    private var mappings: [(path: String, mapping: Node.Mapping)] = []

    public init(file: String) {
        self.file = file
    }

    /// Decodes `T` from `yaml`; throws ``YAMLProblems`` with every problem found.
    public static func decode<T: Decodable>(_ type: T.Type, from yaml: String, file: String) throws -> (value: T, reader: StrictYAML) {
        let reader = StrictYAML(file: file)
        let value = try reader.decode(type, from: yaml)
        return (value, reader)
    }

    public func decode<T: Decodable>(_ type: T.Type, from yaml: String) throws -> T {
        let value = try decodeCollecting(type, from: yaml)
        guard let value, problems.isEmpty else { throw YAMLProblems(problems) }
        return value
    }

    /// Decodes `T` as far as it goes: the value (placeholders where a value was wrong or missing;
    /// nil only if even that was impossible) and `problems`, for checks that want to add theirs.
    /// Throws only when the text is not YAML at all.
    public func decodeCollecting<T: Decodable>(_ type: T.Type, from yaml: String) throws -> T? {
        let root: Node
        do {
            root = try Yams.compose(yaml: yaml) ?? Node.mapping(Node.Mapping([]))
        } catch let e as YamlError {
            throw YAMLProblems([YAMLProblem(file: file, line: nil, column: nil, path: "", message: "not valid YAML: \(e)")])
        }
        var value: T?
        do {
            value = try T(from: NodeDecoder(node: root, path: [], reader: self, silent: false))
        } catch let e as DecodingError {
            record(e)
        } catch is PlaceholderFailed {
            // Reported where it happened.
        }
        for (path, mapping) in mappings {
            let known = asked[path] ?? []
            for (key, _) in mapping {
                guard let name = key.string, !known.contains(name) else { continue }
                let near = known.sorted().first {
                    StrictYAML.distance($0, name) <= 1 || ($0.count > 2 && (StrictYAML.distance($0, name) <= 2 || name.contains($0) || $0.contains(name)))
                }
                problems.append(
                    YAMLProblem(
                        file: file, line: key.mark?.line, column: key.mark?.column, path: "",
                        message: "unknown key '\(StrictYAML.join(path, name))'" + (near.map { " (did you mean '\($0)'?)" } ?? "")
                            + (known.isEmpty ? "" : "; known here: " + known.sorted().joined(separator: ", "))))
            }
        }
        return value
    }

    /// Whether a problem was already reported at `path` or around it (a check on a placeholder
    /// value would only repeat it).
    public func reported(_ path: String) -> Bool {
        problems.contains { !$0.path.isEmpty && (path == $0.path || path.hasPrefix($0.path + ".") || path.hasPrefix($0.path + "[") || $0.path.hasPrefix(path + ".")) }
    }

    /// A problem found after decoding, at the key `path` (or its nearest parent that was given).
    public func problem(at path: String, _ message: String) -> YAMLProblem {
        var p = path
        while marks[p] == nil, let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) { p = String(p[..<cut]) }
        let mark = marks[p]
        return YAMLProblem(file: file, line: mark?.line, column: mark?.column, path: path, message: message)
    }

    /// Where the key `path` was (line, column).
    public func mark(of path: String) -> (line: Int, column: Int)? { marks[path].map { ($0.line, $0.column) } }

    // MARK: - Internals

    fileprivate func noteMapping(_ path: String, _ mapping: Node.Mapping) {
        if asked[path] == nil {
            asked[path] = []
            mappings.append((path, mapping))
        }
    }

    fileprivate func noteAsked(_ path: String, _ key: String) { asked[path, default: []].insert(key) }
    fileprivate func noteMark(_ path: String, _ mark: Mark?) { if let mark, marks[path] == nil { marks[path] = mark } }

    fileprivate func add(_ path: String, _ node: Node?, _ message: String) {
        let mark = node?.mark ?? marks[path]
        problems.append(YAMLProblem(file: file, line: mark?.line, column: mark?.column, path: path, message: message))
    }

    /// A `DecodingError` a type threw itself (a custom `init(from:)`), placed by its coding path.
    fileprivate func record(_ e: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String { StrictYAML.path(keys.map { $0.intValue.map { .index($0) } ?? .key($0.stringValue) }) }
        switch e {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            problems.append(problem(at: path(c.codingPath), c.debugDescription))
        case .keyNotFound(let k, let c):
            problems.append(problem(at: path(c.codingPath + [k]), "missing"))
        @unknown default:
            problems.append(YAMLProblem(file: file, line: nil, column: nil, path: "", message: "\(e)"))
        }
    }

    enum Step {
        case key(String)
        case index(Int)
    }

    static func path(_ steps: [Step]) -> String {
        var out = ""
        for s in steps {
            switch s {
            case .key(let k): out = join(out, k)
            case .index(let i): out += "[\(i)]"
            }
        }
        return out
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = a[i - 1] == b[j - 1] ? previous : min(previous, row[j], row[j - 1]) + 1
                previous = current
            }
        }
        return row[b.count]
    }
}

/// A placeholder could not be made for a value already reported: decoding stops there.
private struct PlaceholderFailed: Error {}

private struct NodeDecoder: Decoder {
    let node: Node?
    let steps: [StrictYAML.Step]
    let reader: StrictYAML
    /// Decoding a placeholder for a missing or wrong value: no further problem is reported.
    let silent: Bool

    init(node: Node?, path: [StrictYAML.Step], reader: StrictYAML, silent: Bool) {
        self.node = node
        self.steps = path
        self.reader = reader
        self.silent = silent
    }

    var codingPath: [any CodingKey] { steps.map { s in
        switch s {
        case .key(let k): AnyKey(stringValue: k)
        case .index(let i): AnyKey(intValue: i)
        }
    } }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var path: String { StrictYAML.path(steps) }

    func mismatch(_ what: String) -> DecodingError {
        DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(what)" + (node?.scalar.map { ", got '\($0.string)'" } ?? "")))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        var mapping = Node.Mapping([])
        if case .mapping(let m)? = node {
            mapping = m
            if !silent { reader.noteMapping(path, m) }
        } else if node != nil, !silent {
            throw mismatch("a mapping (key: value)")
        }
        return KeyedDecodingContainer(MappingContainer<Key>(mapping: mapping, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        var items: [Node] = []
        if case .sequence(let s)? = node {
            items = Array(s)
        } else if node != nil, !silent {
            throw mismatch("a list")
        }
        return SequenceContainer(items: items, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { ScalarContainer(decoder: self) }

    func child(_ node: Node?, _ step: StrictYAML.Step, silent: Bool? = nil) -> NodeDecoder {
        NodeDecoder(node: node, path: steps + [step], reader: reader, silent: silent ?? self.silent)
    }

    /// Decodes `T` here; throws what is wrong (a container records it and goes on).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let scalar = try primitive(type) { return scalar }
        return try T(from: self)
    }

    /// Decodes a member of a mapping or a list: a problem is recorded and a placeholder given,
    /// so decoding goes on and every problem is listed.
    func decodeRecording<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try decode(type)
        } catch let e as DecodingError where !silent {
            reader.record(e)
            return try placeholder(type)
        }
    }

    func placeholder<T: Decodable>(_ type: T.Type) throws -> T {
        do { return try NodeDecoder(node: nil, path: steps, reader: reader, silent: true).decode(type) } catch { throw PlaceholderFailed() }
    }

    /// Strings, numbers and booleans straight from the scalar.
    func primitive<T>(_ type: T.Type) throws -> T? {
        func scalar<V>(_ what: String, _ make: (Node.Scalar) -> V?, _ placeholder: V) throws -> T {
            if case .scalar(let s)? = node, let v = make(s) { return v as! T }
            if silent { return placeholder as! T }
            if node == nil { throw DecodingError.valueNotFound(T.self, .init(codingPath: codingPath, debugDescription: "missing")) }
            throw mismatch(what)
        }
        switch type {
        case is String.Type: return try scalar("text", { $0.string }, "")
        case is Int.Type: return try scalar("a whole number", Int.construct, 0)
        case is Int64.Type: return try scalar("a whole number", Int64.construct, Int64(0))
        case is UInt64.Type: return try scalar("a whole number", UInt64.construct, UInt64(0))
        case is Double.Type: return try scalar("a number", Double.construct, 0.0)
        case is Bool.Type: return try scalar("true or false", Bool.construct, false)
        default: return nil
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }
    init(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

private struct MappingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let mapping: Node.Mapping
    let decoder: NodeDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] {
        mapping.keys.compactMap { $0.string }.compactMap { name in
            if !decoder.silent { decoder.reader.noteAsked(decoder.path, name) }
            return Key(stringValue: name)
        }
    }

    func entry(_ key: Key) -> (key: Node, value: Node)? {
        if !decoder.silent { decoder.reader.noteAsked(decoder.path, key.stringValue) }
        for (k, v) in mapping where k.string == key.stringValue { return (k, v) }
        return nil
    }

    func child(_ key: Key, silent: Bool? = nil) -> NodeDecoder {
        let e = entry(key)
        if let e, !decoder.silent { decoder.reader.noteMark(StrictYAML.join(decoder.path, key.stringValue), e.key.mark) }
        return decoder.child(e?.value, .key(key.stringValue), silent: silent)
    }

    func contains(_ key: Key) -> Bool { entry(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let v = entry(key)?.value else { return true }
        if case .scalar(let s) = v { return s.string == "~" || s.string == "null" || (s.string.isEmpty && s.style == .plain) }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let c = child(key)
        if c.node == nil && !decoder.silent {
            decoder.reader.add(c.path, nil, "missing")
            return try c.placeholder(type)
        }
        return try c.decodeRecording(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard try !decodeNil(forKey: key) else {
            _ = entry(key)
            return nil
        }
        let c = child(key)
        do {
            return try c.decode(type)
        } catch let e as DecodingError where !decoder.silent {
            decoder.reader.record(e)
            return nil
        }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { child(key) }
}

private struct SequenceContainer: UnkeyedDecodingContainer {
    let items: [Node]
    let decoder: NodeDecoder
    var currentIndex = 0

    init(items: [Node], decoder: NodeDecoder) {
        self.items = items
        self.decoder = decoder
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func next() -> NodeDecoder {
        defer { currentIndex += 1 }
        let node = currentIndex < items.count ? items[currentIndex] : nil
        if let node, !decoder.silent { decoder.reader.noteMark(StrictYAML.path(decoder.steps + [.index(currentIndex)]), node.mark) }
        return decoder.child(node, .index(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < items.count else { return true }
        if case .scalar(let s) = items[currentIndex], s.string == "~" || s.string == "null" {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeRecording(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { next() }
}

private struct ScalarContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        guard let node = decoder.node else { return true }
        if case .scalar(let s) = node { return s.string == "~" || s.string == "null" }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type) }
}
