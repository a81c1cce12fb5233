/// A udev rule giving one USB-serial adapter a name of its own, `/dev/smdr-<name>`, by the
/// adapter's vendor, product and serial number: the name stays when the adapter moves to another
/// USB socket or another adapter is plugged in first (ttyUSB0 and ttyUSB1 swap; by-path changes).
public struct UdevLink: Sendable, Equatable {
    public var name: String
    public var vendorID: String
    public var productID: String
    public var serial: String

    /// Nil when the port has no USB serial number to match (a built-in port, a pty, an adapter
    /// that reports none): such a port keeps the name it has.
    public init?(name: String, device: SerialDevice) {
        guard let serial = device.serial, let vendor = device.vendorID, let product = device.productID,
            UdevLink.isSafe(serial), UdevLink.isSafe(vendor), UdevLink.isSafe(product), UdevLink.isSafe(name)
        else { return nil }
        self.name = name
        vendorID = vendor
        productID = product
        self.serial = serial
    }

    /// Only characters that cannot end a udev match string or start another key.
    static func isSafe(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        }
    }

    public var path: String { "/dev/smdr-\(name)" }
    public var fileName: String { "99-smdr-agent-\(name).rules" }

    public var rule: String {
        """
        # Written by `smdr-agent setup`: the PBX's SMDR adapter (USB \(vendorID):\(productID), serial \(serial)) as \(path).
        SUBSYSTEM=="tty", ATTRS{idVendor}=="\(vendorID)", ATTRS{idProduct}=="\(productID)", ENV{ID_SERIAL_SHORT}=="\(serial)", SYMLINK+="smdr-\(name)", ENV{ID_MM_DEVICE_IGNORE}="1", GROUP="dialout", MODE="0660"

        """
    }
}
