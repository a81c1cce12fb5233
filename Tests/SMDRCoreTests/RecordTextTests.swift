import Foundation
import SMDRCore
import Testing

/// A record's text fields are held as ranges of its line when the line is ASCII. Set that way, a
/// record must be the same record, with the same JSON, as one whose fields were set as strings
/// read from the same columns, whatever the line holds: Latin-1, UTF-8, quotes, a `+` number.
struct RecordTextTests {
    /// Columns of `line` split at commas, trimmed of blanks as the formats read them.
    static func columns(_ t: RawText) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var s = 0
        for i in 0...t.count where i == t.count || t.p[i] == UInt8(ascii: ",") {
            out.append(t.trimmed(s, i))
            s = i + 1
        }
        return out
    }

    /// The same five fields and two extras, set from ranges and from strings.
    static func both(_ bytes: [UInt8]) -> (ranges: CallRecord, strings: CallRecord) {
        let line = FramedLine(bytes: ArraySlice(bytes), number: 7, offset: 42)
        return line.withRawText { t in
            let c = columns(t)
            var a = CallRecord(format: "x", rawText: t, line: 7, offset: 42)
            a.setText(.extension_, t, c[0])
            a.setText(.extensionName, t, c[1])
            a.setDigits(.number, t, c[2])
            a.setText(.dialed, t, c[2])
            a.setText(.callID, t, c[3])
            a.setText(.trunk, t, c[0])
            a.setExtra("party_name", t, c[1])
            a.setExtra("empty", t, c[4])
            a.setExtra("trunk_again", t, c[0])

            var b = CallRecord(format: "x", raw: t.string(0..<t.count) ?? "", line: 7, offset: 42)
            b.extension_ = t.string(c[0])
            b.extensionName = t.string(c[1])
            b.number = t.string(c[2])?.phoneDigits
            b.dialed = t.string(c[2])
            b.callID = t.string(c[3])
            b.trunk = b.extension_
            b.setExtra("party_name", t.string(c[1]))
            b.setExtra("empty", t.string(c[4]))
            b.setExtra("trunk_again", b.trunk)
            return (a, b)
        }
    }

    @Test(arguments: [
        Array("201, Marie ,+33612345678,C1,".utf8),  // ASCII, a + number
        Array("201,Zoë,06 12 34 56 78,C2, ".utf8),  // UTF-8, a number with blanks
        [0x32, 0x30, 0x31, 0x2C, 0x4A, 0xE9, 0x72, 0xF4, 0x6D, 0x65, 0x2C, 0x31, 0x32, 0x2C, 0x43, 0x33, 0x2C],  // Latin-1 "Jérôme"
        Array("201,Say \"hi\" \\ now,+,C4,".utf8),  // quote and backslash; a lone +: no number
        Array("202,,,,".utf8),  // empty columns are absent
    ])
    func rangesReadAsStrings(_ bytes: [UInt8]) throws {
        let (a, b) = Self.both(bytes)
        #expect(a == b)
        #expect(a.extras == b.extras)
        #expect(RecordJSON.line(a) == RecordJSON.line(b))
        // The JSON parses back to the strings.
        let o = try #require(try JSONSerialization.jsonObject(with: Data(RecordJSON.line(a).utf8)) as? [String: Any])
        #expect(o["extension_name"] as? String == b.extensionName)
        #expect(o["number"] as? String == b.number)
        #expect(o["raw"] as? String == b.raw)
    }

    @Test func fieldsSetAfterwardsAndAMultiLineRaw() {
        var (a, b) = Self.both(Array("201,Marie,0612345678,C1,".utf8))
        for r in [0, 1] {
            var x = r == 0 ? a : b
            x.raw += "\nsecond line"
            x.number = "+33612345678"
            x.extras += [ExtraField(key: "added", value: .int(3))]
            if r == 0 { a = x } else { b = x }
        }
        #expect(a == b)
        #expect(a.rawLineCount == 2)
        #expect(a.number == "+33612345678")
        #expect(a.extension_ == "201")
        #expect(a.extra("added") == .int(3))
        #expect(a.extra("party_name") == .string("Marie"))
        #expect(RecordJSON.line(a) == RecordJSON.line(b))
    }

    /// A copy of a record shares its storage until one of them changes: the changed one alone
    /// changes, whatever is changed (a number, a text field, a flag, extras), and text and extras
    /// beyond the room made for them at first are kept whole.
    @Test func aChangedCopyLeavesTheOriginalAsItWas() throws {
        let (a, _) = Self.both(Array("201,Marie,0612345678,C1,".utf8))
        let before = RecordJSON.line(a)
        let longName = String(repeating: "Zoë Longname ", count: 40)
        var c = a
        c.durationSeconds = 61
        c.extensionName = longName
        c.flags.insert(.transfer)
        for k in 0..<30 { c.setExtra("key\(k)", .int(k)) }
        c.setExtra("note", String(repeating: "x", count: 500))

        #expect(RecordJSON.line(a) == before)
        #expect(a.durationSeconds == nil && a.extensionName == "Marie" && a.flags.isEmpty)
        #expect(a.extras.map(\.key) == ["party_name", "trunk_again"])

        #expect(c.durationSeconds == 61 && c.extensionName == longName && c.flags == [.transfer])
        #expect(c.extras.count == 33)
        #expect(c.extra("key0") == .int(0) && c.extra("key29") == .int(29))
        #expect(c.extra("party_name") == .string("Marie"))
        #expect(c.extra("note") == .string(String(repeating: "x", count: 500)))
        #expect(c.extension_ == "201" && c.number == "0612345678" && c.raw == a.raw)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(RecordJSON.line(c).utf8)) as? [String: Any])
        #expect(o["extension_name"] as? String == longName)
        #expect(o["key29"] as? Int == 29)

        var d = c
        d.extensionName = nil
        d.extras = []
        #expect(c.extensionName == longName && c.extras.count == 33)
        #expect(d.extensionName == nil && d.extras.isEmpty && d.extension_ == "201")
    }
}
