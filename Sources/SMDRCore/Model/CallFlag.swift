/// The documented set of call flags. JSON carries them as an array of their raw names.
///
/// | flag | meaning |
/// |---|---|
/// | `transfer` | the call was transferred (to or from this party) |
/// | `forward` | the call was forwarded / diverted |
/// | `conference` | the party was in a conference or three-way call |
/// | `park` | the call was parked |
/// | `hold` | the call was put on hold |
/// | `voicemail` | voicemail took part in the call |
/// | `disa` | direct inward system access |
/// | `pickup` | the call was picked up from another extension |
/// | `attendant` | an attendant / operator handled the call |
/// | `withheld` | the caller withheld their number |
/// | `masked` | the PBX masked some digits of the number (`number` is then null) |
/// | `tandem` | trunk-to-trunk call through the PBX |
/// | `service` | not a call: a supplementary service was (de)activated |
/// | `overflow` | the PBX printed its maximum duration (the real length is unknown) |
public enum CallFlag: String, Sendable, CaseIterable {
    case transfer, forward, conference, park, hold, voicemail, disa, pickup
    case attendant, withheld, masked, tandem, service, overflow

    var bit: UInt16 {
        switch self {
        case .transfer: 1 << 0
        case .forward: 1 << 1
        case .conference: 1 << 2
        case .park: 1 << 3
        case .hold: 1 << 4
        case .voicemail: 1 << 5
        case .disa: 1 << 6
        case .pickup: 1 << 7
        case .attendant: 1 << 8
        case .withheld: 1 << 9
        case .masked: 1 << 10
        case .tandem: 1 << 11
        case .service: 1 << 12
        case .overflow: 1 << 13
        }
    }
}

/// A small set of ``CallFlag`` kept in a bit field so records stay cheap to build.
public struct CallFlags: OptionSet, Sendable, Equatable, ExpressibleByArrayLiteral {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(arrayLiteral elements: CallFlag...) {
        var raw: UInt16 = 0
        for e in elements { raw |= e.bit }
        self.rawValue = raw
    }

    public static func flag(_ f: CallFlag) -> CallFlags { CallFlags(rawValue: f.bit) }
    public mutating func insert(_ f: CallFlag) { formUnion(.flag(f)) }
    public func contains(_ f: CallFlag) -> Bool { rawValue & f.bit != 0 }

    /// Flags in the documented order.
    public var names: [String] { CallFlag.allCases.filter { contains($0) }.map(\.rawValue) }
}
