import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The few socket calls the TCP sources need, on plain POSIX sockets.
enum Socket {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func address(host: String, port: Int) throws -> (family: Int32, storage: sockaddr_storage, length: socklen_t) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let info = result else { throw Failure(description: String(cString: gai_strerror(rc))) }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
        }
        return (info.pointee.ai_family, storage, info.pointee.ai_addrlen)
    }

    static func connect(host: String, port: Int, timeout: Double) throws -> Int32 {
        let a = try address(host: host, port: port)
        let fd = socket(a.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        var storage = a.storage
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, a.length) } }
        if rc != 0 && errno != EINPROGRESS {
            let e = errno
            close(fd)
            throw Failure(description: String(cString: strerror(e)))
        }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else {
            close(fd)
            throw Failure(description: "timed out")
        }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        guard err == 0 else {
            close(fd)
            throw Failure(description: String(cString: strerror(err)))
        }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    static func listen(host: String, port: Int) throws -> Int32 {
        let a = try address(host: host, port: port)
        let fd = socket(a.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = a.storage
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, a.length) } }
        guard rc == 0, Glibc.listen(fd, 4) == 0 else {
            let e = errno
            close(fd)
            throw Failure(description: String(cString: strerror(e)))
        }
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 {
                if errno == EINTR || errno == EAGAIN {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 1000)
                    continue
                }
                return
            }
            off += n
        }
    }

    /// Reads the connection into the journal until it closes or the agent stops.
    static func pump(_ fd: Int32, into writer: JournalWriter, stopper: Stopper, source: String) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !stopper.isStopped {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stopper.readFD, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, 1000) > 0, fds[0].revents != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                buffer.withUnsafeBytes { writer.write(UnsafeRawBufferPointer(rebasing: $0[0..<n]), stopper: stopper) }
            } else if n == 0 {
                return
            } else if errno != EAGAIN && errno != EINTR {
                return
            }
        }
    }
}
