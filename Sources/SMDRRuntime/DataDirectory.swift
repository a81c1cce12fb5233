import Foundation

/// The agent's data directory and the names of what it holds, in one place: the SQLite store and
/// one journal folder per source.
public struct DataDirectory: Sendable, Equatable {
    public let url: URL

    public init(_ path: String) { url = URL(fileURLWithPath: path) }
    public init(url: URL) { self.url = url }

    /// `DATA/smdr.sqlite`.
    public var store: URL { url.appendingPathComponent("smdr.sqlite") }
    /// `DATA/journal`, with one folder per source.
    public var journals: URL { url.appendingPathComponent("journal") }
    /// `DATA/journal/<source>`.
    public func journal(source: String) -> URL { journals.appendingPathComponent(source) }
}
