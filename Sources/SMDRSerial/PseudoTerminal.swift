import CPTY

#if canImport(Glibc)
import Glibc
#endif

/// A pty pair for replaying captures and for tests: the master writes what a PBX would print,
/// the slave path is what the agent opens. One slave fd is kept open (raw) so the pty neither
/// cooks `\r` into `\n` nor hangs up when a reader closes.
public final class PseudoTerminal: @unchecked Sendable {
    public private(set) var master: Int32
    public private(set) var keeper: Int32
    public let slavePath: String

    public init() throws {
        var name = [CChar](repeating: 0, count: 128)
        let m = cpty_open_master(&name, name.count)
        guard m >= 0 else { throw SerialError.open(path: "/dev/ptmx", errno: errno, hint: "") }
        master = m
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        keeper = open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        var t = termios()
        tcgetattr(keeper, &t)
        cfmakeraw(&t)
        tcsetattr(keeper, TCSANOW, &t)
    }

    /// Writes all of `bytes` to the master (what the PBX prints).
    public func write(_ bytes: [UInt8]) { writeAll(master, bytes) }

    /// Bytes written but not yet read by the slave side.
    public var unread: Int32 {
        var n: Int32 = 0
        _ = ioctl(keeper, UInt(FIONREAD), &n)
        return n
    }

    /// Hangs the line up: the reader sees EOF/EIO, as when a cable is pulled.
    public func hangUp() {
        if keeper >= 0 { Glibc.close(keeper) }
        if master >= 0 { Glibc.close(master) }
        keeper = -1
        master = -1
    }

    deinit { hangUp() }
}
