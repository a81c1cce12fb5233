import Foundation
import SMDRCore
import SMDRDevices
import SMDRRuntime
import SMDRSerial
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A USB plug event cannot be produced here: this stands in for libudev's monitor.
final class FakeDeviceEvents: DeviceEventSource, @unchecked Sendable {
    private let lock = NSLock()
    private var handler: (@Sendable (DeviceEvent) -> Void)?

    func start(_ handler: @escaping @Sendable (DeviceEvent) -> Void) {
        lock.lock()
        self.handler = handler
        lock.unlock()
    }

    func stop() {
        lock.lock()
        handler = nil
        lock.unlock()
    }

    func plug(_ node: String) {
        lock.lock()
        let h = handler
        lock.unlock()
        h?(DeviceEvent(action: .add, node: node))
    }
}

/// A port directory with fixed contents, to resolve USB serial numbers without hardware.
struct FixedDirectory: DeviceDirectory {
    let devices: [SerialDevice]
    func ports() async -> [SerialDevice] { devices }
}

struct HotplugTests {
    /// An adapter plugged back while the agent waits out a long retry delay (60 s here, set
    /// instead of waited for) is read within a second of the plug event, and what it sends is
    /// stored.
    @Test func pluggingTheAdapterBackResumesCaptureWithinASecond() throws {
        let dir = temporaryDirectory("hotplug")
        let link = dir.appendingPathComponent("ttyUSB-pbx").path
        let events = FakeDeviceEvents()
        let agent = try Agent(
            sources: [SourceConfig(id: "usb", kind: .serial(path: link, settings: SerialSettings()), format: "avaya-ipo")],
            dataDirectory: dir.appendingPathComponent("data"), options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!),
            deviceEvents: events)
        agent.serialRetry = Backoff(initial: 60, maximum: 60)
        try agent.start()
        #expect(waitUntil(2) { agent.states["usb"]?.link == .disconnected }, "the port is missing: the agent waits to retry")
        let pty = try PseudoTerminal()
        symlink(pty.slavePath, link)
        let plugged = Date()
        events.plug(pty.slavePath)
        #expect(waitUntil(1.0) { agent.states["usb"]?.link == .connected }, "not reopened within a second of the plug event")
        #expect(Date().timeIntervalSince(plugged) < 1.0)
        pty.write(avayaCapture(3).flatMap { $0 })
        #expect(waitUntil(3) { (try? agent.store.callCount()) == 3 })
        agent.stop()
    }

    /// A port configured by the adapter's USB serial number is found whatever its node.
    @Test func aPortNamedByItsUSBSerialNumberIsFound() throws {
        let dir = temporaryDirectory("byserial")
        let pty = try PseudoTerminal()
        let directory = FixedDirectory(devices: [SerialDevice(node: pty.slavePath, vendorID: "0403", productID: "6001", serial: "A50285BI")])
        let agent = try Agent(
            sources: [SourceConfig(id: "ftdi", kind: .serial(path: "A50285BI", settings: SerialSettings()), format: "avaya-ipo")],
            dataDirectory: dir, options: ParseOptions(timeZone: TimeZone(identifier: "UTC")!), directory: directory)
        try agent.start()
        #expect(waitUntil(3) { agent.states["ftdi"]?.link == .connected })
        pty.write(avayaCapture(2).flatMap { $0 })
        #expect(waitUntil(3) { (try? agent.store.callCount()) == 2 })
        agent.stop()
    }

    @Test func udevListsPortsWithoutADaemon() async {
        // Enumeration reads sysfs; on a machine with no serial hardware the list may be empty,
        // but every port listed has a /dev node.
        for p in await UDev().ports() { #expect(p.node.hasPrefix("/dev/")) }
    }
}
