/// A serial port as the system knows it: its node, its stable names, and the USB identity of
/// the adapter behind it (when udev or sysfs tells).
public struct SerialDevice: Sendable, Equatable, Codable {
    public var node: String
    public var byID: [String]
    public var byPath: [String]
    public var vendorID: String?
    public var productID: String?
    public var vendor: String?
    public var model: String?
    public var serial: String?
    public var driver: String?

    public init(node: String, byID: [String] = [], byPath: [String] = [], vendorID: String? = nil, productID: String? = nil,
        vendor: String? = nil, model: String? = nil, serial: String? = nil, driver: String? = nil) {
        self.node = node
        self.byID = byID
        self.byPath = byPath
        self.vendorID = vendorID
        self.productID = productID
        self.vendor = vendor
        self.model = model
        self.serial = serial
        self.driver = driver
    }

    /// Whether a configured name designates this port: its node, a by-id or by-path link, or the
    /// adapter's USB serial number.
    public func matches(_ name: String) -> Bool {
        name == node || byID.contains(name) || byPath.contains(name) || (serial != nil && name == serial)
    }
}

/// A hot-plug event: a tty appeared or went.
public struct DeviceEvent: Sendable, Equatable {
    public enum Action: String, Sendable { case add, remove, change }
    public var action: Action
    public var node: String?

    public init(action: Action, node: String?) {
        self.action = action
        self.node = node
    }
}

/// Where hot-plug events come from: libudev's monitor on a real system, a fake in tests (a USB
/// plug event cannot be produced here).
public protocol DeviceEventSource: Sendable {
    /// Starts delivering events to `handler` (on any thread) until `stop()`.
    func start(_ handler: @escaping @Sendable (DeviceEvent) -> Void)
    func stop()
}

/// Lists serial ports and resolves configured names.
public protocol DeviceDirectory: Sendable {
    func ports() async -> [SerialDevice]
}

extension DeviceDirectory {
    /// The node a configured name stands for now (the name itself when it is a path that exists).
    public func resolve(_ name: String) async -> String? {
        if name.hasPrefix("/") { return name }
        return await ports().first { $0.matches(name) }?.node
    }
}
