import CUDev
import SMDRConcurrency
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// libudev, confined to one thread: every libudev object is created, used and freed by this actor,
/// whose executor is a single dedicated thread. Only value types leave it.
///
/// Works without a udev daemon (enumeration reads sysfs): the ID_* properties and the
/// /dev/serial links then do not exist, so the USB identity is read from the adapter's sysfs
/// attributes instead.
public actor UDev: DeviceDirectory {
    private let executor: SingleThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private var udev: OpaquePointer?
    private var monitor: OpaquePointer?

    public init() {
        executor = SingleThreadExecutor(name: "udev")
    }

    private func context() -> OpaquePointer? {
        if udev == nil { udev = udev_new() }
        return udev
    }

    private static func string(_ p: UnsafePointer<CChar>?) -> String? {
        guard let p else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }

    /// Serial ports with a device behind them (ttyS, ttyUSB, ttyACM…), not virtual consoles.
    public func ports() -> [SerialDevice] {
        guard let udev = context(), let en = udev_enumerate_new(udev) else { return [] }
        defer { udev_enumerate_unref(en) }
        udev_enumerate_add_match_subsystem(en, "tty")
        udev_enumerate_scan_devices(en)
        let links = UDev.serialLinks()
        var out: [SerialDevice] = []
        var entry = udev_enumerate_get_list_entry(en)
        while let e = entry {
            defer { entry = udev_list_entry_get_next(e) }
            guard let dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e)) else { continue }
            defer { udev_device_unref(dev) }
            // The parent belongs to `dev`: never unref it.
            guard let parent = udev_device_get_parent(dev), let node = UDev.string(udev_device_get_devnode(dev)) else { continue }
            var d = SerialDevice(node: node)
            d.driver = UDev.string(udev_device_get_driver(parent))
            d.vendorID = UDev.string(udev_device_get_property_value(dev, "ID_VENDOR_ID"))
            d.productID = UDev.string(udev_device_get_property_value(dev, "ID_MODEL_ID"))
            d.vendor = UDev.string(udev_device_get_property_value(dev, "ID_VENDOR"))
            d.model = UDev.string(udev_device_get_property_value(dev, "ID_MODEL"))
            d.serial = UDev.string(udev_device_get_property_value(dev, "ID_SERIAL_SHORT"))
            if let usb = udev_device_get_parent_with_subsystem_devtype(dev, "usb", "usb_device") {
                d.vendorID = d.vendorID ?? UDev.string(udev_device_get_sysattr_value(usb, "idVendor"))
                d.productID = d.productID ?? UDev.string(udev_device_get_sysattr_value(usb, "idProduct"))
                d.vendor = d.vendor ?? UDev.string(udev_device_get_sysattr_value(usb, "manufacturer"))
                d.model = d.model ?? UDev.string(udev_device_get_sysattr_value(usb, "product"))
                d.serial = d.serial ?? UDev.string(udev_device_get_sysattr_value(usb, "serial"))
            }
            d.byID = links[node]?.filter { $0.hasPrefix("/dev/serial/by-id/") } ?? []
            d.byPath = links[node]?.filter { $0.hasPrefix("/dev/serial/by-path/") } ?? []
            // Legacy 8250 ports with no UART behind them (type 0) are listed by the kernel but unusable.
            if d.driver == "serial8250", UDev.string(udev_device_get_sysattr_value(dev, "type")) == "0" { continue }
            out.append(d)
        }
        return out.sorted { $0.node < $1.node }
    }

    /// /dev/serial/by-id and by-path links, by the node they point at.
    static func serialLinks() -> [String: [String]] {
        var out: [String: [String]] = [:]
        for dir in ["/dev/serial/by-id", "/dev/serial/by-path"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                let link = dir + "/" + name
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link) {
                    let node = URL(fileURLWithPath: target, relativeTo: URL(fileURLWithPath: dir + "/")).standardized.path
                    out[node, default: []].append(link)
                }
            }
        }
        return out
    }

    /// Opens the hot-plug monitor: "udev" events (after rules ran) when udevd runs, kernel events
    /// otherwise. Returns the fd to watch for readability.
    func openMonitor() -> Int32 {
        guard let udev = context() else { return -1 }
        let daemon = FileManager.default.fileExists(atPath: "/run/udev/control")
        guard let m = udev_monitor_new_from_netlink(udev, daemon ? "udev" : "kernel") else { return -1 }
        udev_monitor_filter_add_match_subsystem_devtype(m, "tty", nil)
        udev_monitor_enable_receiving(m)
        monitor = m
        return udev_monitor_get_fd(m)
    }

    func drain() -> [DeviceEvent] {
        guard let m = monitor else { return [] }
        var out: [DeviceEvent] = []
        while let dev = udev_monitor_receive_device(m) {
            let action = UDev.string(udev_device_get_action(dev)).flatMap(DeviceEvent.Action.init) ?? .change
            out.append(DeviceEvent(action: action, node: UDev.string(udev_device_get_devnode(dev))))
            udev_device_unref(dev)
        }
        return out
    }

    func closeMonitor() {
        if let m = monitor { udev_monitor_unref(m) }
        monitor = nil
    }
}

/// Hot-plug events from libudev's monitor. A thread waits on the monitor's fd; the events are
/// read on the udev actor's own thread.
public final class UDevEvents: DeviceEventSource, @unchecked Sendable {
    let udev: UDev
    private let lock = NSLock()
    private var stopped = false

    public init(udev: UDev) { self.udev = udev }

    public func start(_ handler: @escaping @Sendable (DeviceEvent) -> Void) {
        let udev = self.udev
        Thread.detachNewThread { [self] in
            let fd = UDev.blocking { await udev.openMonitor() }
            guard fd >= 0 else { return }
            while !isStopped {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 500) > 0 else { continue }
                for e in UDev.blocking({ await udev.drain() }) { handler(e) }
            }
            UDev.blocking { await udev.closeMonitor() }
        }
    }

    var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}

extension UDev {
    /// Where bridged work starts: its own thread, so a busy cooperative pool never delays it.
    static let bridge = SingleThreadExecutor(name: "udev-bridge")

    /// Runs async work from a plain thread and waits for it (never call on the actor's own thread).
    public static func blocking<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: bridge) {
            box.value = await work()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
