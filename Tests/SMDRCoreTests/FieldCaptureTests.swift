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
    #expect(auto.records.map(RecordJSON.line) == named.records.map(RecordJSON.line), "auto and the named format disagree")
    try expectGolden(named.records, golden.expectedURL)
    let rejectsExpected = Int(golden.settings["Rejects"] ?? "0") ?? 0
    #expect(named.rejects.count == rejectsExpected, "rejects: \(named.rejects.prefix(5).map { "\($0.line): \($0.reason)" })")
}
