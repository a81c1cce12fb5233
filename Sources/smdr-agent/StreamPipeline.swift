import Dispatch
import Foundation
import SMDRCore

#if canImport(Glibc)
import Glibc
#endif

/// Where the events of `parse` and `rate` go: called on the writer queue only, in input order.
protocol EventSink: AnyObject, Sendable {
    var out: OutputStream { get set }
    var err: OutputStream { get set }
    /// Consumes the batch and leaves `events` empty (it may move the records out rather than copy them).
    func consume(_ events: inout [ParseEvent], file: String)
}

/// Reads input files in 64 KiB chunks and parses them on the calling thread. The events are
/// consumed either on that thread too (`parse`: turning a record into JSON costs less than handing
/// it to another thread, and it is freed by the thread that made it), or on a serial writer queue
/// (`rate`: rating is heavy enough that both cores should work), in order. At most 2 batches wait.
struct StreamPipeline {
    let candidates: [FormatHandle]
    let chosen: FormatHandle?
    var consumeOnReader = false
    let options: (Date) -> ParseOptions

    /// Returns whether every input was read and recognised; formats seen go to `formatsSeen`.
    func run(files: [String], sink: some EventSink, formatsSeen: inout Set<String>) -> Bool {
        let writer = DispatchQueue(label: "smdr-agent.writer")
        let inFlight = DispatchSemaphore(value: 2)
        func hand(_ events: inout [ParseEvent], file: String) {
            guard !events.isEmpty else { return }
            if consumeOnReader {
                sink.consume(&events, file: file)
                return
            }
            let batch = events
            events = []
            events.reserveCapacity(batch.count)
            inFlight.wait()
            writer.async {
                var taken = batch
                sink.consume(&taken, file: file)
                inFlight.signal()
            }
        }
        func message(_ text: String) {
            if consumeOnReader { sink.err.write(text) } else { writer.async { sink.err.write(text) } }
        }
        var ok = true
        for file in files {
            let name = file == "-" ? "<stdin>" : file
            let fd: Int32 = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                message("smdr-agent: cannot read \(file): \(String(cString: strerror(errno)))\n")
                ok = false
                continue
            }
            defer { if fd != 0 { close(fd) } }
            var st = stat()
            var received = Date()
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
                received = Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec))
            }
            var parser = StreamParser(format: chosen, candidates: candidates, options: options(received))
            var events: [ParseEvent] = []
            events.reserveCapacity(4096)
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var readError: Int32 = 0
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = errno
                    break
                }
                if n == 0 { break }
                chunk.withUnsafeBufferPointer { parser.push(buffer: UnsafeBufferPointer(rebasing: $0[0..<n]), into: &events) }
                hand(&events, file: name)
            }
            parser.finish(into: &events)
            hand(&events, file: name)
            if readError != 0 {
                message("smdr-agent: error reading \(file): \(String(cString: strerror(readError)))\n")
                ok = false
            }
            if parser.unrecognised {
                message(
                    "smdr-agent: \(name): no known format recognises its first \(parser.sample.count) lines; name one with --format (\(candidates.map(\.id).joined(separator: ", "))) or describe it with --format-file\n"
                )
                ok = false
            } else if let id = parser.format?.id {
                formatsSeen.insert(id)
            }
        }
        writer.sync { sink.out.flush() }
        return ok
    }
}
