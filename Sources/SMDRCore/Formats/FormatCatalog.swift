import Foundation

/// The formats one run knows: the built-in ones and a site's custom formats (YAML files), looked
/// up by id the same way everywhere (`run`, the config file, `parse`, `rate`, `journal reprocess`,
/// `quarantine --reprocess`). An id nobody knows is an error that lists the ids there are.
public struct FormatCatalog: Sendable {
    public private(set) var handles: [FormatHandle]

    public static var builtIn: FormatCatalog { FormatCatalog(handles: FormatHandle.builtIn) }

    public init(handles: [FormatHandle]) {
        self.handles = handles
    }

    /// The built-in formats and the custom ones described in `files`.
    public init(customFiles files: [String]) throws {
        self = .builtIn
        for f in files { try add(file: f) }
    }

    /// Adds the custom format described in `file`; its id may not shadow another one.
    public mutating func add(file: String) throws {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw CustomFormatError("\(file): cannot read: \(error.localizedDescription)")
        }
        let custom = try CustomFormat.load(yaml: text, source: file).handle
        guard handle(id: custom.id) == nil else {
            throw CustomFormatError("\(file): id '\(custom.id)' is already a format's id; give the custom format its own")
        }
        handles.append(custom)
    }

    public func handle(id: String) -> FormatHandle? { handles.first { $0.id == id } }

    /// `nil` for `auto` (or no format named): detect it. Throws for an id nobody knows.
    public func resolve(_ id: String?) throws -> FormatHandle? {
        guard let id, id != "auto" else { return nil }
        guard let h = handle(id: id) else { throw CustomFormatError(unknown(id)) }
        return h
    }

    /// The message for an unknown id.
    public func unknown(_ id: String) -> String {
        "unknown format '\(id)'; known: auto, \(handles.map(\.id).joined(separator: ", ")) (or describe yours in a YAML file: smdr-agent formats)"
    }
}
