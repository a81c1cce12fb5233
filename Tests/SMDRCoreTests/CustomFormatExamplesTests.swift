import Foundation
import SMDRCore
import Testing

/// The README's worked examples: custom format files written from real field captures read those
/// captures line for line, with the facts a person reads off the lines.
struct CustomFormatExamplesTests {
    func read(_ yaml: String, _ capture: String) throws -> (records: [CallRecord], skips: Int, rejects: [Reject], lines: Int) {
        let path = repoRoot.appendingPathComponent("Samples/custom/\(yaml)").path
        let format = try CustomFormat.load(yaml: try String(contentsOfFile: path, encoding: .utf8), source: path).handle
        let bytes = Array(try Data(contentsOf: Capture.sharedRoot.appendingPathComponent("field/\(capture)")))
        var parser = StreamParser(format: nil, candidates: [format] + FormatHandle.builtIn, options: ParseOptions(timeZone: TimeZone(identifier: "Europe/Moscow")!))
        var events: [ParseEvent] = []
        parser.push(bytes, into: &events)
        parser.finish(into: &events)
        #expect(parser.format?.id == format.id, "a site's own description wins over the built-in formats")
        var records: [CallRecord] = [], skips = 0, rejects: [Reject] = []
        for e in events {
            switch e {
            case .record(let r): records.append(r)
            case .skip: skips += 1
            case .reject(let r): rejects.append(r)
            case .formatFound: break
            }
        }
        return (records, skips, rejects, framedLineCount(bytes))
    }

    @Test func panasonicTD500ByColumns() throws {
        let r = try read("kx-td500.yaml", "panasonic/kx-td-500.smdr")
        #expect(r.rejects.isEmpty, "\(r.rejects.prefix(3).map(\.reason))")
        #expect(r.skips == 12, "8 rules of * and 4 headings")
        #expect(r.records.count + r.skips == r.lines)
        let first = jsonObject(r.records[0])  // 16/09/02 13:42   1 E1090  T11101 <INCOMING>  00:00'13
        #expect(first["end"] as? String == "2002-09-16T13:42:00+04:00")
        #expect(first["start"] as? String == "2002-09-16T13:41:47+04:00")
        #expect(first["duration_s"] as? Int == 13)
        #expect(first["direction"] as? String == "incoming")
        #expect(first["extension"] as? String == "E1090")
        #expect(first["trunk"] as? String == "T11101")
        #expect(first["number"] is NSNull)
        let ringing = jsonObject(r.records[1])  // … F2014  T10902 <INCOMING>   RC: no duration printed
        #expect(ringing["duration_s"] is NSNull && ringing["answered"] is NSNull)
        #expect(ringing["condition_code"] as? String == "RC")
        let masked = jsonObject(r.records[4])  // … E2125  T20901 XXXXXXX   00:01'05
        #expect(masked["number"] is NSNull)
        #expect(masked["dialed"] as? String == "XXXXXXX")
        #expect(masked["flags"] as? [String] == ["masked"])
        #expect(masked["duration_s"] as? Int == 65)
        #expect(masked["direction"] is NSNull, "nothing on the line says outgoing")
    }

    @Test func lgGDKByPatternWithACombinedDateTime() throws {
        let r = try read("lg-gdk.yaml", "lg/gdk-162.smdr")
        #expect(r.rejects.isEmpty, "\(r.rejects.prefix(3).map { "\($0.line): \($0.text)" })")
        #expect(r.records.count == 124, "68 O, 37 I, 12 t, 6 G, 1 T")
        let out = jsonObject(r.records[0])  // 3233  141 28    02:47 11/26/02 09:26 O9274034   **
        #expect(out["start"] as? String == "2002-11-26T09:26:00+03:00")
        #expect(out["duration_s"] as? Int == 167)
        #expect(out["extension"] as? String == "141")
        #expect(out["trunk"] as? String == "28")
        #expect(out["number"] as? String == "9274034")
        #expect(out["direction"] as? String == "outgoing")
        #expect(out["record_number"] as? String == "3233")
        let inc = jsonObject(r.records[1])  // 3234  161 16    00:48 11/26/02 09:29 I RING 00:09
        #expect(inc["direction"] as? String == "incoming")
        #expect(inc["ring_s"] as? Int == 9)
        #expect(inc["number"] is NSNull)
        #expect(r.records.filter { $0.direction == nil }.count == 6, "G records: no direction given")
    }

    @Test func hicom250ByColumns() throws {
        let r = try read("hicom-250.yaml", "siemens/hicom-250.smdr")
        #expect(r.rejects.isEmpty)
        #expect(r.records.count == 603)
        let first = jsonObject(r.records[0])  // 21/12/05  18:06:49  00:00:19   107    03  327087
        #expect(first["end"] as? String == "2005-12-21T18:06:49+03:00")
        #expect(first["start"] as? String == "2005-12-21T18:06:30+03:00")
        #expect(first["extension"] as? String == "107")
        #expect(first["trunk"] as? String == "03")
        #expect(first["number"] as? String == "327087")
    }

    /// Continuation lines are folded into the record before them; their named groups fill its fields.
    @Test func continuationLinesAreFolded() throws {
        let yaml = """
            id: two-line
            claim: '^\\d\\d:\\d\\d '
            pattern: '^(?<time>\\d\\d:\\d\\d) (?<extension>\\d+) (?<number>\\d+) (?<duration>\\d+)$'
            duration_format: seconds
            time_format: HH:mm
            continuation: '^ +NAME '
            continuation_pattern: 'NAME (?<extension_name>.+)$'
            """
        let f = try CustomFormat.load(yaml: yaml, source: "two-line.yaml").handle
        var p = StreamParser(format: f, options: .vectors)
        var events: [ParseEvent] = []
        p.push(Array("09:12 201 0142681234 160\n   NAME Marie Curie\n09:20 202 0388677700 30\n".utf8), into: &events)
        p.finish(into: &events)
        let records = events.compactMap { if case .record(let r) = $0 { r } else { nil } }
        #expect(records.count == 2)
        #expect(records[0].extensionName == "Marie Curie")
        #expect(records[0].raw == "09:12 201 0142681234 160\n   NAME Marie Curie")
        #expect(records[1].extensionName == nil)
    }

    /// A misspelt key or field name is an error with its place, not a setting silently ignored.
    @Test func typosAreErrors() {
        #expect(throws: CustomFormatError.self) { try CustomFormat.load(yaml: "id: x\nclaim: '^1'\ncolumns: {date: 1-8}\ntme_format: HH:mm\n", source: "x.yaml") }
        do {
            _ = try CustomFormat.load(yaml: "id: x\nclaim: '^1'\ncolumns: {date: 1-8}\ntme_format: HH:mm\n", source: "x.yaml")
        } catch {
            #expect("\(error)".contains("x.yaml:4:1: unknown key 'tme_format' (did you mean 'time_format'?)"))
        }
        do {
            _ = try CustomFormat.load(yaml: "id: x\ncolumns: {date: 1-8, tme: 10-14}\n", source: "y.yaml")
            Issue.record("a field named 'tme' was accepted")
        } catch {
            #expect("\(error)".contains("did you mean 'time'"))
        }
    }
}
