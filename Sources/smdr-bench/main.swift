import Foundation
import SMDRCore
import SMDRRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `make bench`: framing + parsing throughput per format (release build), and the `parse` command
/// end to end on a 1,000,000-line file. Prints a table; targets are in the README.

func argument(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

MallocTuning.keepFreedMemory()
let samplesDir = argument("--samples") ?? "Samples"
let agentPath = argument("--agent")
let quick = CommandLine.arguments.contains("--quick")

/// The record lines of a golden capture (metadata header removed), with its settings.
func sample(_ path: String) -> (lines: [[UInt8]], options: ParseOptions, format: String)? {
    guard let data = FileManager.default.contents(atPath: "\(samplesDir)/\(path)") else { return nil }
    var body = [UInt8](data)
    let header = CaptureHeader(capture: body)
    while body.first == UInt8(ascii: "#"), let nl = body.firstIndex(of: 0x0A) { body.removeSubrange(...nl) }
    var lines: [[UInt8]] = []
    var framer = Framer()
    framer.push(body) { lines.append(Array($0.bytes)) }
    framer.finish { lines.append(Array($0.bytes)) }
    return (lines, header.options(receivedAt: Date()), header.format ?? "")
}

struct Row {
    var name: String
    var records: Int
    var seconds: Double
    var bytes: Int
    var target: String
    var perSecond: Double { Double(records) / seconds }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Frames and parses `count` records built by repeating the sample's lines, 1 MiB at a time.
func measure(_ path: String, count: Int, target: String) -> Row? {
    guard let s = sample(path), let handle = FormatHandle.builtIn.first(where: { $0.id == s.format }) else { return nil }
    var stream: [UInt8] = []
    // Keep the sample's own headers where it has them, and repeat its record lines.
    let records = s.lines.filter { l in !l.isEmpty }
    var produced = 0
    while produced < count {
        for l in records {
            stream.append(contentsOf: l)
            stream.append(0x0D)
            stream.append(0x0A)
        }
        produced += records.count
    }
    var best = Double.infinity
    var got = 0
    for _ in 0..<(quick ? 1 : 3) {
        var parser = StreamParser(format: handle, options: s.options)
        var events: [ParseEvent] = []
        events.reserveCapacity(20_000)
        var n = 0
        let t0 = now()
        stream.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let end = min(all.count, i + (1 << 20))
                parser.push(buffer: UnsafeBufferPointer(rebasing: all[i..<end]), into: &events)
                for k in events.indices { if case .record = events[k] { n += 1 } }
                events.removeAll(keepingCapacity: true)
                i = end
            }
        }
        parser.finish(into: &events)
        for e in events { if case .record = e { n += 1 } }
        best = min(best, now() - t0)
        got = n
    }
    return Row(name: s.format, records: got, seconds: best, bytes: stream.count, target: target)
}

let million = quick ? 200_000 : 1_000_000
var rows: [Row] = []
let plan: [(String, Int, String)] = [
    ("avaya-ipoffice/kb-examples.smdr", million, "≥ 1,000,000/s"),
    ("panasonic/kx-tda-pattern-b-darfo.smdr", million, "≥ 1,000,000/s"),
    ("alcatel-oxo/listing-default-fields.smdr", million / 5, ""),
    ("alcatel-oxe/ed52-ethernet.smdr", million / 5, ""),
    ("mitel/mivb-standard.smdr", million / 5, ""),
    ("nec/neax-KK.smdr", million / 10, ""),
    ("nec/sl1100-report.smdr", million / 5, ""),
    ("siemens/hipath3000-getaccount.smdr", million / 5, ""),
    ("samsung/officeserv-tcp.smdr", million / 5, ""),
    ("intertel/axxess-8520.smdr", million / 5, ""),
    ("nortel/meridian.smdr", million / 5, ""),
    ("asterisk/master-csv.smdr", million / 5, ""),
    ("3cx/cdr.smdr", million / 5, ""),
]
let only = argument("--only")
for (path, count, target) in plan where only == nil || path.hasPrefix(only!) {
    if let row = measure(path, count: count, target: target) { rows.append(row) }
}

func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
    let p = String(repeating: " ", count: max(0, n - s.count))
    return right ? p + s : s + p
}
func grouped(_ v: Int) -> String {
    let s = String(v)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}

print("framing + parsing, one core, release build (best of \(quick ? 1 : 3))")
print(pad("format", 20) + pad("records", 12, right: true) + pad("records/s", 14, right: true) + pad("MB/s", 9, right: true) + "   target")
for r in rows {
    print(
        pad(r.name, 20) + pad(grouped(r.records), 12, right: true) + pad(grouped(Int(r.perSecond)), 14, right: true)
            + pad(String(format: "%.1f", Double(r.bytes) / r.seconds / 1e6), 9, right: true) + "   " + r.target)
}

// End to end: `smdr-agent parse` of a 1,000,000-line Avaya file to /dev/null.
if only == nil || only == "capture" || only == "parse", let agentPath, let s = sample("avaya-ipoffice/kb-examples.smdr") {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-bench-\(getpid()).smdr").path
    var text: [UInt8] = []
    var n = 0
    while n < million {
        for l in s.lines where n < million {
            text.append(contentsOf: l)
            text.append(contentsOf: [0x0D, 0x0A])
            n += 1
        }
    }
    FileManager.default.createFile(atPath: path, contents: Data(text))
    defer { unlink(path) }
    var best: MeasuredRun?
    for _ in 0..<(quick ? 1 : 3) {
        guard let r = MeasuredRun.run(agentPath, ["parse", "--format", "auto", "--timezone", "Europe/London", path]) else { break }
        if best == nil || r.cpu < best!.cpu { best = r }
    }
    print("")
    if let best {
        print("smdr-agent parse, \(grouped(million))-line avaya-ipo file → JSON lines: " + String(format: "%.2f s wall, %.2f CPU-s, peak RSS %d MB   target < 3 s", best.wall, best.cpu, best.maxRSSKB / 1024))
    }
    // The reference: a site's Python script (csv.DictReader + json.dumps) on the same file.
    let peer = "\(samplesDir)/bench/peer_parse.py"
    if let best, FileManager.default.fileExists(atPath: peer), let py = MeasuredRun.run("python3", [peer, path]), py.status == 0 {
        print(
            String(
                format: "  reference, Samples/bench/peer_parse.py on the same file: %.2f s wall, %.2f CPU-s, peak RSS %d MB; smdr-agent uses 1/%.1f of its CPU   target 1/8, < 30 MB",
                py.wall, py.cpu, py.maxRSSKB / 1024, py.cpu / best.cpu))
    } else {
        print("  reference Samples/bench/peer_parse.py: not run (python3 not found)")
    }
}

// Foreign text: each format forced on every other format's captures (what a wrong `--format`, or
// detection's trial reading, costs). Target: a few milliseconds per kilobyte at most.
if only == nil || only == "foreign" {
    var corpus: [(format: String, bytes: [UInt8])] = []
    let roots = [samplesDir, "\(samplesDir)/../../shared/field", "../shared/field"]
    for root in roots {
        guard let e = FileManager.default.enumerator(atPath: root) else { continue }
        for case let rel as String in e where rel.hasSuffix(".smdr") {
            guard let data = FileManager.default.contents(atPath: "\(root)/\(rel)") else { continue }
            let text = String(decoding: data.prefix(2048), as: UTF8.self)
            var format = text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("# Format: ") }.map { String($0.dropFirst(10)) }
            if format == nil {
                // A field capture: its format is in Tests/Field/<rel>.settings.
                let settings = "\(samplesDir)/../Tests/Field/\(rel.dropLast(5)).settings"
                format = (try? String(contentsOfFile: settings, encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("Format: ") }
                    .map { String($0.dropFirst(8)) }
            }
            if let format { corpus.append((format, [UInt8](data))) }
        }
        if root != samplesDir && !corpus.isEmpty { break }
    }
    print("")
    print("foreign text: each format forced on the other formats' captures (\(corpus.count) captures)")
    print(pad("format", 22) + pad("KB read", 10, right: true) + pad("ms/KB", 10, right: true) + "   target: a few ms/KB at most")
    var results: [(String, Double, Double)] = []
    for handle in FormatHandle.builtIn {
        let foreign = corpus.filter { $0.format != handle.id }
        var bytes = 0
        var cpu = 0.0
        for c in foreign {
            var parser = StreamParser(format: handle, options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!))
            var events: [ParseEvent] = []
            let t0 = now()
            parser.push(c.bytes, into: &events)
            parser.finish(into: &events)
            cpu += now() - t0
            bytes += c.bytes.count
        }
        results.append((handle.id, Double(bytes) / 1024, cpu * 1000 / (Double(bytes) / 1024)))
    }
    for (id, kb, ms) in results.sorted(by: { $0.2 > $1.2 }) {
        print(pad(id, 22) + pad(String(format: "%.0f", kb), 10, right: true) + pad(String(format: "%.3f", ms), 10, right: true))
    }
}

// Capture: journal → store ingest, live latency, idle cost.
if only == "ingest" {
    // Just the live-side ingest row (for profiling).
    if let (stored, t) = try? CaptureBench.ingest(count: quick ? 100_000 : 1_000_000, live: true) {
        print("journal → store ingest with the live side, \(grouped(stored)) records: \(grouped(Int(Double(stored) / t))) records/s   target ≥ 50,000/s")
    }
}
if only == nil || only == "capture" {
    print("")
    let n = quick ? 100_000 : 1_000_000
    if let (stored, t) = try? CaptureBench.ingest(count: n) {
        print("journal → store ingest, \(grouped(stored)) records: \(grouped(Int(Double(stored) / t))) records/s   target ≥ 50,000/s")
    }
    print("  call desk alone (assembly, limits, call events, no store): \(grouped(Int(CaptureBench.desk(count: n / 4)))) records/s")
    if let (stored, t) = try? CaptureBench.ingest(count: n, live: true) {
        print("  the same with the live side (call assembly, call events): \(grouped(Int(Double(stored) / t))) records/s")
    }
    if let lat = try? CaptureBench.latency(samples: quick ? 200 : 1000), !lat.isEmpty {
        let sorted = lat.sorted()
        func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        print(String(format: "live path, byte received → row committed (%d records): p50 %.2f ms, p99 %.2f ms, max %.2f ms   target p99 < 5 ms", lat.count, pct(0.5), pct(0.99), sorted.last! * 1000))
    }
    if let agentPath, let idle = try? CaptureBench.idle(agentPath: agentPath, seconds: quick ? 3 : 10) {
        print(String(format: "idle with a port open and the API: %.2f %% CPU, %d MB resident (%d MB anonymous, the rest the binary's code pages)   target < 1 %%, < 40 MB", idle.cpu * 100, idle.rssKB / 1024, idle.anonKB / 1024))
    }
}

// Live side: recall latency on the event stream and webhook, 200 clients.
if (only == nil || only == "live"), let agentPath {
    do { try LiveBench.run(agentPath: agentPath, quick: quick) } catch { print("live bench: \(error)") }
}

// Prepaid: /authorize latency at 1,000 requests/s, memory over a million authorisations.
if (only == nil || only == "prepaid"), let agentPath {
    do { try PrepaidBench.run(agentPath: agentPath, samples: samplesDir, quick: quick) } catch { print("prepaid bench: \(error)") }
}

// Rating: deck loading, in-process rating, the rate command.
if only == nil || only == "rating" {
    try? RatingBench.run(quick: quick)
    if let agentPath { try? RatingBench.rateCommand(agentPath: agentPath, quick: quick) }
}
