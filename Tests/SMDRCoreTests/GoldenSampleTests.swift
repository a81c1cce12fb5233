import Foundation
import SMDRCore
import Testing

/// A capture of `Samples/` with the settings its metadata header gives.
struct GoldenSample: CustomTestStringConvertible, Sendable {
    let relativePath: String
    var testDescription: String { relativePath }

    var url: URL { repoRoot.appendingPathComponent("Samples").appendingPathComponent(relativePath) }
    var expectedURL: URL {
        repoRoot.appendingPathComponent("Tests/Golden").appendingPathComponent(relativePath).deletingPathExtension().appendingPathExtension("jsonl")
    }

    var bytes: [UInt8] { Array(try! Data(contentsOf: url)) }

    /// `# Key: value` lines at the top of the capture.
    var metadata: CaptureHeader { CaptureHeader(capture: bytes) }

    var options: ParseOptions { metadata.options(receivedAt: Date(timeIntervalSince1970: 1_795_305_600)) }

    static var all: [GoldenSample] {
        let root = repoRoot.appendingPathComponent("Samples")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        return files.filter { $0.pathExtension == "smdr" }.map { GoldenSample(relativePath: String($0.path.dropFirst(root.path.count + 1))) }
            .sorted { $0.relativePath < $1.relativePath }
    }
}

/// Each golden capture is recognised as the format its header names and gives exactly the records
/// of its expected file (re-record on purpose with `SMDR_RECORD_GOLDEN=1 swift test`).
@Test(arguments: GoldenSample.all)
func goldenSample(_ sample: GoldenSample) throws {
    let result = parseAll(sample.bytes, options: sample.options)
    #expect(result.format == sample.metadata["Format"], "detected \(result.format ?? "nothing")")
    #expect(result.rejects.isEmpty, "rejects: \(result.rejects.map { "\($0.line): \($0.reason)" })")
    try expectGolden(result.records, sample.expectedURL)
}

/// The records equal the expected file line for line (or, with `SMDR_RECORD_GOLDEN=1`, are written
/// to it, to be read line by line before committing).
func expectGolden(_ records: [CallRecord], _ expectedURL: URL) throws {
    let actual = records.map(RecordJSON.line).joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["SMDR_RECORD_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: expectedURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: expectedURL, encoding: .utf8)
    let a = actual.split(separator: "\n"), e = expected.split(separator: "\n")
    #expect(a.count == e.count, "\(a.count) records, expected \(e.count)")
    for (k, (x, y)) in zip(a, e).enumerated() where x != y {
        Issue.record("record \(k + 1) differs:\n  got      \(x)\n  expected \(y)")
    }
}

/// Framing must not depend on how the bytes arrive: byte by byte, all at once and in random
/// chunks give the same records (the habit of NIO's ByteToMessageDecoderVerifier).
@Test(arguments: GoldenSample.all)
func sameRecordsWhateverTheChunking(_ sample: GoldenSample) {
    let whole = parseAll(sample.bytes, options: sample.options).records.map(RecordJSON.line)
    let byteByByte = parseAll(sample.bytes, options: sample.options, chunk: 1).records.map(RecordJSON.line)
    #expect(byteByByte == whole)
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<5 {
        let size = Int.random(in: 2...97, using: &rng)
        #expect(parseAll(sample.bytes, options: sample.options, chunk: size).records.map(RecordJSON.line) == whole, "chunks of \(size)")
    }
}

/// Every real capture the team has (`../shared/samples`) parses with no rejected record.
@Test func sharedSamplesParseWithoutRejects() throws {
    let root = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/samples")
    guard FileManager.default.fileExists(atPath: root.path) else {
        Issue.record("../shared/samples not found beside the repository")
        return
    }
    let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        .filter { ["smdr", "csv"].contains($0.pathExtension) }
    #expect(files.count >= 8)
    for file in files {
        let result = parseAll(Array(try Data(contentsOf: file)), options: .vectors)
        #expect(result.format != nil, "\(file.lastPathComponent): format not recognised")
        #expect(result.rejects.isEmpty, "\(file.lastPathComponent): \(result.rejects.map(\.reason))")
        #expect(!result.records.isEmpty, "\(file.lastPathComponent): no records")
    }
}
