import Foundation
import SMDRSerial
import SMDRStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Fault 6 as a site meets it: a scanner or a broken client opens thousands of connections to the
/// API and never speaks. Capture keeps its descriptors, records keep being stored, `/health`
/// keeps answering, and the agent holds no more connections than `api.max_connections`.
struct ConnectionFloodTests {
    static func record(_ k: Int) -> String {
        "2026/11/04 10:\(String(format: "%02d", k / 60 % 60)):\(String(format: "%02d", k % 60)),00:01:05,3,201,O,0142681234,00142681234,,0,\(2_000_000 + k),0,E201,Marie,T9001,Line 1.1,0,0\r\n"
    }

    @Test func twoThousandIdleClientsDoNotStopCaptureOrHealth() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("smdr-flood-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pty = try PseudoTerminal()
        let agent = try RunningAgent(
            config: """
                data_dir: \(dir.path)/data
                timezone: UTC
                sources:
                  - id: pbx
                    device: \(pty.slavePath)
                    format: avaya-ipo
                api:
                  max_connections: 500
                """, dir: dir)
        defer { agent.stop() }
        try #require(agent.port > 0, "the agent logs its API port: \(agent.logText)")
        for k in 0..<100 { pty.write(Array(Self.record(k).utf8)) }

        var flood: [Int32] = []
        defer { flood.forEach { close($0) } }
        for k in 0..<2000 {
            let fd = connectLoopback(agent.port)
            guard fd >= 0 else { continue }
            if k % 2 == 0 { _ = Array("GET /calls HTTP/1.1\r\nHost: x\r\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
            flood.append(fd)
            if k % 400 == 399 {
                #expect(httpRequest(port: agent.port, "GET", "/health").status == 200, "/health after \(k + 1) idle clients")
                for j in 0..<40 { pty.write(Array(Self.record(100 + (k / 400) * 40 + j).utf8)) }
            }
        }
        #expect(flood.count == 2000, "every connection was accepted (old idle ones are let go)")
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(agent.process.processIdentifier)/fd").count) ?? 0
        #expect(descriptors > 0 && descriptors < 500 + 200, "the agent holds \(descriptors) descriptors with 2,000 clients knocking")
        #expect(httpRequest(port: agent.port, "GET", "/health").status == 200)

        let store = try CallStore(path: dir.appendingPathComponent("data/smdr.sqlite").path, access: .readOnly)
        let until = Date().addingTimeInterval(15)
        while try store.callCount() < 300, Date() < until { usleep(50_000) }
        #expect(try store.callCount() == 300, "every record written during the flood is stored")
        let metrics = httpRequest(port: agent.port, "GET", "/metrics").body
        #expect(metrics.contains("smdr_api_connections_closed_total{reason=\"evicted_idle\"}"))
        #expect(!agent.logText.contains("cannot read the journal"), "\(agent.logText)")
        #expect(!agent.logText.contains("Too many open files"), "\(agent.logText)")
    }
}
