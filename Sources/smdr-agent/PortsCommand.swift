import ArgumentParser
import Foundation
import SMDRDevices

struct PortsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ports",
        abstract: "List serial ports: node, /dev/serial/by-id and by-path names, vendor, model, serial number, driver.",
        discussion: "Any of these names (or the USB serial number alone) can be given to `run --device`."
    )

    @Flag(help: "JSON, one object per port.")
    var json = false

    func run() async throws {
        let ports = await UDev().ports()
        var out = OutputStream(fd: 1)
        if ports.isEmpty { out.write("no serial ports found\n") }
        for p in ports {
            if json {
                let data = try JSONEncoder().encode(p)
                out.write(String(decoding: data, as: UTF8.self) + "\n")
                continue
            }
            var parts = [p.node]
            if let d = p.driver { parts.append("driver \(d)") }
            if let v = p.vendorID, let m = p.productID { parts.append("usb \(v):\(m)") }
            if let v = p.vendor { parts.append(v) }
            if let m = p.model { parts.append(m) }
            if let s = p.serial { parts.append("serial \(s)") }
            out.write(parts.joined(separator: "  ") + "\n")
            for l in p.byID + p.byPath { out.write("    \(l)\n") }
        }
        out.flush()
    }
}
