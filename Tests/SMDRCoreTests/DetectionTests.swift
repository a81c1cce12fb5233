import Foundation
import SMDRCore
import Testing

/// Auto-detection that never gives up on a stream: noise first, a change of format mid-stream.
struct DetectionTests {
    let avaya = [
        "2008/06/26 10:27:44,00:00:44,4,4688,O,4207,4207,,1,1000013898,0,E4688,Joe Bloggs,E4207,John Smith,0,0",
        "2008/06/26 10:29:12,00:01:05,2,01707392200,I,299999,299999,,0,1000013899,0,E4750,John Smith,T9002,LINE 1.2,11,0",
    ]
    let panasonic = [
        "10/12/20 16:07    501 02 <I>3484201367        00:00'28 EU00000.00            D0",
        "10/12/20 16:08    222 02 <I>3484201367        00:00'37 EU00000.00            TR",
        "10/12/20 16:21    501 01 <I>035967880         00:00'35 EU00000.00            D0",
    ]

    func events(_ text: String, live: Bool) -> [ParseEvent] {
        var p = StreamParser(format: nil, options: .vectors, rejectWhileSearching: live)
        var out: [ParseEvent] = []
        p.push(Array(text.utf8), into: &out)
        p.finish(into: &out)
        return out
    }

    /// 20 lines of noise, then records: the noise is rejected, the records are read, nothing is lost.
    @Test(arguments: [false, true])
    func noiseThenRecords(live: Bool) {
        let noise = (1...20).map { "line noise #\($0) ~~ qwzx" }
        let lines = noise + Array(repeating: panasonic, count: 5).flatMap { $0 }
        let out = events(lines.joined(separator: "\n") + "\n", live: live)
        var records = 0
        var rejected: [Int64: String] = [:]
        var found: [FormatChange] = []
        for e in out {
            switch e {
            case .record: records += 1
            case .reject(let r): rejected[r.offset] = r.reason
            case .formatFound(let c):
                found.append(c)
                if let from = c.replayFrom { rejected = rejected.filter { $0.key < from } }
            case .skip: break
            }
        }
        #expect(records == 15)
        #expect(rejected.count == 20, "each noise line rejected once, by the format found")
        #expect(rejected.values.allSatisfy { !$0.contains("not recognised yet") })
        if live {
            #expect(found.count == 1 && found[0].format == "panasonic" && found[0].replayFrom == 0, "the quarantined lines are taken back from the first")
        }
    }

    /// A PBX that changes its output mid-stream: 12 lines the first format rejects and another reads
    /// switch the stream, and the switch is reported.
    @Test func changeOfFormatMidStream() {
        let lines = Array(repeating: avaya, count: 6).flatMap { $0 } + Array(repeating: panasonic, count: 6).flatMap { $0 }
        let out = events(lines.joined(separator: "\n") + "\n", live: false)
        var byFormat: [String: Int] = [:]
        var rejects: [Int64] = []
        var change: FormatChange?
        for e in out {
            switch e {
            case .record(let r): byFormat[r.format, default: 0] += 1
            case .reject(let r): rejects.append(r.offset)
            case .formatFound(let c):
                change = c
                if let from = c.replayFrom { rejects.removeAll { $0 >= from } }
            case .skip: break
            }
        }
        #expect(byFormat == ["avaya-ipo": 12, "panasonic": 18])
        #expect(rejects.isEmpty)
        #expect(change?.previous == "avaya-ipo" && change?.format == "panasonic" && change?.line == 13)
    }

    /// A format named by the user is never replaced: another PBX's lines are its rejects.
    @Test func aNamedFormatStays() {
        let text = panasonic.joined(separator: "\n") + "\n" + Array(repeating: avaya, count: 8).flatMap { $0 }.joined(separator: "\n") + "\n"
        let r = parseAll(text, format: "panasonic")
        #expect(r.records.count == 3)
        #expect(r.rejects.count == 16)
        #expect(r.format == "panasonic")
    }
}
