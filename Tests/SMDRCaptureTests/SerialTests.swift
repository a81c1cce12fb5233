import Foundation
import SMDRCore
import SMDRSerial
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct SerialTests {
    @Test func settingsStrings() throws {
        let s = try SerialSettings("1200,7E1")
        #expect(s.baud == 1200 && s.dataBits == 7 && s.parity == .even && s.stopBits == 1 && s.flow == .none)
        #expect(try SerialSettings("19200,8N1,rtscts").flow == .rtscts)
        #expect(try SerialSettings("9600,8N1,xonxoff").description == "9600,8N1,xonxoff")
        #expect(throws: SerialError.self) { try SerialSettings("9600") }
        #expect(throws: SerialError.self) { try SerialSettings("9601,8N1") }
        #expect(throws: SerialError.self) { try SerialSettings("9600,9N1") }
        #expect(throws: SerialError.self) { try SerialSettings("9600,8N1,hardware") }
    }

    /// The termios a port asks for (ser2net's termioschk habit): every bit of 7E1 + XON/XOFF.
    @Test func termiosBitsAskedFor() throws {
        let t = SerialPort.termiosFor(try SerialSettings("1200,7E1,xonxoff"), base: termios())
        #expect(t.c_cflag & tcflag_t(CSIZE) == tcflag_t(CS7))
        #expect(t.c_cflag & tcflag_t(PARENB) != 0)
        #expect(t.c_cflag & tcflag_t(PARODD) == 0)
        #expect(t.c_cflag & tcflag_t(CSTOPB) == 0)
        #expect(t.c_iflag & tcflag_t(INPCK) != 0)
        #expect(t.c_cflag & tcflag_t(CRTSCTS) == 0)
        let odd = SerialPort.termiosFor(try SerialSettings("9600,8O2,rtscts"), base: termios())
        #expect(odd.c_cflag & tcflag_t(CSIZE) == tcflag_t(CS8))
        #expect(odd.c_cflag & tcflag_t(PARODD) != 0)
        #expect(odd.c_cflag & tcflag_t(CSTOPB) != 0)
        #expect(odd.c_cflag & tcflag_t(CRTSCTS) != 0)
    }

    /// What a real tty (here a pty) took. Linux ptys keep 8 bits and no parity whatever is asked:
    /// the read-back check must say so rather than pretend.
    @Test func termiosBitsOnARealPTY() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort(path: pty.slavePath, settings: try SerialSettings("1200,7E1,xonxoff"))
        let t = try #require(port.currentTermios())
        #expect(port.warnings.contains { $0.contains("frame") }, "warnings: \(port.warnings)")
        #expect(t.c_cflag & tcflag_t(CLOCAL) != 0)
        #expect(t.c_cflag & tcflag_t(CREAD) != 0)
        #expect(t.c_iflag & tcflag_t(IXON) != 0)
        #expect(t.c_lflag & tcflag_t(ICANON) == 0)
        var copy = t
        #expect(cfgetispeed(&copy) == speed_t(B1200))
        withUnsafeBytes(of: t.c_cc) {
            #expect($0[Int(VMIN)] == 1)
            #expect($0[Int(VTIME)] == 0)
        }
        port.close()
    }

    @Test func originalSettingsAreRestoredOnClose() throws {
        let pty = try PseudoTerminal()
        let before = try SerialPort(path: pty.slavePath, settings: SerialSettings())
        let original = try #require(before.currentTermios())
        before.close()
        let port = try SerialPort(path: pty.slavePath, settings: try SerialSettings("2400,7O2"))
        port.close()
        let after = try SerialPort(path: pty.slavePath, settings: SerialSettings())
        let restored = try #require(after.currentTermios())
        #expect(restored.c_cflag == original.c_cflag)
        after.close()
    }

    @Test func aSecondReaderGetsAClearError() throws {
        let pty = try PseudoTerminal()
        let first = try SerialPort(path: pty.slavePath, settings: SerialSettings())
        do {
            _ = try SerialPort(path: pty.slavePath, settings: SerialSettings())
            Issue.record("second open succeeded")
        } catch let e as SerialError {
            #expect(e.description.contains("already in use"))
        }
        first.close()
    }

    @Test func bytesArriveAndHangUpIsSeen() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort(path: pty.slavePath, settings: SerialSettings())
        pty.write(Array("line\r\n".utf8))
        #expect(port.wait(timeoutMillis: 1000))
        var buf = [UInt8](repeating: 0, count: 64)
        let r = buf.withUnsafeMutableBytes { port.read(into: $0) }
        #expect(r == .data(6))
        #expect(Array(buf[0..<6]) == Array("line\r\n".utf8))
        pty.hangUp()
        _ = port.wait(timeoutMillis: 1000)
        let after = buf.withUnsafeMutableBytes { port.read(into: $0) }
        if case .gone = after {} else { Issue.record("expected the port to be gone, got \(after)") }
    }

    @Test func missingDeviceSaysWhatToCheck() {
        do {
            _ = try SerialPort(path: "/dev/ttyNOPE42", settings: SerialSettings())
            Issue.record("opened a missing device")
        } catch {
            #expect("\(error)".contains("no such device"))
        }
    }

    /// Reconnect timing as a state machine with an injected clock: no sleeping.
    @Test func backoffGrowsToItsCeilingAndResets() {
        var b = Backoff(initial: 0.25, maximum: 2)
        #expect(b.shouldAttempt(now: 0))
        b.failed(now: 10)
        #expect(b.delay == 0.25)
        #expect(!b.shouldAttempt(now: 10.2))
        #expect(b.shouldAttempt(now: 10.25))
        b.failed(now: 11)
        b.failed(now: 12)
        #expect(b.delay == 1)
        b.failed(now: 13)
        b.failed(now: 14)
        #expect(b.delay == 2)
        b.succeeded()
        #expect(b.delay == 0)
        #expect(b.shouldAttempt(now: 0))
    }
}
