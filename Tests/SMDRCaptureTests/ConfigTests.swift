import Foundation
import SMDRRuntime
import SMDRSerial
import Testing

struct ConfigTests {
    /// The shipped example configuration parses, live sections included.
    @Test func theShippedExampleParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Hardware/smdr-agent.yaml").path
        let c = try AgentConfig.load(path: path)
        #expect(c.api?.listen == "127.0.0.1:8080")
        #expect(c.stations["101"]?.monitoring == true && c.stations["101"]?.recallTo == "reception" && c.stations["101"]?.maxDuration == 1800)
    }

    /// A token with an unknown role is refused with the file, line and key.
    @Test func anUnknownTokenRoleIsRefused() throws {
        let text = """
            sources:
              - {id: a, listen: 127.0.0.1:9000}
            api:
              tokens:
                - {token: abc, role: superuser}
            """
        #expect { try AgentConfig.parse(text, file: "x.yaml") } throws: { e in
            (e as? ConfigError)?.description == "x.yaml:5:20: key 'api.tokens[0].role': read, operate or admin"
        }
    }
    @Test func aValidConfigGivesItsSources() throws {
        let c = try AgentConfig.parse(
            """
            data_dir: /var/lib/smdr-agent
            timezone: Europe/Paris
            sources:
              - id: reception
                device: /dev/serial/by-id/usb-FTDI_FT232R-if00-port0
                serial: 1200,7E1
                format: alcatel-oxo
                quiet_after: 7200
              - id: ipo
                listen: 0.0.0.0:9000
              - connect: 192.0.2.10:2300
                login: [SMDR, PCCSMDR]
            """, file: "agent.yaml")
        #expect(c.dataDirectory == "/var/lib/smdr-agent")
        #expect(c.sources.count == 3)
        #expect(c.sources[0].kind == .serial(path: "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", settings: try SerialSettings("1200,7E1")))
        #expect(c.sources[0].quietAfterSeconds == 7200)
        #expect(c.sources[1].kind == .tcpListener(host: "0.0.0.0", port: 9000))
        #expect(c.sources[2].kind == .tcpClient(host: "192.0.2.10", port: 2300, login: ["SMDR", "PCCSMDR"]))
        #expect(c.sources[2].id == "source3")
    }

    @Test func errorsNameTheFileTheLineAndTheKey() {
        let text = """
            sources:
              - id: a
                device: /dev/ttyUSB0
                serial: 9600,8X1
            """
        do {
            _ = try AgentConfig.parse(text, file: "agent.yaml")
            Issue.record("accepted a bad frame")
        } catch {
            let m = "\(error)"
            #expect(m.hasPrefix("agent.yaml:4:"), "\(m)")
            #expect(m.contains("sources[0].serial"))
        }
        do {
            _ = try AgentConfig.parse("sources:\n  - id: b\n    connect: nowhere\n", file: "x.yaml")
            Issue.record("accepted a bad address")
        } catch {
            #expect("\(error)".contains("x.yaml:3:5: key 'sources[0].connect': expected HOST:PORT"))
        }
        do {
            _ = try AgentConfig.parse("sources:\n  - id: c\n    quiet_after: soon\n    device: /dev/x\n", file: "y.yaml")
            Issue.record("accepted a bad number")
        } catch {
            #expect("\(error)".contains("y.yaml:3"), "\(error)")
            #expect("\(error)".contains("quiet_after"))
        }
    }

    /// Typos a site makes, at every depth, each an error with file:line:column, all in one run:
    /// none of them is silently a default any more.
    @Test func unknownKeysAtAnyDepthAreErrorsWithTheirPlace() throws {
        let text = """
            fromat: avaya-ipo
            datadir: /var/lib/smdr
            timzone: Europe/Paris
            sources:
              - id: a
                device: /dev/ttyUSB0
                boud: 9600
            api:
              lisen: 0.0.0.0:8080
            stations:
              "201": {name: Marie, max_duraton: 600}
            calls:
              default_max_duration: 3600
              quiet_secs: {default: 60}
            tarif:
              whatever: 1
            """
        do {
            _ = try AgentConfig.parse(text, file: "agent.yaml")
            Issue.record("typos accepted")
        } catch let e as ConfigError {
            let lines = e.description.split(separator: "\n").map(String.init)
            #expect(lines.count == 8, "\(e.description)")
            #expect(lines[0].hasPrefix("agent.yaml:1:1: unknown key 'fromat'"))
            #expect(lines[1].hasPrefix("agent.yaml:2:1: unknown key 'datadir' (did you mean 'data_dir'?)"))
            #expect(lines[2].hasPrefix("agent.yaml:3:1: unknown key 'timzone' (did you mean 'timezone'?)"))
            #expect(lines[3].hasPrefix("agent.yaml:7:5: unknown key 'sources[0].boud'"))
            #expect(lines[4].hasPrefix("agent.yaml:9:3: unknown key 'api.lisen' (did you mean 'listen'?)"))
            #expect(lines[5].hasPrefix("agent.yaml:11:24: unknown key 'stations.201.max_duraton' (did you mean 'max_duration'?)"))
            #expect(lines[6].hasPrefix("agent.yaml:14:3: unknown key 'calls.quiet_secs'"))
            #expect(lines[7].hasPrefix("agent.yaml:15:1: unknown key 'tarif' (did you mean 'tariff'?)"))
        }
    }

    /// A wrong type, a time zone that does not exist, a duplicate source id and an unknown format
    /// id: each with its place, all listed at once.
    @Test func wrongValuesAreErrorsWithTheirPlaceAllAtOnce() throws {
        let text = """
            timezone: Europe/Pariss
            sources:
              - id: pbx
                device: /dev/ttyUSB0
                quiet_after: soon
                format: avaya-xyz
              - id: pbx
                listen: 0.0.0.0:9000
            api:
              max_connections: many
            """
        do {
            _ = try AgentConfig.parse(text, file: "agent.yaml")
            Issue.record("accepted")
        } catch let e as ConfigError {
            let lines = e.description.split(separator: "\n").map(String.init)
            #expect(lines.count == 5, "\(e.description)")
            #expect(lines[0] == "agent.yaml:1:1: key 'timezone': 'Europe/Pariss' is not a time zone (an IANA name such as Europe/Paris or UTC)")
            #expect(lines[1].hasPrefix("agent.yaml:5:5: key 'sources[0].quiet_after': expected a number, got 'soon'"))
            #expect(lines[2].hasPrefix("agent.yaml:6:5: key 'sources[0].format': unknown format 'avaya-xyz'; known: auto, alcatel-oxo,"))
            #expect(lines[3].hasPrefix("agent.yaml:7:5: key 'sources[1].id': 'pbx' is already the id of sources[0]"))
            #expect(lines[4].hasPrefix("agent.yaml:10:3: key 'api.max_connections': expected a whole number, got 'many'"))
        }
        #expect(throws: ConfigError.self) { try AgentConfig.load(path: "/nonexistent/agent.yaml") }
        do { _ = try AgentConfig.load(path: "/nonexistent/agent.yaml") } catch {
            #expect("\(error)".hasPrefix("/nonexistent/agent.yaml: cannot read"))
        }
    }

    /// A custom format's file is as strict, at any depth (`answered.yes`, `skip` kinds).
    @Test func customFormatFilesAreStrictAtAnyDepth() throws {
        let dir = temporaryDirectory("custom-config")
        let format = dir.appendingPathComponent("site.yaml")
        try "id: site\nclaim: '^\\d'\ncolumns: {time: 1-5, extension: 7-9, duration: 11-13}\nanswered: {yes: [A], noo: [N]}\n".write(to: format, atomically: true, encoding: .utf8)
        do {
            _ = try AgentConfig.parse("formats: [site.yaml]\nsources:\n  - {id: a, device: /dev/x, format: site}\n", file: dir.appendingPathComponent("agent.yaml").path)
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("key 'formats[0]': \(format.path):4:"), "\(error)")
            #expect("\(error)".contains("unknown key 'answered.noo' (did you mean 'no'?)"), "\(error)")
        }
        try "id: site\nclaim: '^\\d'\ncolumns: {time: 1-5, extension: 7-9, duration: 11-13}\n".write(to: format, atomically: true, encoding: .utf8)
        let c = try AgentConfig.parse("formats: [site.yaml]\nsources:\n  - {id: a, device: /dev/x, format: site}\n", file: dir.appendingPathComponent("agent.yaml").path)
        #expect(c.formatFiles == [format.path] && c.sources[0].format == "site")
    }
}
