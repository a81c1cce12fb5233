@testable import SMDRCore
import Testing

/// The template must keep compiling and working: it is what the next format is copied from.
@Test func templateFormatReadsItsVector() {
    let v = TemplateFormat.vectors[0]
    var parser = TemplateFormat.makeParser(v.options)
    var events: [ParseEvent] = []
    parser.parse(FramedLine(v.lines[0]), into: &events)
    guard case .record(let r) = events.first else {
        Issue.record("no record")
        return
    }
    #expect(r.extension_ == "201")
    #expect(r.durationSeconds == 160)
    #expect(!FormatRegistry.ids.contains(TemplateFormat.id))
}
