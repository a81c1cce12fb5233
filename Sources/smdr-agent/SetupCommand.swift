import ArgumentParser
import Foundation
import SMDRCore
import SMDRDevices
import SMDRRuntime
import SMDRSerial

#if canImport(Glibc)
import Glibc
#endif

/// `smdr-agent setup`: the installer's first run on site. Finds the PBX's port, listens to find
/// its speed, framing and format, shows the first records as they will be stored, asks for the
/// time zone, tariff and business codes, writes the configuration, names the adapter
/// `/dev/smdr-<name>` by its USB serial number, and starts the service. `--yes` takes every
/// default and asks nothing (an error says which option is missing when there is no default).
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Set up the agent on site: find the port, its speed and format, write the configuration, start the service.",
        discussion: """
            A PBX prints a record when a call ends: make a short external call while setup listens,
            or give a capture of its output with --replay. Run as root to write /etc and start the service.
            """)

    @Option(help: "The configuration file to write (the previous one is kept as FILE.before-setup).")
    var config = "/etc/smdr-agent/smdr-agent.yaml"
    @Option(help: "The PBX's serial port (a node, /dev/serial/by-id/…). Asked when there are several.")
    var port: String?
    @Option(help: "The PBX's TCP output instead of a serial port, HOST:PORT.")
    var connect: String?
    @Option(help: "A line sent after connecting (repeatable; Panasonic: SMDR, then the password).")
    var login: [String] = []
    @Option(help: "Detect the format from this capture instead of waiting for the PBX to print.")
    var replay: String?
    @Option(help: "The speed and framing, e.g. 9600,8N1; detected when not given.")
    var serial: String?
    @Option(help: "The source's name (the udev link is /dev/smdr-NAME).")
    var name = "pbx"
    @Option(help: "The PBX's time zone, e.g. Europe/Paris (default: the system's).")
    var timezone: String?
    @Option(help: "A tariff file, to price calls.")
    var tariff: String?
    @Option(help: "Business codes (accounts), YAML or CSV.")
    var accounts: String?
    @Option(help: "Seconds to listen at each speed and framing.")
    var listenSeconds: Double = 10
    @Option(help: "Where the udev rule naming the adapter goes.")
    var udevRules = "/etc/udev/rules.d"
    @Flag(help: "Do not write a udev rule; the port keeps the name given.")
    var noUdev = false
    @Flag(help: "Write the configuration but do not start the service.")
    var noStart = false
    @Option(help: .hidden)
    var systemctl = "systemctl"
    @Option(help: .hidden)
    var udevadm = "udevadm"
    @Flag(help: "Ask nothing: take the defaults, fail when one is missing.")
    var yes = false
    @OptionGroup var formatOptions: FormatOptions

    func run() async throws {
        var console = SetupConsole(assumeDefaults: yes)
        let catalog = try formatOptions.catalog()
        if let f = formatOptions.format, f != "auto", catalog.handle(id: f) == nil { throw ValidationError("--format: \(catalog.unknown(f))") }
        let detector = PortDetector(listenSeconds: listenSeconds, formats: catalog.handles)

        // 1. Where the PBX is.
        var place = try await choosePlace(&console)

        // 2. What it prints, and at which speed.
        var found: (settings: SerialSettings?, format: String?, lines: [String])?
        var capture = replay
        while found == nil {
            if let file = capture {
                let text: String
                do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw ValidationError("--replay \(file): cannot read: \(error.localizedDescription)") }
                let lines = text.split(whereSeparator: \.isNewline).map(String.init)
                var settings = try serial.map { try SerialSettings($0) }
                if case .serial = place, settings == nil {
                    console.say("speed and framing: not detected from a capture; 9600,8N1 is written, the most common (--serial to set it)")
                    settings = try SerialSettings("9600,8N1")
                }
                found = (settings, detector.format(of: lines), lines)
                break
            }
            let verdict = try listen(place, detector, &console)
            switch verdict {
            case .found(let settings, let format, let lines):
                found = (settings, format, lines)
            case .silent, .garbage:
                let why: String
                if case .garbage(let bytes) = verdict {
                    why = "\(bytes) bytes came, readable at none of the settings tried: another speed or framing (--serial), or a noisy line"
                } else {
                    why = "nothing came: make an external call so the PBX prints, and check the cable (null-modem?) and that its SMDR output is on"
                }
                console.say(why)
                let answer = try console.ask("listen again (l), a capture file to read instead (its path), or quit (q)?", default: nil, missing: "the PBX printed nothing readable; give --replay FILE or --serial")
                if answer == "q" { throw ExitCode(1) }
                if answer != "l" && !answer.isEmpty { capture = answer }
            }
        }
        guard let found else { throw ExitCode(1) }
        if let s = found.settings { console.say("speed and framing: \(s)") }

        var formatID = formatOptions.format ?? found.format
        if let id = found.format {
            console.say("format: \(id) (\(catalog.handle(id: id)?.title ?? id))")
        } else if formatOptions.format == nil {
            console.say("format: none of the \(catalog.handles.count) known formats reads these lines:")
            for l in found.lines.prefix(3) { console.say("  | \(TerminalText.safe(l))") }
            console.say("describe them in a custom format file (Samples/custom/ has examples) and give it with --format-file")
            let answer = try console.ask("format id (`smdr-agent formats` lists them), or auto?", default: nil, missing: "no known format reads what the PBX prints; give --format or --format-file")
            guard answer == "auto" || catalog.handle(id: answer) != nil else { throw ValidationError(catalog.unknown(answer)) }
            formatID = answer
        }
        let format = formatID ?? "auto"

        // 3. The site's time zone; the first records as they will be stored.
        let zoneName = try askTimeZone(&console)
        showFirstRecords(found.lines, format: format, catalog: catalog, zone: TimeZone(identifier: zoneName)!, &console)

        // 4. Tariff and business codes (checked now, not at the service's start).
        let tariffPath = try askFile(&console, given: tariff, question: "tariff file to price calls (empty: none)?") { try loadTariff($0) }
        let accountsPath = try askFile(&console, given: accounts, question: "business codes file (empty: none)?") { _ = try loadAccounts($0) }

        // 5. A name for the adapter that does not change.
        if case .serial(let path, let device) = place, !noUdev {
            place = .serial(path: try linkAdapter(path: path, device: device, &console), device: device)
        }

        // 6. The configuration.
        var source = SetupConfigFile.Source(id: name, format: format)
        switch place {
        case .serial(let path, _):
            source.device = path
            source.serial = (found.settings ?? serial.flatMap { try? SerialSettings($0) }).map { "\($0)" }
        case .tcp(let host, let port):
            source.connect = "\(host):\(port)"
            source.login = login
        }
        let file = SetupConfigFile(source: source, timeZone: zoneName, tariff: tariffPath, accounts: accountsPath)
        let backup: String?
        do { backup = try file.write(to: config) } catch { throw SetupFailure("\(error)") }
        console.say("wrote \(config)\(backup.map { " (the previous one kept as \($0))" } ?? "")")

        // 7. The service.
        if noStart {
            console.say("not started (--no-start); start it with: systemctl enable --now smdr-agent")
        } else {
            startService(&console)
        }
        console.say("then `smdr-agent doctor` says whether records arrive")
    }

    // MARK: Steps

    enum Place {
        case serial(path: String, device: SerialDevice?)
        case tcp(host: String, port: Int)
    }

    func choosePlace(_ console: inout SetupConsole) async throws -> Place {
        if let connect {
            guard let (host, port) = AgentConfig.hostPort(connect) else { throw ValidationError("--connect \(connect): HOST:PORT") }
            return .tcp(host: host, port: port)
        }
        let ports = await UDev().ports()
        if let port {
            guard FileManager.default.fileExists(atPath: port) else { throw ValidationError("--port \(port): no such device; `smdr-agent ports` lists them") }
            return .serial(path: port, device: SetupCommand.device(port, in: ports))
        }
        guard !ports.isEmpty else {
            console.say("no serial port found: plug the USB-serial adapter in, or give --connect HOST:PORT for a PBX on the network")
            let answer = try console.ask("a port path, or HOST:PORT?", default: nil, missing: "no serial port found; give --port or --connect")
            return try place(answer, ports)
        }
        console.say("serial ports:")
        for (k, p) in ports.enumerated() {
            let what = [p.vendor, p.model, p.serial.map { "serial \($0)" }].compactMap { $0 }.joined(separator: ", ")
            console.say("  \(k + 1)) \(p.node)\(what.isEmpty ? "" : "  \(what)")")
        }
        if ports.count > 1 && console.assumeDefaults { throw ValidationError("\(ports.count) serial ports: say which with --port") }
        let answer = try console.ask("which one (a number, a path, or HOST:PORT for a PBX on the network)?", default: "1", missing: "")
        if let k = Int(answer), ports.indices.contains(k - 1) { return .serial(path: ports[k - 1].node, device: ports[k - 1]) }
        return try place(answer, ports)
    }

    func place(_ answer: String, _ ports: [SerialDevice]) throws -> Place {
        if !answer.hasPrefix("/"), let (host, port) = AgentConfig.hostPort(answer) { return .tcp(host: host, port: port) }
        guard FileManager.default.fileExists(atPath: answer) else { throw SetupFailure("\(answer): no such device") }
        return .serial(path: answer, device: SetupCommand.device(answer, in: ports))
    }

    /// The port as udev knows it, by any of its names.
    static func device(_ path: String, in ports: [SerialDevice]) -> SerialDevice? {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return ports.first { $0.matches(path) || $0.node == real }
    }

    func listen(_ place: Place, _ detector: PortDetector, _ console: inout SetupConsole) throws -> PortDetector.Verdict {
        switch place {
        case .serial(let path, _):
            let candidates = try serial.map { [try SerialSettings($0)] } ?? PortDetector.candidates
            console.say("listening to \(path), \(String(format: "%g", detector.listenSeconds)) s at each of \(candidates.count) settings; a PBX prints when a call ends, so make one now")
            do {
                return try detector.detect(path: path, candidates: candidates, report: { [console] s, q in
                    console.say("  \(s): \(q)")
                })
            } catch { throw SetupFailure("\(path): \(error)") }
        case .tcp(let host, let port):
            console.say("connecting to \(host):\(port)\(login.isEmpty ? "" : ", logging in"), listening \(String(format: "%g", detector.listenSeconds)) s; a PBX prints when a call ends, so make one now")
            do {
                return try detector.detect(host: host, port: port, login: login) { [console] q in
                    console.say("  \(q)")
                }
            } catch { throw SetupFailure("\(host):\(port): \(error)") }
        }
    }

    func askTimeZone(_ console: inout SetupConsole) throws -> String {
        if let timezone {
            guard TimeZone(identifier: timezone) != nil else { throw ValidationError("--timezone \(timezone): unknown; e.g. Europe/Paris (timedatectl list-timezones)") }
            return timezone
        }
        while true {
            let answer = try console.ask("the PBX's time zone?", default: TimeZone.current.identifier, missing: "")
            if TimeZone(identifier: answer) != nil { return answer }
            if console.assumeDefaults { throw ValidationError("time zone \(answer): unknown; give --timezone") }
            console.say("\(answer): unknown time zone; e.g. Europe/Paris (timedatectl list-timezones)")
        }
    }

    /// A file path asked for and checked by `check`; empty for none. The path is written absolute.
    func askFile(_ console: inout SetupConsole, given: String?, question: String, check: (String) throws -> Void) throws -> String? {
        var answer = given
        while true {
            if answer == nil { answer = try console.ask(question, default: "", missing: "") }
            guard let path = answer, !path.isEmpty else { return nil }
            let full = URL(fileURLWithPath: path).standardizedFileURL.path
            do {
                guard FileManager.default.isReadableFile(atPath: full) else { throw SetupFailure("no such file, or not readable") }
                try check(full)
                if ["/home/", "/root/", "/tmp/"].contains(where: { full.hasPrefix($0) }) {
                    console.say("note: the service cannot read \(full) (its unit hides /home, /root and /tmp): /etc/smdr-agent/ is the place")
                }
                return full
            } catch {
                if console.assumeDefaults || given != nil { throw SetupFailure("\(path): \(error)") }
                console.say("\(path): \(error)")
                answer = nil
            }
        }
    }

    func showFirstRecords(_ lines: [String], format: String, catalog: FormatCatalog, zone: TimeZone, _ console: inout SetupConsole) {
        var parser = StreamParser(format: catalog.handle(id: format), candidates: catalog.handles, options: ParseOptions(timeZone: zone))
        var events: [ParseEvent] = []
        parser.push(Array(lines.joined(separator: "\r\n").utf8) + [0x0D, 0x0A], into: &events)
        parser.finish(into: &events)
        let records = events.compactMap { e -> CallRecord? in if case .record(let r) = e { return r } else { return nil } }
        guard !records.isEmpty else {
            console.say("no record among the \(lines.count) lines received yet (headers or other lines only)")
            return
        }
        console.say("the first records, as they will be stored:")
        for r in records.prefix(3) {
            var parts: [String] = []
            if let s = r.start ?? r.end {
                let l = s.local
                parts.append(String(format: "%04d-%02d-%02d %02d:%02d:%02d", l.year, l.month, l.day, l.hour, l.minute, l.second))
            }
            if let d = r.direction { parts.append(d.rawValue) }
            if let e = r.extension_ { parts.append("extension \(e)") }
            if let n = r.number ?? r.dialed { parts.append("number \(n)") }
            if let d = r.durationSeconds { parts.append("\(d) s") }
            if let a = r.accountCode { parts.append("code \(a)") }
            console.say("  " + TerminalText.safe(parts.joined(separator: ", ")))
        }
    }

    /// Writes the udev rule for a USB adapter with a serial number and returns `/dev/smdr-NAME`;
    /// otherwise the path given (a stable by-id name when there is one).
    func linkAdapter(path: String, device: SerialDevice?, _ console: inout SetupConsole) throws -> String {
        guard let device, let link = UdevLink(name: name, device: device) else {
            let stable = device?.byID.first
            console.say("no USB serial number on \(path): no udev link written; the configuration names it \(stable ?? path)")
            return stable ?? path
        }
        let file = URL(fileURLWithPath: udevRules).appendingPathComponent(link.fileName).path
        do {
            try FileManager.default.createDirectory(atPath: udevRules, withIntermediateDirectories: true)
            try link.rule.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            throw SetupFailure("cannot write \(file): \(error.localizedDescription) (run setup as root, or --no-udev)")
        }
        console.say("wrote \(file): the adapter (serial \(link.serial)) is \(link.path) whatever socket it is in")
        _ = Command.run(udevadm, ["control", "--reload-rules"])
        _ = Command.run(udevadm, ["trigger", "--action=add", "--subsystem-match=tty"])
        _ = Command.run(udevadm, ["settle", "--timeout=5"])
        if !FileManager.default.fileExists(atPath: link.path) {
            console.say("note: \(link.path) does not exist yet (udev did not apply the rule here); it will once the adapter is plugged in again")
        }
        return link.path
    }

    func startService(_ console: inout SetupConsole) {
        func systemctl(_ verb: String) -> (status: Int32, output: String) {
            Command.run(self.systemctl, [verb, "smdr-agent"]) ?? (127, "\(self.systemctl): cannot be started")
        }
        let enabled = systemctl("enable")
        let restarted = enabled.status == 0 ? systemctl("restart") : enabled
        if restarted.status == 0 {
            console.say("service smdr-agent enabled and started")
        } else {
            console.say("could not start the service (\(restarted.output.trimmingCharacters(in: .whitespacesAndNewlines))); start it with: systemctl enable --now smdr-agent")
        }
    }
}

/// Questions on standard input, answers on standard output; with `assumeDefaults` nothing is
/// asked: the default is taken, or the error `missing` thrown.
struct SetupConsole: @unchecked Sendable {
    let assumeDefaults: Bool

    func say(_ s: String) {
        var out = OutputStream(fd: 1)
        out.write(s + "\n")
        out.flush()
    }

    mutating func ask(_ question: String, default value: String?, missing: String) throws -> String {
        if assumeDefaults {
            guard let value else { throw SetupFailure(missing) }
            return value
        }
        let shown = value.map { $0.isEmpty ? "" : " [\($0)]" } ?? ""
        var out = OutputStream(fd: 1)
        out.write("\(question)\(shown) ")
        out.flush()
        guard let line = readLine() else {
            guard let value else { throw SetupFailure("no answer (standard input ended): \(missing)") }
            return value
        }
        let answer = line.trimmingCharacters(in: .whitespaces)
        return answer.isEmpty ? (value ?? "") : answer
    }
}

/// Setup could not go on; said without the usage text (the options were right).
struct SetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
