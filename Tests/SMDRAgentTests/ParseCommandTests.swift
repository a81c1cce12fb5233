import Foundation
import Testing

/// The built `smdr-agent` binary, run as a user runs it (the swift-argument-parser habit).
struct Agent {
    static var binary: URL {
        // Test bundles live next to the products in .build/<config>/.
        var dir = Bundle.main.bundleURL
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("smdr-agent")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return dir.appendingPathComponent(".build/debug/smdr-agent")
    }

    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var records: [[String: Any]] {
            stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
        var rejects: [[String: Any]] {
            stderr.split(separator: "\n").filter { $0.hasPrefix("{") }.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
    }

    static func run(_ args: [String], stdin: Data? = nil) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = repo
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

struct ParseCommandTests {
    @Test func parsesACaptureIntoJSONLines() throws {
        let r = try Agent.run(["parse", "--timezone", "Europe/Rome", "Samples/panasonic/kx-tda-pattern-b-darfo.smdr"])
        #expect(r.status == 0)
        #expect(r.records.count == 88)
        let first = r.records[0]
        #expect(first["format"] as? String == "panasonic")
        #expect(first["end"] as? String == "2020-12-10T16:07:00+01:00")
        #expect(first["duration_s"] as? Int == 28)
        #expect(first["line"] as? Int == 8)
        #expect(r.stderr.contains("summary: 1 input, 88 records (88 lines), 0 rejected, 11 lines skipped (column-header 2, metadata 7, rule 2)"))
    }

    /// `--explain` says what every line is: 7 metadata lines, the records, and the two mid-stream
    /// headings (a rule after a form feed, then the column heading).
    @Test func explainNamesEveryLine() throws {
        let r = try Agent.run(["parse", "--explain", "--timezone", "Europe/Rome", "Samples/panasonic/kx-tda-pattern-b-darfo.smdr"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.count == 99, "7 + 88 + 4 lines")
        #expect(lines.prefix(7).allSatisfy { $0[1] == "skip" && $0[2] == "metadata" })
        #expect(lines[7] == ["8", "record", "", "10/12/20 16:07    501 02 <I>3484201367        00:00'28 EU00000.00            D0"])
        #expect(lines.filter { $0[1] == "record" }.count == 88)
        #expect(Set(lines.filter { $0[1] == "skip" }.map { $0[2] }) == ["metadata", "rule", "column-header"])
    }

    @Test func readsStandardInput() throws {
        let line = "2008/06/26 10:27:44,00:00:44,4,4688,O,4207,4207,,1,1000013898,0,E4688,Joe Bloggs,E4207,John Smith,0,0\r\n"
        let r = try Agent.run(["parse", "--timezone", "UTC", "-"], stdin: Data(line.utf8))
        #expect(r.status == 0)
        #expect(r.records.first?["direction"] as? String == "internal")
        #expect(r.records.first?["start"] as? String == "2008-06-26T10:27:44+00:00")
    }

    @Test func rejectsGoToStandardErrorAsJSONAndTheExitIsZero() throws {
        let text = "2008/06/26 10:27:44,00:00:44,4,4688,O,4207,4207,,1,1000013898,0,E4688,Joe Bloggs,E4207,John Smith,0,0\n2008/13/45 10:27:44,00:00:44,4,4688,O,4207,4207,,1,1000013899,0,E4688,Joe,E4207,John,0,0\n"
        let r = try Agent.run(["parse", "--format", "avaya-ipo", "--timezone", "UTC"], stdin: Data(text.utf8))
        #expect(r.status == 0)
        #expect(r.records.count == 1)
        #expect(r.rejects.count == 1)
        #expect(r.rejects.first?["line"] as? Int == 2)
        #expect((r.rejects.first?["reason"] as? String)?.contains("Call Start") == true)
        #expect((r.rejects.first?["text"] as? String)?.hasPrefix("2008/13/45") == true)
        #expect(r.stderr.contains("1 record (1 line), 1 rejected"))
    }

    @Test func unknownFormatAndUnreadableFileFailClearly() throws {
        let bad = try Agent.run(["parse", "--format", "nosuch", "Samples/nortel/meridian.smdr"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown format 'nosuch'"))
        let missing = try Agent.run(["parse", "/nonexistent/capture.smdr"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read /nonexistent/capture.smdr"))
    }

    @Test func unrecognisableInputSaysSo() throws {
        var rng = SystemRandomNumberGenerator()
        let garbage = Data((0..<4000).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) })
        let r = try Agent.run(["parse", "-"], stdin: garbage)
        #expect(r.status != 0)
        #expect(r.stderr.contains("no known format recognises"))
    }

    @Test func yearAndDateOrderOptions() throws {
        let mitel = try Agent.run(["parse", "--timezone", "America/Toronto", "--year", "2024", "Samples/mitel/mivb-standard.smdr"])
        #expect(mitel.records.first?["start"] as? String == "2024-11-03T09:42:00-05:00")
        let us = "03/04/26 10:00    201 01 0142681234           00:01'00 EU00000.00\n"
        let mdy = try Agent.run(["parse", "--format", "panasonic", "--date-order", "mdy", "--timezone", "UTC"], stdin: Data(us.utf8))
        #expect(mdy.records.first?["end"] as? String == "2026-03-04T10:00:00+00:00")
        let dmy = try Agent.run(["parse", "--format", "panasonic", "--timezone", "UTC"], stdin: Data(us.utf8))
        #expect(dmy.records.first?["end"] as? String == "2026-04-03T10:00:00+00:00")
    }

    @Test func customFormatFromYAML() throws {
        let yaml = """
            id: acme-2000
            title: Acme 2000
            claim: '^\\d\\d/\\d\\d/\\d{4} '
            skip: ['^DATE']
            columns:
              date: 1-10
              time: 12-16
              extension: 18-21
              number: 23-36
              duration: 38-45
              units: 47-50
              pbx_cost: 52-58
            date_format: dd/MM/yyyy
            time_format: HH:mm
            duration_format: clock
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-custom-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let spec = dir.appendingPathComponent("acme.yaml")
        try yaml.write(to: spec, atomically: true, encoding: .utf8)
        let capture = "DATE       TIME  EXT  NUMBER         DURATION UNIT COST\n04/11/2026 09:12 2001 0142681234     00:02:40    6    0.90\n"
        let r = try Agent.run(["parse", "--format-file", spec.path, "--timezone", "Europe/Paris"], stdin: Data(capture.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let rec = r.records.first
        #expect(rec?["format"] as? String == "acme-2000")
        #expect(rec?["start"] as? String == "2026-11-04T09:12:00+01:00")
        #expect(rec?["end"] as? String == "2026-11-04T09:14:40+01:00")
        #expect(rec?["extension"] as? String == "2001")
        #expect(rec?["units"] as? Int == 6)
        #expect(rec?["pbx_cost"] as? String == "0.90")

        try "id: broken\ncolumns:\n  date: one-ten\n".write(to: spec, atomically: true, encoding: .utf8)
        let broken = try Agent.run(["parse", "--format-file", spec.path, "-"], stdin: Data())
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("columns.date"))
    }

    @Test func formatsCommandListsEveryFormat() throws {
        let r = try Agent.run(["formats"])
        for id in ["alcatel-oxo", "alcatel-oxe", "avaya-ipo", "panasonic", "mitel", "nec-neax", "nec-sl", "siemens-hipath", "samsung-officeserv", "intertel-axxess", "nortel-meridian", "asterisk-csv", "3cx", "cisco-cucm"] {
            #expect(r.stdout.contains(id), "\(id) missing")
        }
    }
}
