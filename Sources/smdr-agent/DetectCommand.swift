import ArgumentParser
import Foundation
import SMDRCore
import SMDRRuntime
import SMDRSerial

/// `smdr-agent detect PORT`: listens to a serial port at each usual speed and framing and says
/// which one the PBX prints at, and which format it prints; then the source to put in the
/// configuration. A PBX prints only when calls end: make a call, or give it time.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Find a serial port's speed, framing and format by listening to it (the first step of setting up).",
        discussion: "A PBX prints a record when a call ends: make a short external call while it listens.")

    @Argument(help: "The serial port (a node, /dev/serial/by-id/…).")
    var port: String
    @Option(help: "Seconds to listen at each speed and framing.")
    var listenSeconds: Double = 10
    @Option(help: "Only these settings, in order (repeatable), e.g. --try 9600,8N1 --try 1200,7E1.")
    var `try`: [String] = []
    @OptionGroup var formatOptions: FormatOptions

    func run() throws {
        let candidates = try `try`.isEmpty ? PortDetector.candidates : `try`.map { s in
            do { return try SerialSettings(s) } catch { throw ValidationError("--try \(s): \(error)") }
        }
        let catalog = try formatOptions.catalog()
        var out = OutputStream(fd: 1)
        out.write("listening to \(port), \(Int(listenSeconds)) s at each of \(candidates.count) settings; a PBX prints when a call ends\n")
        out.flush()
        let verdict: PortDetector.Verdict
        do {
            verdict = try PortDetector(listenSeconds: listenSeconds, formats: catalog.handles).detect(path: port, candidates: candidates, report: { s, q in
                out.write("  \(s): \(q)\n")
                out.flush()
            })
        } catch {
            throw ValidationError("\(error)")
        }
        switch verdict {
        case .found(let found, let format, let lines):
            let settings = found.map { "\($0)" } ?? "?"
            out.write("found: \(settings), format \(format ?? "not recognised (describe it in a custom format file)")\n")
            for l in lines.prefix(3) { out.write("  | \(TerminalText.safe(l))\n") }
            out.write("for the configuration (sources:):\n  - id: pbx\n    device: \(port)\n    serial: \(settings)\n    format: \(format ?? "auto")\n")
        case .garbage(let bytes):
            out.write("garbage: \(bytes) bytes came, readable at none of the settings tried: the PBX prints at another speed or framing (try --try), or the line is noisy\n")
            out.flush()
            throw ExitCode(1)
        case .silent:
            out.write("silent: nothing came at any setting: make a call so the PBX prints, and check the cable (a null-modem cable?) and that the PBX's SMDR output is on\n")
            out.flush()
            throw ExitCode(1)
        }
        out.flush()
    }
}
