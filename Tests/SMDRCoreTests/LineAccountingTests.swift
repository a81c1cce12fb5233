import Foundation
import SMDRCore
import Testing

/// Every line of every capture we hold ends as a record (or a line of one), a named skip or a
/// reject: lines in = record lines + skips + rejects, and no call-shaped line is skipped.
@Test(arguments: Capture.all)
func everyLineIsAccountedFor(_ capture: Capture) {
    let bytes = capture.bytes
    var parser = StreamParser(format: nil, options: .vectors)
    var events: [ParseEvent] = []
    parser.push(bytes, into: &events)
    parser.finish(into: &events)
    var recordLines = 0, skips = 0
    var rejected: [Int64: Int] = [:]
    var skippedCalls: [String] = []
    var lineText: [Int: String] = [:]
    var framer = Framer()
    framer.push(bytes) { lineText[$0.number] = $0.bytes.decoded }
    framer.finish { lineText[$0.number] = $0.bytes.decoded }
    for e in events {
        switch e {
        case .record(let r): recordLines += r.raw.split(separator: "\n", omittingEmptySubsequences: false).count
        case .skip(let line, let kind, _):
            skips += 1
            if let text = lineText[line], looksLikeACall(text) { skippedCalls.append("\(line) [\(kind.rawValue)]: \(text)") }
        case .reject(let r): rejected[r.offset] = r.line
        case .formatFound(let change):
            if let from = change.replayFrom { rejected = rejected.filter { $0.key < from } }
        }
    }
    let lines = framedLineCount(bytes)
    #expect(recordLines + skips + rejected.count == lines, "\(lines) lines in, \(recordLines) in records + \(skips) skipped + \(rejected.count) rejected")
    #expect(skippedCalls.isEmpty, "call-shaped lines skipped: \(skippedCalls.prefix(5))")
}

/// The line accounting checks what it should: a call-shaped line is recognised as one.
@Test func callShapeIsRecognised() {
    #expect(looksLikeACall("10/12/20 16:08    222 02 <I>3484201367        00:00'37 EU00000.00            TR"))
    #expect(looksLikeACall("2008/06/28 09:30:57,00:00:13,7,01707392200,I,299999"))
    #expect(!looksLikeACall("SMDR REPORT FOR ACME 11/26/02 10:31"))
    #expect(!looksLikeACall(" Date     Time   Ext CO Dial Number       Ring Duration  Acc code  CD"))
}
