import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import SMDRCalls
import SMDRLive

/// `smdr-agent recalls`: the reception desk's side of the cost recall.
struct RecallsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recalls",
        abstract: "Follow cost recalls as they come, or ask for one (\"recall me for the next external call of station X\").",
        discussion: """
            recalls --follow [--destination reception]   prints each recall summary as it comes (reconnects by itself, missing nothing)
            recalls --request 202 --to reception         the next external call of 202 is recalled to reception
            recalls                                      lists pending requests
            """
    )

    @Option(help: "The agent's API.")
    var url: String = "http://127.0.0.1:8080"
    @Option(help: "Bearer token (needed to request, and for reads on a non-loopback API). Also SMDR_TOKEN.")
    var token: String?
    @Flag(help: "Print recall summaries as they come.")
    var follow = false
    @Option(help: "With --follow: only the recalls for this destination (a receptionist or console).")
    var destination: String?
    @Flag(help: "With --follow: one JSON object per line instead of a summary line.")
    var json = false
    @Option(help: "Ask for a recall of this station's next external call.")
    var request: String?
    @Option(help: "With --request: where the recall goes (default: the station's recall_to).")
    var to: String?
    @Option(help: "With --follow: resume after this event id.")
    var since: Int64?

    var bearer: String? { token ?? ProcessInfo.processInfo.environment["SMDR_TOKEN"] }

    func run() async throws {
        if let station = request {
            var body = "{\"station\":\"\(station.filter { $0.isNumber || $0.isLetter })\""
            if let to { body += ",\"destination\":\"\(to.replacingOccurrences(of: "\"", with: ""))\",\"requested_by\":\"\(to.replacingOccurrences(of: "\"", with: ""))\"" }
            body += "}"
            let (status, text) = try await send("POST", "/recalls", body: body)
            guard status == 201 else { throw ValidationError("the agent refused (HTTP \(status)): \(text)") }
            print(text)
            return
        }
        if !follow {
            let (status, text) = try await send("GET", "/recalls", body: nil)
            guard status == 200 else { throw ValidationError("HTTP \(status): \(text)") }
            print(text)
            return
        }
        var last = since.map(String.init)
        while true {
            do {
                last = try await stream(after: last)
            } catch {
                FileHandle.standardError.write(Data("connection to \(url) lost (\(error)); retrying in 2 s\n".utf8))
            }
            try await Task.sleep(nanoseconds: 2_000_000_000)
        }
    }

    /// Reads the event stream until it ends; returns the last event id seen.
    func stream(after last: String?) async throws -> String? {
        var path = "/events?types=recall"
        if let destination { path += "&destination=\(destination.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        var r = HTTPClientRequest(url: url + path)
        r.headers.add(name: "Accept", value: "text/event-stream")
        if let last { r.headers.add(name: "Last-Event-ID", value: last) }
        if let bearer { r.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await HTTPClient.shared.execute(r, timeout: .hours(24 * 365))
        guard response.status.code == 200 else { throw ValidationError("HTTP \(response.status.code) from \(url)") }
        var parser = EventStreamParser()
        for try await chunk in response.body {
            for e in parser.push(chunk.readableBytesView) where e.type == "recall" {
                if json {
                    emit(e.data)
                } else if let env = try? JSONSerialization.jsonObject(with: Data(e.data.utf8)) as? [String: Any],
                    let data = env["data"].flatMap({ try? JSONSerialization.data(withJSONObject: $0) }),
                    let recall = try? JSONDecoder().decode(CostRecall.self, from: data)
                {
                    emit(recall.summaryLine)
                }
            }
        }
        return parser.lastEventID ?? last
    }

    /// One line, written at once (a console reads it as it comes).
    func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    func send(_ method: String, _ path: String, body: String?) async throws -> (Int, String) {
        var r = HTTPClientRequest(url: url + path)
        r.method = method == "POST" ? .POST : .GET
        if let bearer { r.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            r.headers.add(name: "Content-Type", value: "application/json")
            r.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(r, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }
}
