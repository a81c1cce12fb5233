import Foundation
import SMDRCore
import Testing

struct VectorCase: CustomTestStringConvertible, Sendable {
    let format: String
    let index: Int
    let vector: FormatVector
    var testDescription: String { "\(format) vector \(index + 1)" }
}

let allVectors: [VectorCase] = FormatRegistry.builtIn.flatMap { f in
    f.vectors.enumerated().map { VectorCase(format: f.id, index: $0.offset, vector: $0.element) }
}

/// Every format's own test vectors (NUT's `testing_t`): each line gives the fields its layout documents.
@Test(arguments: allVectors)
func formatVector(_ c: VectorCase) {
    let result = parseAll(c.vector.lines.joined(separator: "\r\n") + "\r\n", format: c.format, options: c.vector.options)
    #expect(result.rejects.isEmpty, "rejects: \(result.rejects.map(\.reason))")
    guard c.vector.record < result.records.count else {
        Issue.record("\(c.testDescription): expected a record #\(c.vector.record), got \(result.records.count)")
        return
    }
    let object = jsonObject(result.records[c.vector.record])
    for (key, expected) in c.vector.expect.sorted(by: { $0.key < $1.key }) {
        #expect(sameJSON(object[key], jsonValue(expected)), "\(c.testDescription): \(key) = \(String(describing: object[key] ?? "missing")), expected \(expected)")
    }
}

/// Every vector is recognised by `--format auto` as the format it was written for.
@Test func everyFormatHasVectors() {
    for f in FormatRegistry.builtIn {
        #expect(!f.vectors.isEmpty, "\(f.id) has no test vectors")
    }
}
