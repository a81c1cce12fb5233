import Foundation
import SMDRCore
import Testing

/// The JSON every record and event is written with: any text a PBX prints (quotes, backslashes,
/// control bytes, accents) comes back as the same string through a standard JSON parser.
struct JSONWriterTests {
    @Test func anyTextRoundTripsThroughAJSONParser() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array(0x00...0x21) + [0x22, 0x5C, 0x7F, 0x41, 0x7A, 0x30, 0x2F] + Array("éàü€".utf8)
        for k in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &rng)
            // Mostly plain text, sometimes one special byte at a random place (both scan paths).
            var bytes = (0..<length).map { _ in UInt8.random(in: 0x41...0x5A, using: &rng) }
            if k % 2 == 0, length > 0 { bytes[Int.random(in: 0..<length, using: &rng)] = alphabet.randomElement(using: &rng)! }
            try expectRoundTrip(bytes)
        }
    }

    /// The escape check reads short text as overlapping words: every ASCII byte, at every place of
    /// every length up to 17, must come back intact and never raw when it is a control byte.
    @Test func everyASCIIByteAtEveryPlaceOfShortText() throws {
        for length in 1...17 {
            for at in 0..<length {
                for b in UInt8(0)...0x7F {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[at] = b
                    try expectRoundTrip(bytes)
                }
            }
        }
    }

    /// The text written as a one-string JSON array parses back to itself, with no raw control byte.
    private func expectRoundTrip(_ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        var w = JSONWriter()
        w.openArray()
        w.element()
        w.string(text)
        w.closeArray()
        let parsed = try JSONSerialization.jsonObject(with: Data(w.out)) as? [String]
        #expect(parsed == [text], "\(bytes)")
        #expect(!w.out.contains { $0 < 0x20 || $0 == 0x7F }, "no raw control byte in the output: \(bytes)")
    }
}
