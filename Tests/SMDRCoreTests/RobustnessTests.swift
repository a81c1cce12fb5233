import Foundation
import SMDRCore
import Testing

struct RobustnessTests {
    /// Random bytes through every format: rejects or skips, never a crash, and every reject says why.
    @Test(arguments: FormatRegistry.ids)
    func randomBytesNeverCrash(_ format: String) {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let bytes = (0..<Int.random(in: 0...3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let result = parseAll(bytes, format: format)
            for r in result.rejects { #expect(!r.reason.isEmpty) }
        }
    }

    /// Real records cut short at every length: read or rejected, never a crash.
    @Test func truncatedRecordsAreRejectedOrRead() {
        let lines = [
            "2008/06/28 09:30:57,00:00:13,7,01707392200,I,299999,299999,,0,1000014160,1,E4750,John Smith,T9002,LINE 1.2,11,0",
            "10/12/20 16:08    222 02 <I>3484201367        00:00'37 EU00000.00            TR",
            "S 025 00 T010 016 6101 05/09 07:47 00:00:20 5566472",
        ]
        let formats = ["avaya-ipo", "panasonic", "nortel-meridian"]
        for (line, format) in zip(lines, formats) {
            for n in 0...line.count {
                let result = parseAll(String(line.prefix(n)) + "\n", format: format)
                #expect(result.records.count + result.rejects.count + result.skips >= (n == 0 ? 0 : 1), "\(format) cut at \(n)")
            }
        }
    }

    /// A capture read as the wrong format gives rejects that name the expected layout.
    @Test func wrongFormatGivesClearRejects() throws {
        let text = try String(contentsOf: repoRoot.appendingPathComponent("Samples/panasonic/kx-tda-pattern-b-darfo.smdr"), encoding: .utf8)
        let result = parseAll(text, format: "avaya-ipo")
        #expect(result.records.isEmpty)
        // The 88 call lines, and the 2 column headings (no digits: not something Avaya prints).
        #expect(result.rejects.count == 90)
        #expect(result.rejects.filter { $0.reason.contains("Avaya IP Office SMDR has at least 17 comma-separated fields") }.count == 88)
        #expect(result.rejects.filter { $0.reason.contains("no digits") }.count == 2)
        #expect(result.rejects.first?.line == 8)  // after the 7 metadata lines
    }

    @Test func autoDetectionRecognisesEachGoldenCapture() {
        for sample in GoldenSample.all {
            #expect(parseAll(sample.bytes, options: sample.options).format == sample.metadata["Format"], "\(sample.relativePath)")
        }
    }

    @Test func garbageIsNotRecognisedAsAnyFormat() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let handle: FormatHandle? = nil
        var parser = StreamParser(format: handle, options: .vectors)
        var events: [ParseEvent] = []
        parser.push(bytes, into: &events)
        parser.finish(into: &events)
        #expect(parser.unrecognised || events.allSatisfy { if case .record = $0 { false } else { true } })
    }
}
