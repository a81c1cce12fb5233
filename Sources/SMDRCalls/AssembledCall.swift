import SMDRCore

/// One call as the parties lived it: the records of its legs, in order. Each leg is charged to the
/// internal party who held it (the PBX resets its meter on transfer).
public struct AssembledCall: Sendable, Equatable {
    public struct Leg: Sendable, Equatable {
        public enum Role: String, Sendable {
            /// The first party of the call (for an incoming call, often the reception).
            case first
            /// A party the call was transferred to.
            case transferred
            /// A forward (the call went on without being answered first).
            case forwarded
            /// A consultation call made while setting up a transfer (not charged to the call).
            case consultation
        }

        public var record: CallRecord
        public var role: Role
        /// The internal party charged for this leg.
        public var party: String?
        public var partyName: String?

        public init(record: CallRecord, role: Role, party: String?, partyName: String?) {
            self.record = record
            self.role = role
            self.party = party
            self.partyName = partyName
        }
    }

    /// The PBX's call id when it gives one, else the first record's position.
    public var key: String
    public var legs: [Leg]

    public init(key: String, legs: [Leg]) {
        self.key = key
        self.legs = legs
    }

    /// The party who set the call up or took it first (the receptionist of a transferred call).
    public var setUpBy: String? { legs.first { $0.role != .consultation }?.party }

    /// The leg of the last party, whose hang-up ends the call (the one a cost recall is about).
    public var lastLeg: Leg? { legs.last { $0.role != .consultation } }

    public var external: Bool { legs.contains { $0.record.direction == .incoming || $0.record.direction == .outgoing } }
}
