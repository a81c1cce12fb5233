import SMDRLive
import Testing

struct EventStreamParserTests {
    /// Events come out whole however the bytes are cut; comments are skipped; the last id is kept
    /// for `Last-Event-ID`.
    @Test func piecesOfAnySize() {
        let text = "retry: 2000\r\n: hello\r\n\r\nid: 7\r\nevent: recall\r\ndata: {\"a\":1}\r\n\r\n: keep-alive\n\nid: 8\nevent: alert\ndata: x\ndata: y\n\n"
        let bytes = Array(text.utf8)
        for cut in 1...bytes.count {
            var p = EventStreamParser()
            var events: [EventStreamParser.Event] = []
            var k = 0
            while k < bytes.count {
                events += p.push(bytes[k..<min(bytes.count, k + cut)])
                k += cut
            }
            #expect(events == [.init(id: "7", type: "recall", data: "{\"a\":1}"), .init(id: "8", type: "alert", data: "x\ny")], "cut \(cut)")
            #expect(p.lastEventID == "8")
        }
    }
}
