import Foundation
import SMDRCalls
import SMDRCore
import SMDRRating
@testable import SMDRRuntime
import SMDRStore
import SMDRTickets
import Testing

// End-to-end goldens, one per capture of `Samples/` (in the spirit of gpsd's `.chk` files): the
// records as parsed, rated, assembled into calls with their events, and printed as taxation
// tickets, under a fixed clock, in one text file a person reads in a diff:
// `Tests/Golden/e2e/<relative path>.txt` (`.smdr` replaced by `.txt`). How the files were derived
// and checked, and how to re-record them: `Tests/Golden/e2e/README.md`.

/// Where the repository's files are, from this source file.
private let e2eRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The fixed clock: the receive time of every record, the parse options' `receivedAt`, the desk's wall clock.
private let e2eClock: Int64 = 1_795_305_600

/// The stations of the live side (as `stations:` in the agent's configuration): extensions met in
/// the samples, with names; 201 monitored, its recalls going to reception (as in README.md).
private let e2eStations: [String: StationSettings] = [
    "201": StationSettings(name: "Marie", monitoring: true, recallTo: "reception"),
    "202": StationSettings(name: "Paul"),
    "203": StationSettings(name: "Luc"),
    "A104": StationSettings(name: "Claire"),
    "234": StationSettings(name: "Accueil"),
]

/// A capture of `Samples/` with the settings of its `# Key: value` header.
struct EndToEndSample: CustomTestStringConvertible, Sendable {
    let relativePath: String
    var testDescription: String { relativePath }

    var url: URL { e2eRoot.appendingPathComponent("Samples").appendingPathComponent(relativePath) }
    var expectedURL: URL {
        e2eRoot.appendingPathComponent("Tests/Golden/e2e").appendingPathComponent(relativePath).deletingPathExtension().appendingPathExtension("txt")
    }

    var bytes: [UInt8] { Array(try! Data(contentsOf: url)) }

    var metadata: CaptureHeader { CaptureHeader(capture: bytes) }

    var options: ParseOptions { metadata.options(receivedAt: Date(timeIntervalSince1970: TimeInterval(e2eClock))) }

    /// Every `*.smdr` under `Samples/`, sorted (the list `GoldenSample.all` builds).
    static var all: [EndToEndSample] {
        let root = e2eRoot.appendingPathComponent("Samples")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        return files.filter { $0.pathExtension == "smdr" }.map { EndToEndSample(relativePath: String($0.path.dropFirst(root.path.count + 1))) }
            .sorted { $0.relativePath < $1.relativePath }
    }
}

/// The tariff and business codes a sample is rated with: the UK tariff (no business codes) for
/// a sample in Europe/London, the French tariff and its codes for every other one.
private func e2eTariff(timeZone: String) throws -> (name: String, rater: Rater, book: AccountBook?) {
    let dir = e2eRoot.appendingPathComponent("Samples/tariffs").appendingPathComponent(timeZone == "Europe/London" ? "united-kingdom" : "france")
    let path = dir.appendingPathComponent("tariff.yaml")
    let tariff = try Tariff.load(yaml: try String(contentsOf: path, encoding: .utf8), source: path.path) { file in
        try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
    }
    guard timeZone != "Europe/London" else { return ("united-kingdom/tariff.yaml, no business codes", Rater(tariff: tariff), nil) }
    let codes = dir.appendingPathComponent("accounts.yaml")
    let book = try AccountBook.load(text: try String(contentsOf: codes, encoding: .utf8), source: codes.path)
    return ("france/tariff.yaml, business codes france/accounts.yaml", Rater(tariff: tariff), book)
}

/// The records of a capture, read with the format its header names.
private func e2eRecords(_ sample: EndToEndSample) -> [CallRecord] {
    let id = sample.metadata["Format"]
    let handle = FormatHandle.builtIn.first { $0.id == id }
    var parser = StreamParser(format: handle, options: sample.options)
    var events: [ParseEvent] = []
    parser.push(sample.bytes, into: &events)
    parser.finish(into: &events)
    return events.compactMap { if case .record(let r) = $0 { r } else { nil } }
}

/// The whole golden text of a sample.
func endToEndText(_ sample: EndToEndSample) throws -> String {
    let meta = sample.metadata
    let zone = meta["Timezone"] ?? "UTC"
    let (tariffName, rater, book) = try e2eTariff(timeZone: zone)
    let records = e2eRecords(sample)
    let ratings = records.map { rater.rate($0) }
    var out: [String] = []
    out.append("# End-to-end golden of Samples/\(sample.relativePath) (Tests/Golden/e2e/README.md)")
    out.append("# format \(meta["Format"] ?? "?"), timezone \(zone)\(meta["Year"].map { ", year \($0)" } ?? ""), clock \(e2eClock) (\(ZonedTime(utc: e2eClock, offset: 0).iso8601))")
    out.append("# tariff \(tariffName)")
    out.append("")

    // 1. Rated calls.
    out.append("== rated calls: \(records.count) record(s)")
    out.append("# line | start | direction | extension | number | duration | rating: cost + VAT = incl. VAT | units (source) | destination [prefix] band | business code")
    for (r, g) in zip(records, ratings) { out.append(e2eRatedLine(r, g, book: book)) }
    out.append("")

    // 2. Events: the call desk as the agent configures it from LiveSettings, every record received
    // at the fixed clock, the quiet period checked at that clock, then every open call flushed.
    let settings = LiveSettings(
        stations: e2eStations,
        charge: { r, g in LiveSettings.charge(g, maskDigits: book?.account(r.accountCode)?.maskDigits ?? 0) })
    var desk = settings.desk(source: "pbx", format: meta["Format"])
    var events: [CallDesk.Event] = []
    var setUp: [CallDesk.SetUpParty?] = []
    for r in records {
        let added = desk.add(r, charge: settings.charge(r, RatedCall(r, rater: rater, book: book).stored), receivedAt: e2eClock, requests: [])
        setUp.append(added.setUp)
        events += added.events
    }
    events += desk.advance(to: e2eClock, requests: []).events
    events += desk.flush(requests: []).events
    out.append("== events: \(events.count) (source pbx; call keys are pbx-<byte offset of the first record>)")
    let byOffset = Dictionary(records.map { ($0.offset, $0) }, uniquingKeysWith: { a, _ in a })
    for e in events { out += e2eEventLines(e, byOffset) }
    out.append("")

    // 3. Tickets: every outgoing rated call, in call order, text layout, English, ACME SA.
    let layout = TicketLayout(kind: .text, strings: .english)
    var number = 0
    var tickets: [String] = []
    for (k, (r, g)) in zip(records, ratings).enumerated() where r.direction == .outgoing && g.status == .rated {
        number += 1
        var content = TicketContent(call: r, rating: g, account: book?.account(r.accountCode), company: "ACME SA", number: number)
        if let s = setUp[k] { content.transferredBy = s.label }
        tickets.append("-- ticket \(number): line \(r.line)")
        tickets += String(decoding: layout.render(content), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast(2).map(String.init)
    }
    out.append("== tickets: \(number)")
    out += tickets
    return out.joined(separator: "\n") + "\n"
}

private func e2eRatedLine(_ r: CallRecord, _ g: Rating, book: AccountBook?) -> String {
    var f: [String] = [
        "L\(r.line)", (r.start ?? r.end)?.iso8601 ?? "no time", r.direction?.rawValue ?? "direction?", r.extension_ ?? "-",
        r.number ?? r.dialed ?? "-", r.durationSeconds.map { "\($0) s" } ?? "duration?",
    ]
    func money(_ m: Money) -> String { m.string(places: g.decimals) }
    switch g.status {
    case .unrated:
        f.append("unrated: \(g.reason ?? "?")")
    case .free, .rated:
        f.append("\(g.status.rawValue) \(money(g.cost)) + VAT \(money(g.vat)) = \(money(g.costInclVAT)) \(g.currency)")
        f.append(g.units.map { "\($0) units (\(g.unitsSource ?? "?"))" } ?? "no units")
        var dest = g.destination ?? "no destination"
        if let p = g.prefix { dest += " [\(p)]" }
        if let b = g.band { dest += " \(b)" }
        if let reason = g.reason { dest += ": \(reason)" }
        f.append(dest)
    }
    if let code = r.accountCode {
        if let book { f.append("code \(code) " + (book.account(code).map { "\($0.client)\($0.isBillable ? "" : " (not billable)")" } ?? "unknown")) } else { f.append("code \(code)") }
    }
    return f.joined(separator: " | ")
}

/// An event in a compact form: a call as its summary line and one line per leg; a recall as the
/// line the reception desk reads; anything else as its JSON. Each leg names its record's line
/// (`L12`) and, when the PBX printed no start, the record's end.
private func e2eEventLines(_ e: CallDesk.Event, _ byOffset: [Int64: CallRecord]) -> [String] {
    let data = Data(e.json.utf8)
    switch e.type {
    case "call":
        guard let c = try? JSONDecoder().decode(CallSummary.self, from: data) else { return ["call \(e.json)"] }
        let byParty = c.costByParty.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = [
            "call \(c.callKey): \(c.external ? "external" : "internal"), set up by \(c.setUpBy ?? "-"), \(c.legs.count) leg(s), cost by party: \(byParty.isEmpty ? "none" : byParty)\(c.currency.map { " \($0)" } ?? "")"
        ]
        for l in c.legs {
            let record = byOffset[l.offset]
            var f = ["  \(l.role) \(l.party ?? "?")\(l.partyName.map { " (\($0))" } ?? "") L\(record?.line ?? 0)", l.direction ?? "direction?", l.number ?? "-"]
            if let t = l.trunk { f.append("trunk \(t)") }
            f.append(l.start ?? record?.end.map { "no start, ended \($0.iso8601)" } ?? "no start")
            f.append(l.durationSeconds.map { "\($0) s" } ?? "-")
            if let h = l.holdSeconds, h > 0 { f.append("hold \(h) s") }
            if let u = l.units { f.append("\(u) units") }
            if l.cost != nil || l.costInclVAT != nil { f.append("\(l.cost ?? "?") excl. / \(l.costInclVAT ?? "?") incl. VAT") }
            if let a = l.accountCode { f.append("code \(a)") }
            if let x = l.exceededSeconds { f.append("exceeded \(x) s") }
            lines.append(f.joined(separator: " · "))
        }
        return lines
    case "recall":
        guard let r = try? JSONDecoder().decode(CostRecall.self, from: data) else { return ["recall \(e.json)"] }
        return ["recall (\(r.reason), call \(r.callKey)) → \(r.summaryLine)"]
    default:
        return ["\(e.type)\(e.destination.map { " → \($0)" } ?? ""): \(e.json)"]
    }
}

@Suite struct EndToEndGoldenTests {
/// Each sample's records, ratings, events and tickets equal its expected file (re-record on
/// purpose with `SMDR_RECORD_GOLDEN=1`, then check the files as README.md says).
@Test(arguments: EndToEndSample.all)
func endToEndGolden(_ sample: EndToEndSample) throws {
    let actual = try endToEndText(sample)
    if ProcessInfo.processInfo.environment["SMDR_RECORD_GOLDEN"] == "1" {
        // A known issue's file holds hand-derived lines the program does not give yet: never overwritten.
        try FileManager.default.createDirectory(at: sample.expectedURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: sample.expectedURL, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: sample.expectedURL, encoding: .utf8)
    e2eCompare(actual, expected, sample)
}

}

/// Records the first differing lines (at most 5) and a differing line count.
private func e2eCompare(_ actual: String, _ expected: String, _ sample: EndToEndSample) {
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false), e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    var shown = 0
    for k in 0..<max(a.count, e.count) where shown < 5 {
        let x = k < a.count ? String(a[k]) : "<end of output>", y = k < e.count ? String(e[k]) : "<end of file>"
        if x != y {
            Issue.record("\(sample.relativePath): line \(k + 1) of \(sample.expectedURL.lastPathComponent) differs:\n  got      \(x)\n  expected \(y)")
            shown += 1
        }
    }
    #expect(a.count == e.count, "\(a.count) lines, expected \(e.count)")
}

extension EndToEndGoldenTests {
/// Every sample has its golden file, and no golden file is left without its sample.
@Test func goldenFilesMatchSamples() throws {
    let dir = e2eRoot.appendingPathComponent("Tests/Golden/e2e")
    let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        .filter { $0.pathExtension == "txt" }.map { String($0.path.dropFirst(dir.path.count + 1)) }
    let expected = EndToEndSample.all.map { String($0.relativePath.dropLast(".smdr".count)) + ".txt" }
    #expect(Set(files) == Set(expected))
}
}
