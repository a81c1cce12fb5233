import Foundation
import SMDRCore
import SMDRDevices
import SMDRRuntime
import SMDRSerial
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `smdr-agent setup`, run as the installer runs it: the binary, a PBX printing on the other side
/// of a pty (or on a socket), answers typed on standard input, and the files it writes read back
/// by the agent's own strict configuration reader. systemctl is a script that notes what it was
/// asked (no systemd here); udev rules go to a temporary folder.
struct SetupTests {
    let dir: URL
    let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Samples")

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-setup-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let systemctl = dir.appendingPathComponent("systemctl")
        try "#!/bin/sh\necho \"$@\" >> \(dir.path)/systemctl.log\n".write(to: systemctl, atomically: true, encoding: .utf8)
        chmod(systemctl.path, 0o755)
        // A file as an installed package leaves it, with a section setup must keep.
        try """
            data_dir: \(dir.path)/data
            sources: []
            stations:
              "201": {name: Marie, recall_to: reception}
            api:
              listen: 127.0.0.1:8080
            """.write(to: config, atomically: true, encoding: .utf8)
    }

    var config: URL { dir.appendingPathComponent("smdr-agent.yaml") }

    /// Runs setup with `arguments` after the common ones, `input` on its standard input.
    func setup(_ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: agentBinary)
        p.arguments = ["setup", "--config", config.path, "--udev-rules", dir.appendingPathComponent("rules").path,
            "--systemctl", dir.appendingPathComponent("systemctl").path, "--listen-seconds", "1"] + arguments
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stdout
        try p.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    var systemctlCalls: [String] {
        ((try? String(contentsOf: dir.appendingPathComponent("systemctl.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// `--yes` on a pty with an Avaya IP Office printing at 9600 8N1: speed, framing and format
    /// found by listening, the first records shown with their extension, the file written (the
    /// stations section kept), accepted by the strict reader, and the service enabled and restarted.
    @Test func yesOnASerialPortFindsEverythingAndStartsTheService() throws {
        let pty = try PseudoTerminal()
        let pbx = try SimulatedPBX(pty: pty, capture: "avaya-ipoffice/kb-examples.smdr", settings: "9600,8N1")
        pbx.receiverIs(try SerialSettings("9600,8N1"))
        defer { pbx.stop() }
        let tariff = samples.appendingPathComponent("tariffs/france/tariff.yaml").path
        let accounts = samples.appendingPathComponent("tariffs/france/accounts.yaml").path
        let run = try setup(["--yes", "--port", pty.slavePath, "--timezone", "Europe/Paris", "--tariff", tariff, "--accounts", accounts])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("speed and framing: 9600,8N1"))
        #expect(run.output.contains("format: avaya-ipo"))
        #expect(run.output.contains("the first records, as they will be stored:"))
        #expect(run.output.contains("no USB serial number on \(pty.slavePath)"))
        let c = try AgentConfig.load(path: config.path)
        #expect(c.sources.count == 1)
        #expect(c.sources.first?.id == "pbx")
        #expect(c.sources.first?.format == "avaya-ipo")
        #expect(c.timeZone == "Europe/Paris")
        #expect(c.tariff == tariff)
        #expect(c.accounts == accounts)
        #expect(c.stations["201"]?.name == "Marie")
        #expect(c.dataDirectory == dir.appendingPathComponent("data").path)
        let text = try String(contentsOf: config, encoding: .utf8)
        #expect(text.contains("device: \(pty.slavePath)") && text.contains("serial: 9600,8N1"))
        #expect(FileManager.default.fileExists(atPath: config.path + ".before-setup"))
        #expect(systemctlCalls == ["enable smdr-agent", "restart smdr-agent"])
    }

    /// Interactive, and the PBX at a speed setup does not try: it says the bytes are unreadable and
    /// takes a capture instead; a wrong time zone and a missing tariff are asked again, not
    /// written. An existing source of another id is kept.
    @Test func interactiveAnswersAreCheckedAndACaptureReplacesListening() throws {
        try """
            data_dir: \(dir.path)/data
            sources:
              - {id: annex, connect: "192.0.2.7:2300", format: panasonic}
            """.write(to: config, atomically: true, encoding: .utf8)
        let pty = try PseudoTerminal()
        let pbx = try SimulatedPBX(pty: pty, capture: "avaya-ipoffice/kb-examples.smdr", settings: "57600,8N1")
        defer { pbx.stop() }
        let capture = samples.appendingPathComponent("avaya-ipoffice/kb-examples.smdr").path
        let tariff = samples.appendingPathComponent("tariffs/france/tariff.yaml").path
        let answers = [capture, "Mars/Olympus", "Europe/Paris", "/nowhere/tariff.yaml", tariff, ""].joined(separator: "\n") + "\n"
        let run = try setup(["--port", pty.slavePath, "--no-start", "--listen-seconds", "0.3"], input: answers)
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("readable at none of the settings tried"))
        #expect(run.output.contains("format: avaya-ipo"))
        #expect(run.output.contains("Mars/Olympus: unknown time zone"))
        #expect(run.output.contains("/nowhere/tariff.yaml:"))
        // The capture's first record, as printed: 2008/06/28 09:28:41, extension 4324, 8004206.
        #expect(run.output.contains("2008-06-28 09:28:41, incoming, extension 4324, number 8004206, 0 s"))
        let c = try AgentConfig.load(path: config.path)
        #expect(c.sources.map(\.id) == ["annex", "pbx"])
        #expect(c.timeZone == "Europe/Paris")
        #expect(c.tariff == tariff)
        #expect(c.accounts == nil)
        #expect(systemctlCalls.isEmpty)
    }

    /// A PBX on the network that prints only after its login (Panasonic: SMDR, then the password):
    /// setup logs in, detects the format, and writes the connection with its login lines.
    @Test func aTCPSourceWithALogin() throws {
        let server = try TestServer()
        let lines = try String(contentsOf: samples.appendingPathComponent("panasonic/kx-tda-pattern-b-darfo.smdr"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.prefix(40).joined(separator: "\r\n") + "\r\n"
        let got = NSLock()
        nonisolated(unsafe) var loginSeen = ""
        let listening = server.fd
        let pbx = Thread {
            var p = pollfd(fd: listening, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 15_000) > 0 else { return }
            let c = accept(listening, nil, nil)
            defer { close(c) }
            var buffer = [UInt8](repeating: 0, count: 256)
            var heard = ""
            while !heard.contains("PCCSMDR\r\n") {
                let n = read(c, &buffer, buffer.count)
                if n <= 0 { return }
                heard += String(decoding: buffer[0..<n], as: UTF8.self)
            }
            got.withLock { loginSeen = heard }
            TestServer.send(c, Array(lines.utf8))
            // Connected until setup has listened and hangs up.
            while read(c, &buffer, buffer.count) > 0 {}
        }
        pbx.start()
        let run = try setup(["--yes", "--connect", "127.0.0.1:\(server.port)", "--login", "SMDR", "--login", "PCCSMDR", "--timezone", "Europe/Rome"])
        #expect(run.status == 0, "\(run.output)")
        #expect(got.withLock { loginSeen } == "SMDR\r\nPCCSMDR\r\n")
        #expect(run.output.contains("format: panasonic"))
        let c = try AgentConfig.load(path: config.path)
        #expect(c.sources.first?.format == "panasonic")
        let text = try String(contentsOf: config, encoding: .utf8)
        #expect(text.contains("connect: 127.0.0.1:\(server.port)"))
        #expect(text.contains("- \"SMDR\"") && text.contains("- \"PCCSMDR\""))
        #expect(systemctlCalls == ["enable smdr-agent", "restart smdr-agent"])
    }

    /// Nothing comes: `--yes` fails with what to check, writes nothing and starts nothing.
    @Test func aSilentPortFailsAndWritesNothing() throws {
        let pty = try PseudoTerminal()
        let before = try String(contentsOf: config, encoding: .utf8)
        let run = try setup(["--yes", "--port", pty.slavePath, "--serial", "9600,8N1", "--timezone", "Europe/Paris"])
        #expect(run.status != 0)
        #expect(run.output.contains("nothing came"))
        #expect(try String(contentsOf: config, encoding: .utf8) == before)
        #expect(systemctlCalls.isEmpty)
        _ = pty
    }

    /// The udev rule names the adapter by vendor, product and serial number; a serial number that
    /// could end the match string (a PBX-side adapter can report anything) gives no rule at all.
    @Test func theUdevRuleMatchesTheAdapterAndNothingElse() {
        let ftdi = SerialDevice(node: "/dev/ttyUSB0", vendorID: "0403", productID: "6001", serial: "A9XK2L1Q")
        let link = UdevLink(name: "reception", device: ftdi)
        #expect(link?.path == "/dev/smdr-reception")
        #expect(link?.fileName == "99-smdr-agent-reception.rules")
        #expect(link?.rule.contains(#"SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", ENV{ID_SERIAL_SHORT}=="A9XK2L1Q", SYMLINK+="smdr-reception""#) == true)
        #expect(UdevLink(name: "x", device: SerialDevice(node: "/dev/ttyUSB0", vendorID: "0403", productID: "6001", serial: #"A", RUN+="/bin/sh"#)) == nil)
        #expect(UdevLink(name: "x", device: SerialDevice(node: "/dev/ttyS0")) == nil)
        #expect(UdevLink(name: "a b", device: ftdi) == nil)
    }
}
