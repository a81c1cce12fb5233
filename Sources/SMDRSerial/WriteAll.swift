#if canImport(Glibc)
import Glibc
#endif

/// Writes all of `bytes` to `fd`, waiting out EAGAIN and EINTR; stops on any other error.
/// Returns whether everything was written.
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 100)
                continue
            }
            return false
        }
        off += n
    }
    return true
}
