import Foundation
import SMDRSerial
import SMDRStore

#if canImport(Glibc)
import Glibc
#endif

/// `make soak`: replays 100,000 records through real ptys into the agent binary, with hang-ups in
/// mid-record and SIGKILLs at random points, then counts what was lost or stored twice.
/// Not part of `make test` (it takes a minute or two).

func argument(_ name: String, _ fallback: String) -> String {
    let a = CommandLine.arguments
    guard let i = a.firstIndex(of: name), i + 1 < a.count else { return fallback }
    return a[i + 1]
}

let agentPath = argument("--agent", ".build/release/smdr-agent")
let total = Int(argument("--records", "100000"))!
let hangupTarget = Int(argument("--hangups", "50"))!
let killTarget = Int(argument("--kills", "10"))!

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-soak-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
let link = dir.appendingPathComponent("ttyPBX").path
let data = dir.appendingPathComponent("data").path
let logURL = dir.appendingPathComponent("agent.log")
FileManager.default.createFile(atPath: logURL.path, contents: nil)

func record(_ k: Int) -> [UInt8] {
    let start = String(format: "2026/11/%02d %02d:%02d:%02d", 1 + (k / 86_400) % 28, (k / 3600) % 24, (k / 60) % 60, k % 60)
    return Array("\(start),00:02:\(String(format: "%02d", k % 60)),\(k % 20),0612\(String(format: "%06d", k % 1_000_000)),I,2\(k % 100),2\(k % 100),,0,\(1_000_000 + k),0,E2\(k % 100),Agent \(k % 77),T9001,Line 1.\(k % 8),0,0\r\n".utf8)
}

func startAgent() throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: agentPath)
    p.arguments = ["run", "--device", link, "--format", "avaya-ipo", "--data-dir", data, "--timezone", "UTC"]
    let h = try FileHandle(forWritingTo: logURL)
    h.seekToEndOfFile()
    p.standardError = h
    try p.run()
    return p
}

func opens() -> Int { ((try? String(contentsOf: logURL, encoding: .utf8)) ?? "").components(separatedBy: "port open").count - 1 }

func waitOpens(_ n: Int) -> Bool {
    let until = Date().addingTimeInterval(20)
    while Date() < until {
        if opens() >= n { return true }
        usleep(10_000)
    }
    return false
}

func drained(_ pty: PseudoTerminal) {
    let until = Date().addingTimeInterval(10)
    while pty.unread > 0 && Date() < until { usleep(2_000) }
    usleep(50_000)
}

let t0 = Date()
var pty = try PseudoTerminal()
symlink(pty.slavePath, link)
var agent = try startAgent()
var expectedOpens = 1
guard waitOpens(expectedOpens) else { fatalError("the agent did not open the port; see \(logURL.path)") }
var hangups = 0, kills = 0
let hangEvery = max(1, total / (hangupTarget + 1))
let killEvery = max(1, total / (killTarget + 1))
var rng = SystemRandomNumberGenerator()
for k in 0..<total {
    let r = record(k)
    let cut = Int.random(in: 1..<(r.count - 1), using: &rng)
    pty.write(Array(r[..<cut]))
    if k % hangEvery == hangEvery / 2 && hangups < hangupTarget {
        drained(pty)
        pty.hangUp()
        pty = try PseudoTerminal()
        unlink(link)
        symlink(pty.slavePath, link)
        hangups += 1
        expectedOpens += 1
        guard waitOpens(expectedOpens) else { fatalError("no reopen after hang-up \(hangups)") }
    }
    pty.write(Array(r[cut...]))
    if k % killEvery == killEvery - 1 && kills < killTarget {
        drained(pty)
        usleep(UInt32.random(in: 0...40_000, using: &rng))
        kill(agent.processIdentifier, SIGKILL)
        agent.waitUntilExit()
        kills += 1
        agent = try startAgent()
        expectedOpens += 1
        guard waitOpens(expectedOpens) else { fatalError("no restart after kill \(kills)") }
    }
    if k % 64 == 0 { drained(pty) }
}
drained(pty)
usleep(500_000)
kill(agent.processIdentifier, SIGTERM)
agent.waitUntilExit()

let store = try CallStore(path: data + "/smdr.sqlite")
var seen: [String: Int] = [:]
for line in try store.callsJSON() {
    let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    seen[o["raw"] as! String, default: 0] += 1
}
var lost = 0, duplicated = 0
for k in 0..<total {
    let raw = String(decoding: record(k).dropLast(2), as: UTF8.self)
    switch seen[raw] ?? 0 {
    case 0: lost += 1
    case 1: break
    case let n: duplicated += n - 1
    }
}
let unknown = seen.count - (total - lost)
print("soak: \(total) records, \(hangups) hang-ups in mid-record, \(kills) SIGKILLs, \(String(format: "%.0f", Date().timeIntervalSince(t0))) s")
print("lost: \(lost)")
print("duplicated: \(duplicated)")
print("unexpected: \(unknown)")
print("quarantined: \(try store.quarantined().count)")
if lost == 0 && duplicated == 0 && unknown == 0 { try? FileManager.default.removeItem(at: dir) } else { print("kept \(dir.path) for inspection") }
exit(lost == 0 && duplicated == 0 && unknown == 0 ? 0 : 1)
