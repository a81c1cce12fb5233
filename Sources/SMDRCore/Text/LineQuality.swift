/// How much a run of received bytes looks like a PBX's printout: what the port detector scores
/// each speed and framing by. At the wrong speed or parity a UART delivers bytes with the high
/// bit set, NULs for framing errors and no line structure; at the right one, printable text in
/// lines.
public struct LineQuality: Sendable, Equatable, CustomStringConvertible {
    public var bytes: Int
    /// Printable ASCII, tabs and line ends, as a share of all bytes (0…1).
    public var printable: Double
    /// Complete lines (ended by CR or LF) of at least 8 characters.
    public var lines: Int

    public init(_ data: [UInt8]) {
        bytes = data.count
        var good = 0
        var lines = 0
        var run = 0
        for b in data {
            switch b {
            case 0x0A, 0x0D:
                good += 1
                if run >= 8 { lines += 1 }
                run = 0
            case 0x09, 0x20...0x7E:
                good += 1
                run += 1
            default:
                run = 0
            }
        }
        printable = data.isEmpty ? 0 : Double(good) / Double(data.count)
        self.lines = lines
    }

    /// `412 bytes, 98 % printable, 4 lines`: what detection tells the installer of each try.
    public var description: String { "\(bytes) bytes, \(Int(printable * 100)) % printable, \(lines) lines" }

    /// Readable text in lines: the speed and framing are right.
    public var isText: Bool { bytes >= 40 && printable >= 0.95 && lines >= 2 }
}
