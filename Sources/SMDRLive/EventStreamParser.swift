/// Reads a `text/event-stream` as it arrives, in pieces of any size: complete events come out,
/// the rest waits for more bytes. Comments (`: keep-alive`) are skipped.
public struct EventStreamParser: Sendable {
    public struct Event: Sendable, Equatable {
        public var id: String?
        public var type: String
        public var data: String
        public init(id: String?, type: String, data: String) {
            self.id = id
            self.type = type
            self.data = data
        }
    }

    var pending: [UInt8] = []
    var id: String?
    var type = ""
    var data: [String] = []
    /// The id of the last complete event: what to send as `Last-Event-ID` when reconnecting.
    public private(set) var lastEventID: String?

    public init() {}

    public mutating func push(_ bytes: some Sequence<UInt8>) -> [Event] {
        pending += bytes
        var out: [Event] = []
        while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[..<nl]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            pending.removeSubrange(...nl)
            if text.isEmpty {
                if !data.isEmpty {
                    out.append(Event(id: id, type: type.isEmpty ? "message" : type, data: data.joined(separator: "\n")))
                    if let id { lastEventID = id }
                }
                id = nil
                type = ""
                data = []
            } else if text.hasPrefix(":") {
                continue
            } else {
                let field = text.prefix { $0 != ":" }
                var value = text.dropFirst(field.count)
                if value.hasPrefix(":") { value = value.dropFirst() }
                if value.hasPrefix(" ") { value = value.dropFirst() }
                switch field {
                case "id": id = String(value)
                case "event": type = String(value)
                case "data": data.append(String(value))
                default: break
                }
            }
        }
        return out
    }
}
