import Foundation
import SMDRCore
import Testing

/// A capture whose format is known, and the first lines detection would look at.
struct ClaimCase: CustomTestStringConvertible, Sendable {
    let name: String
    let format: String
    let sample: [String]
    var testDescription: String { name }

    /// The first non-blank lines as the stream parser hands them to `claim`, after a capture's metadata header.
    static func firstLines(_ bytes: [UInt8]) -> [String] {
        var lines: [String] = []
        var framer = Framer()
        var header = true
        framer.push(bytes) { line in
            let text = line.bytes.decoded
            if header && text.hasPrefix("# ") { return }
            header = false
            if lines.count < FormatDetector.sampleSize && !text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { lines.append(text) }
        }
        return lines
    }

    static var all: [ClaimCase] {
        let samples = GoldenSample.all.compactMap { s -> ClaimCase? in
            guard let f = s.metadata["Format"] else { return nil }
            return ClaimCase(name: "Samples/" + s.relativePath, format: f, sample: firstLines(s.bytes))
        }
        let field = FieldGolden.derived.compactMap { g -> ClaimCase? in
            guard let f = g.settings["Format"] else { return nil }
            return ClaimCase(name: "field/" + g.relativePath, format: f, sample: firstLines(g.capture.bytes))
        }
        return samples + field
    }
}

/// The claim matrix: each capture is claimed by its own format, and by no other.
@Test(arguments: ClaimCase.all)
func claimedByItsOwnFormatOnly(_ c: ClaimCase) {
    for f in FormatHandle.builtIn {
        let score = f.claim(c.sample)
        if f.id == c.format {
            #expect(score > 0, "\(f.id) does not claim its own capture")
        } else {
            #expect(score == 0, "\(f.id) claims a \(c.format) capture (\(score))")
        }
    }
}

/// A format forced on another PBX's capture gives no record: its lines are rejects (or lines it names).
@Test(arguments: ClaimCase.all)
func foreignFormatsGiveNoRecords(_ c: ClaimCase) throws {
    let url = c.name.hasPrefix("Samples/")
        ? repoRoot.appendingPathComponent(c.name)
        : Capture.sharedRoot.appendingPathComponent(c.name)
    let bytes = Array(try Data(contentsOf: url))
    for f in FormatRegistry.ids where f != c.format && !sameFamily(f, c.format) {
        let result = parseAll(bytes, format: f)
        #expect(result.records.isEmpty, "\(f) reads \(result.records.count) record(s) from a \(c.format) capture, e.g. \(result.records.first.map(RecordJSON.line) ?? "")")
    }
}

/// Formats that share one reader (Panasonic's end-time and start-time printouts) read each other's lines by design.
func sameFamily(_ a: String, _ b: String) -> Bool {
    let families: [Set<String>] = [["panasonic", "panasonic-tes"], ["cisco-cucm", "cisco-cucm-noheader"]]
    return families.contains { $0.contains(a) && $0.contains(b) }
}
