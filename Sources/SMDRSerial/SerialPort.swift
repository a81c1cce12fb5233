#if canImport(Glibc)
import Glibc
#endif

/// A serial port opened the way a collector daemon must: non-blocking, never our controlling tty,
/// exclusive (flock + TIOCEXCL), raw, with the settings read back and the original ones restored
/// on close. Reads return `.data`, `.wouldBlock` or `.gone` (EOF, EIO, ENXIO: the device left).
public final class SerialPort {
    public let path: String
    public let settings: SerialSettings
    public private(set) var fd: Int32
    /// Differences between what was asked and what the driver took (empty when all took).
    public private(set) var warnings: [String] = []
    private var saved = termios()

    public enum ReadResult: Equatable {
        case data(Int)
        case wouldBlock
        case gone(Int32)
    }

    public init(path: String, settings: SerialSettings) throws {
        self.path = path
        self.settings = settings
        fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            let hint =
                e == EACCES ? "add the agent's user to group dialout, or install Hardware/99-smdr-agent.rules"
                : e == ENOENT ? "no such device: check the adapter is plugged in (smdr-agent ports lists them)" : ""
            throw SerialError.open(path: path, errno: e, hint: hint)
        }
        do {
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw SerialError.busy(path: path) }
            guard ioctl(fd, UInt(TIOCEXCL)) == 0 else {
                // A pty's slave refuses nothing here; a real tty that refuses is already taken.
                if errno == EBUSY { throw SerialError.busy(path: path) }
                throw SerialError.configure(path: path, what: "TIOCEXCL", errno: errno)
            }
            guard tcgetattr(fd, &saved) == 0 else { throw SerialError.configure(path: path, what: "tcgetattr", errno: errno) }
            try apply()
        } catch {
            Glibc.close(fd)
            fd = -1
            throw error
        }
    }

    /// The termios this port's settings ask for, on top of `base`.
    public static func termiosFor(_ s: SerialSettings, base: termios) -> termios {
        var t = base
        cfmakeraw(&t)
        t.c_cflag &= ~tcflag_t(CSIZE | PARENB | PARODD | CSTOPB)
        t.c_cflag &= ~tcflag_t(CRTSCTS)
        t.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY | INPCK)
        t.c_cflag |= tcflag_t(CREAD | CLOCAL)  // CLOCAL: 3-wire SMDR cables carry no DCD
        switch s.dataBits {
        case 5: t.c_cflag |= tcflag_t(CS5)
        case 6: t.c_cflag |= tcflag_t(CS6)
        case 7: t.c_cflag |= tcflag_t(CS7)
        default: t.c_cflag |= tcflag_t(CS8)
        }
        switch s.parity {
        case .even:
            t.c_cflag |= tcflag_t(PARENB)
            t.c_iflag |= tcflag_t(INPCK)
        case .odd:
            t.c_cflag |= tcflag_t(PARENB | PARODD)
            t.c_iflag |= tcflag_t(INPCK)
        case .none: break
        }
        if s.stopBits == 2 { t.c_cflag |= tcflag_t(CSTOPB) }
        switch s.flow {
        case .rtscts: t.c_cflag |= tcflag_t(CRTSCTS)
        case .xonxoff: t.c_iflag |= tcflag_t(IXON | IXOFF)
        case .none: break
        }
        withUnsafeMutableBytes(of: &t.c_cc) {
            $0[Int(VMIN)] = 1
            $0[Int(VTIME)] = 0
        }
        let speed = SerialPort.speed(s.baud)
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
        return t
    }

    static func speed(_ baud: Int) -> speed_t {
        switch baud {
        case 300: speed_t(B300)
        case 600: speed_t(B600)
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115200: speed_t(B115200)
        default: speed_t(B9600)
        }
    }

    private func apply() throws {
        var wanted = SerialPort.termiosFor(settings, base: saved)
        guard tcsetattr(fd, TCSANOW, &wanted) == 0 else { throw SerialError.configure(path: path, what: "tcsetattr", errno: errno) }
        // tcsetattr succeeds when any change applied: read back and say what the driver refused.
        var got = termios()
        guard tcgetattr(fd, &got) == 0 else { throw SerialError.configure(path: path, what: "tcgetattr", errno: errno) }
        let mask = tcflag_t(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(CRTSCTS)
        if got.c_cflag & mask != wanted.c_cflag & mask { warnings.append("the driver did not take the frame/flow settings of \(settings)") }
        if cfgetispeed(&got) != cfgetispeed(&wanted) { warnings.append("the driver did not take \(settings.baud) baud") }
        if got.c_iflag & tcflag_t(IXON | IXOFF) != wanted.c_iflag & tcflag_t(IXON | IXOFF) { warnings.append("the driver did not take XON/XOFF") }
    }

    /// The settings in force now, for tests and diagnostics.
    public func currentTermios() -> termios? {
        var t = termios()
        return tcgetattr(fd, &t) == 0 ? t : nil
    }

    /// Drops what the driver received before now (bytes decoded under other settings).
    public func discardInput() { _ = tcflush(fd, TCIFLUSH) }

    /// Bytes received and not yet read (`FIONREAD`): what a full journal puts at risk.
    public var waitingBytes: Int? {
        var n: Int32 = 0
        return ioctl(fd, UInt(FIONREAD), &n) == 0 ? Int(n) : nil
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n > 0 { return .data(n) }
        if n == 0 { return .gone(0) }
        switch errno {
        case EAGAIN, EINTR: return .wouldBlock
        default: return .gone(errno)
        }
    }

    /// Waits until the port is readable, or `timeoutMillis` passes, or `wakeFD` becomes readable.
    public func wait(timeoutMillis: Int32, wakeFD: Int32 = -1) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        let n = poll(&fds, wakeFD >= 0 ? 2 : 1, timeoutMillis)
        return n > 0 && fds[0].revents != 0
    }

    /// Restores the original settings and releases the port.
    public func close() {
        guard fd >= 0 else { return }
        _ = tcsetattr(fd, TCSANOW, &saved)
        _ = flock(fd, LOCK_UN)
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}
