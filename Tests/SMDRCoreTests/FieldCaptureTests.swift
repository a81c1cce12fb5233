import Foundation
import SMDRCore
import Testing

/// Each field capture whose facts have been derived (`Tests/Field/`) is claimed by `--format auto`
/// as its format, gives exactly its expected records, and the same with the format named.
@Test(arguments: FieldGolden.derived)
func fieldCapture(_ golden: FieldGolden) throws {
    let bytes = golden.capture.bytes
    let auto = parseAll(bytes, options: golden.options)
    #expect(auto.format == golden.settings["Format"], "detected \(auto.format ?? "nothing")")
    let named = parseAll(bytes, format: golden.settings["Format"], options: golden.options)
    let actual = named.records.map(RecordJSON.line).joined(separator: "\n") + "\n"
    #expect(auto.records.map(RecordJSON.line) == named.records.map(RecordJSON.line), "auto and the named format disagree")
    if ProcessInfo.processInfo.environment["SMDR_RECORD_GOLDEN"] == "1" {
        try actual.write(to: golden.expectedURL, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: golden.expectedURL, encoding: .utf8)
    let a = actual.split(separator: "\n"), e = expected.split(separator: "\n")
    #expect(a.count == e.count, "\(a.count) records, expected \(e.count)")
    for (k, (x, y)) in zip(a, e).enumerated() where x != y {
        Issue.record("record \(k + 1) differs:\n  got      \(x)\n  expected \(y)")
    }
    let rejectsExpected = Int(golden.settings["Rejects"] ?? "0") ?? 0
    #expect(named.rejects.count == rejectsExpected, "rejects: \(named.rejects.prefix(5).map { "\($0.line): \($0.reason)" })")
}
