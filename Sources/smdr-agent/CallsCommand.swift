import ArgumentParser
import Foundation
import SMDRRuntime
import SMDRCore
import SMDRStore

struct CallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "calls", abstract: "Print the calls stored in a data directory.")

    @OptionGroup var dataOption: DataDirectoryOption
    var dataDir: String { dataOption.dataDir }
    @Option(help: "Only calls starting at or after this time (ISO 8601, e.g. 2026-11-04T00:00:00+01:00, or a date 2026-11-04).")
    var since: String?
    @Flag(help: "JSON lines with the call-record fields (the form of `parse`), plus the rating fields when calls were rated.")
    var json = false

    func run() throws {
        let path = DataDirectory(dataDir).store.path
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no store at \(path): is --data-dir the agent's?") }
        let store = try CallStore(path: path, access: .readOnly)
        var sinceEpoch: Int64?
        if let since {
            let f = ISO8601DateFormatter()
            if let d = f.date(from: since) {
                sinceEpoch = Int64(d.timeIntervalSince1970)
            } else if let d = f.date(from: since + "T00:00:00Z") {
                sinceEpoch = Int64(d.timeIntervalSince1970) - Int64(TimeZone.current.secondsFromGMT(for: d))
            } else {
                throw ValidationError("--since: '\(since)' is not an ISO 8601 time or date")
            }
        }
        var out = OutputStream(fd: 1)
        for line in try store.callsJSON(since: sinceEpoch, rated: true) {
            if json {
                out.write(line + "\n")
            } else if let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                // PBX text never reaches the terminal as a command: control bytes are shown as \xNN.
                func s(_ k: String) -> String { TerminalText.safe((o[k] as? String) ?? (o[k] as? Int).map(String.init) ?? "-") }
                out.write([s("start"), s("direction").padding(toLength: 8, withPad: " ", startingAt: 0), s("extension"), s("number"), s("duration_s") + " s", s("trunk"), o["cost"] == nil ? "" : s("cost") + " " + s("rating_currency")].joined(separator: "  ") + "\n")
            }
        }
        out.flush()
    }
}
