import Foundation
import SMDRCore
import Testing

/// Every capture the team holds: `Samples/`, `../shared/samples/` and `../shared/field/`.
struct Capture: CustomTestStringConvertible, Sendable {
    let url: URL
    /// `Samples/panasonic/x.smdr`, `shared/field/lg/gdk-100.smdr`, …
    let name: String
    var testDescription: String { name }
    var bytes: [UInt8] { Array(try! Data(contentsOf: url)) }

    static var sharedRoot: URL { repoRoot.deletingLastPathComponent().appendingPathComponent("shared") }

    static func files(under root: URL, prefix: String, extensions: Set<String>) -> [Capture] {
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { extensions.contains($0.pathExtension) }
            .map { Capture(url: $0, name: prefix + String($0.path.dropFirst(root.path.count + 1))) }
            .sorted { $0.name < $1.name }
    }

    static var field: [Capture] { files(under: sharedRoot.appendingPathComponent("field"), prefix: "shared/field/", extensions: ["smdr"]) }

    static var all: [Capture] {
        files(under: repoRoot.appendingPathComponent("Samples"), prefix: "Samples/", extensions: ["smdr"])
            + files(under: sharedRoot.appendingPathComponent("samples"), prefix: "shared/samples/", extensions: ["smdr", "csv"]) + field
    }
}

/// How a field capture is to be read, from `Tests/Field/<family>/<model>.settings` (`Key: value`
/// lines: Format, Timezone, Year, Date-Order), and the records it must give (`<model>.jsonl`).
struct FieldGolden: CustomTestStringConvertible, Sendable {
    let capture: Capture
    let relativePath: String  // lg/gdk-100.smdr
    var testDescription: String { relativePath }

    var base: URL { repoRoot.appendingPathComponent("Tests/Field").appendingPathComponent(relativePath).deletingPathExtension() }
    var settingsURL: URL { base.appendingPathExtension("settings") }
    var expectedURL: URL { base.appendingPathExtension("jsonl") }

    var settings: CaptureHeader { CaptureHeader(settings: (try? String(contentsOf: settingsURL, encoding: .utf8)) ?? "") }

    var options: ParseOptions { settings.options(receivedAt: Date(timeIntervalSince1970: 1_795_305_600)) }

    static var all: [FieldGolden] {
        let root = Capture.sharedRoot.appendingPathComponent("field")
        return Capture.field.map { FieldGolden(capture: $0, relativePath: String($0.url.path.dropFirst(root.path.count + 1))) }
    }

    /// The captures whose golden facts have been derived (settings and expected records written).
    static var derived: [FieldGolden] { all.filter { FileManager.default.fileExists(atPath: $0.settingsURL.path) } }
}

/// The lines the framer cuts from the bytes: what the parser must account for, one by one.
func framedLineCount(_ bytes: [UInt8]) -> Int {
    var framer = Framer()
    var n = 0
    framer.push(bytes) { _ in n += 1 }
    framer.finish { _ in n += 1 }
    return n
}

/// A line with the shape of a call record: two clock readings (a time and a duration) and a run
/// of at least two more digits (an extension, a trunk or a number) elsewhere. Dates are not clocks.
func looksLikeACall(_ text: String) -> Bool {
    let clock = /\d{1,2}[:'.]\d\d(?:[:'.]\d\d)?/
    let undated = text.replacing(/\d{1,4}[.\/-]\d{1,2}[.\/-]\d{2,4}/, with: " ")
        .replacing(/(?i)(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]* *\d{1,2}, *\d{4}/, with: " ")
    let clocks = undated.matches(of: clock)
    guard clocks.count >= 2 else { return false }
    let rest = undated.replacing(clock, with: " ")
    return rest.contains(/\d{2,}/)
}
