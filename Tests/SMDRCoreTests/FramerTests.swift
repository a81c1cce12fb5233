import SMDRCore
import Testing

/// Lines the framer gives for `bytes`, fed in chunks of `chunk` bytes (all at once when nil).
func frame(_ bytes: [UInt8], chunk: Int? = nil, max: Int = 4096) -> [(String, Int, Bool)] {
    var framer = Framer(maxLineLength: max)
    var out: [(String, Int, Bool)] = []
    let emit = { (l: FramedLine) in out.append((l.bytes.decoded, l.number, l.truncated)) }
    if let chunk {
        var i = 0
        while i < bytes.count {
            framer.push(bytes[i..<min(bytes.count, i + chunk)], emit: emit)
            i += chunk
        }
    } else {
        framer.push(bytes, emit: emit)
    }
    framer.finish(emit: emit)
    return out
}

func frameAllWays(_ bytes: [UInt8]) -> [(String, Int, Bool)] {
    let whole = frame(bytes)
    for size in [1, 2, 3, 7] {
        let chunked = frame(bytes, chunk: size)
        #expect(chunked.map(\.0) == whole.map(\.0), "chunks of \(size)")
        #expect(chunked.map(\.1) == whole.map(\.1), "line numbers, chunks of \(size)")
    }
    return whole
}

struct FramerTests {
    @Test func everyLineEndingCutsTheSameLines() {
        for ending in ["\n", "\r\n", "\r"] {
            let lines = frameAllWays(Array("one\(ending)two\(ending)three".utf8))
            #expect(lines.map(\.0) == ["one", "two", "three"], "ending \(ending.debugDescription)")
            #expect(lines.map(\.1) == [1, 2, 3])
        }
    }

    @Test func blankLinesCountButAreNotEmitted() {
        let lines = frameAllWays(Array("a\r\n\r\nb\n\nc".utf8))
        #expect(lines.map(\.0) == ["a", "b", "c"])
        #expect(lines.map(\.1) == [1, 3, 5])
    }

    @Test func nulPaddingAfterCRLFIsDropped() {
        // Avaya IP Office: `… 0 \r\n\0\0` between records.
        let lines = frameAllWays([UInt8]("rec1\r\n".utf8) + [0, 0, 0] + Array("rec2\r\n".utf8) + [0])
        #expect(lines.map(\.0) == ["rec1", "rec2"])
        #expect(lines.map(\.1) == [1, 2])
    }

    @Test func nulTerminatedRecords() {
        // Samsung OfficeServ over TCP: no CR/LF, a NUL after each record.
        let lines = frameAllWays(Array("first".utf8) + [0] + Array("second".utf8) + [0])
        #expect(lines.map(\.0) == ["first", "second"])
        #expect(lines.map(\.1) == [1, 2])
    }

    @Test func stxEtxFrames() {
        let lines = frameAllWays([2] + Array("0!KK0112".utf8) + [3, 2] + Array("0!KL0112".utf8) + [3])
        #expect(lines.map(\.0) == ["0!KK0112", "0!KL0112"])
    }

    @Test func formFeedStartsAPageHeaderLine() {
        // Panasonic: the page heading begins with a form feed right after the previous line's LF.
        let lines = frameAllWays(Array("rec1\n\u{0C}  Date Time\n-----\nrec2".utf8))
        #expect(lines.map(\.0) == ["rec1", "  Date Time", "-----", "rec2"])
        #expect(lines.map(\.1) == [1, 2, 3, 4])
    }

    @Test func aRecordSplitAtEveryByteReassembles() {
        let text = Array("2008/06/28 09:28:41,00:00:00,9,8004206,I,4324,4324,,0,1000014155,0,E4324,Joe Bloggs,T9161,LINE 5.1,0,0\r\n".utf8)
        for cut in 1..<text.count {
            var framer = Framer()
            var got: [String] = []
            framer.push(text[0..<cut]) { got.append($0.bytes.decoded) }
            framer.push(text[cut...]) { got.append($0.bytes.decoded) }
            framer.finish { got.append($0.bytes.decoded) }
            #expect(got == [String(decoding: text.dropLast(2), as: UTF8.self)], "cut at \(cut)")
        }
    }

    @Test func overlongLinesAreCutAndMarked() {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000)
        let lines = frameAllWays(long + Array("\nnext\n".utf8))
        #expect(lines.count == 2)
        #expect(lines[0].0.count == 4096)
        #expect(lines[0].2)
        #expect(lines[1].0 == "next")
        #expect(!lines[1].2)
    }

    @Test func latin1NamesStayReadable() {
        // `Hélène` as one Latin-1 byte per letter, the way an old PBX prints it.
        let bytes: [UInt8] = Array("A104 H".utf8) + [0xE9] + Array("l".utf8) + [0xE8] + Array("ne\n".utf8)
        #expect(frame(bytes).map(\.0) == ["A104 Hélène"])
        #expect(frame(Array("A104 Hélène\n".utf8)).map(\.0) == ["A104 Hélène"])
    }

    @Test func lastLineWithoutTerminatorIsFlushedAtTheEnd() {
        #expect(frame(Array("a\nb".utf8)).map(\.0) == ["a", "b"])
    }
}

/// Nortel's TTY puts NUL fill inside a record: the record is read whole, whatever the chunking;
/// a NUL right before the line end is padding, and Samsung's NUL-terminated records still end there.
@Test func nulInsideANortelRecordIsFill() {
    let line = "N 027 00 T010 016 6101 05/09 07:46 00:01:12 5566472"
    var bytes = Array(line.utf8)
    bytes.insert(0, at: 17)  // T010 016<NUL> 6101
    bytes += [0x00, 0x0D, 0x0A] + Array("S 025 00 T010 016 6101 05/09 07:47 00:00:20 5566472\r\n".utf8)
    for chunk in [nil, 1, 3] as [Int?] {
        let result = parseAll(bytes, format: "nortel-meridian", chunk: chunk)
        #expect(result.rejects.isEmpty, "\(result.rejects.map(\.reason))")
        #expect(result.records.map(\.raw) == [line, "S 025 00 T010 016 6101 05/09 07:47 00:00:20 5566472"], "chunk \(chunk ?? 0)")
        #expect(result.records.first?.extension_ == "6101")
    }
}
