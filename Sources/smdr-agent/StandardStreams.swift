#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to stdout / stderr through write(2) (Swift 6 forbids touching the C `stdout`).
struct OutputStream {
    let fd: Int32
    var buffer: [UInt8] = []
    var flushAt = 1 << 20

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(flushAt + 4096)
    }

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= flushAt { flush() }
    }

    mutating func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushAt { flush() }
    }

    mutating func flushIfFull() {
        if buffer.count >= flushAt { flush() }
    }

    mutating func flush() {
        var offset = 0
        buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // stdout closed (e.g. `| head`): nothing more to do
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
