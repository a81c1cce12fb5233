import Foundation
import SMDRCore

/// Runs text through the whole core pipeline (framer, detection or a named format, parser).
func parseAll(_ text: String, format: String? = nil, options: ParseOptions = .vectors, chunk: Int? = nil) -> (records: [CallRecord], rejects: [Reject], skips: Int, format: String?) {
    parseAll(Array(text.utf8), format: format, options: options, chunk: chunk)
}

func parseAll(_ bytes: [UInt8], format: String? = nil, options: ParseOptions = .vectors, chunk: Int? = nil) -> (records: [CallRecord], rejects: [Reject], skips: Int, format: String?) {
    let handle = format.map { id in FormatHandle.builtIn.first { $0.id == id }! }
    var parser = StreamParser(format: handle, options: options)
    var events: [ParseEvent] = []
    if let chunk {
        var i = 0
        while i < bytes.count {
            parser.push(bytes[i..<min(bytes.count, i + chunk)], into: &events)
            i += chunk
        }
    } else {
        parser.push(bytes, into: &events)
    }
    parser.finish(into: &events)
    var records: [CallRecord] = []
    var rejects: [Reject] = []
    var skips = 0
    for e in events {
        switch e {
        case .record(let r): records.append(r)
        case .reject(let r): rejects.append(r)
        case .skip: skips += 1
        case .formatFound(let change):
            if let from = change.replayFrom { rejects.removeAll { $0.offset >= from } }
        }
    }
    return (records, rejects, skips, parser.format?.id)
}

/// The record as the JSON object a user reads.
func jsonObject(_ r: CallRecord) -> [String: Any] {
    let data = Data(RecordJSON.line(r).utf8)
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// A JSON value written as text, parsed for comparison.
func jsonValue(_ text: String) -> Any {
    try! JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
}

func sameJSON(_ a: Any?, _ b: Any) -> Bool {
    switch (a, b) {
    case (nil, is NSNull): return true
    case (is NSNull, is NSNull): return true
    case (let x as NSObject, let y as NSObject): return x.isEqual(y)
    default: return false
    }
}

/// Where the repository's files are, from this source file.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
