import Foundation
import SMDRCore
import Testing

/// No format emits a field name outside the one vocabulary, on any capture or vector we hold.
@Test func everyFieldNameIsInTheVocabulary() throws {
    var outside: [String: String] = [:]
    func check(_ records: [CallRecord], _ source: String) {
        for r in records {
            for key in jsonObject(r).keys where !FieldVocabulary.contains(key) { outside[key] = "\(r.format) (\(source))" }
        }
    }
    for c in Capture.all { check(parseAll(c.bytes).records, c.name) }
    for f in FormatRegistry.builtIn {
        for v in f.vectors { check(parseAll(v.lines.joined(separator: "\n") + "\n", format: f.id, options: v.options).records, "vectors") }
    }
    #expect(outside.isEmpty, "names outside the vocabulary: \(outside.sorted { $0.key < $1.key })")
}

/// The vocabulary is sorted and has no near-synonyms of the caller's number left.
@Test func vocabularyHasOneNameForTheCallersNumber() {
    let names = FieldVocabulary.extras.map(\.key)
    #expect(names == names.sorted())
    for synonym in ["cli", "ani", "clid", "caller", "src", "dst"] { #expect(!FieldVocabulary.contains(synonym)) }
}
