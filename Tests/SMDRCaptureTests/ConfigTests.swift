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
            (e as? ConfigError)?.description == "x.yaml:5: key 'api.tokens[0].role': read, operate or admin"
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
            #expect("\(error)".contains("x.yaml:3: key 'sources[0].connect': expected HOST:PORT"))
        }
        do {
            _ = try AgentConfig.parse("sources:\n  - id: c\n    quiet_after: soon\n    device: /dev/x\n", file: "y.yaml")
            Issue.record("accepted a bad number")
        } catch {
            #expect("\(error)".contains("y.yaml:3"), "\(error)")
            #expect("\(error)".contains("quiet_after"))
        }
    }
}
