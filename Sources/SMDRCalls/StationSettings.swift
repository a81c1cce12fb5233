/// What the agent knows of one station beyond what the PBX prints: its name, whether its external
/// calls are monitored for a cost recall (the OmniPCX "rappel de taxation"), where the recall goes,
/// whether it prints a ticket, its maximum external-call duration and its alert group.
public struct StationSettings: Sendable, Equatable, Codable {
    public var name: String?
    /// Automatic recall after every external call the station sets up or transfers.
    public var monitoring: Bool
    /// The named receptionist or console the recall goes to (default: the station itself).
    public var recallTo: String?
    /// Queue a taxation ticket when the recall fires.
    public var printOnRecall: Bool
    /// Maximum external-call duration in seconds (nil: the default limit, or none).
    public var maxDuration: Int?
    /// A group for alert rules (`reception`, `sales`…).
    public var group: String?

    public init(name: String? = nil, monitoring: Bool = false, recallTo: String? = nil, printOnRecall: Bool = false, maxDuration: Int? = nil, group: String? = nil) {
        self.name = name
        self.monitoring = monitoring
        self.recallTo = recallTo
        self.printOnRecall = printOnRecall
        self.maxDuration = maxDuration
        self.group = group
    }

    enum CodingKeys: String, CodingKey {
        case name, monitoring, group
        case recallTo = "recall_to"
        case printOnRecall = "print_on_recall"
        case maxDuration = "max_duration"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        monitoring = try c.decodeIfPresent(Bool.self, forKey: .monitoring) ?? false
        recallTo = try c.decodeIfPresent(String.self, forKey: .recallTo)
        printOnRecall = try c.decodeIfPresent(Bool.self, forKey: .printOnRecall) ?? false
        maxDuration = try c.decodeIfPresent(Int.self, forKey: .maxDuration)
        group = try c.decodeIfPresent(String.self, forKey: .group)
    }
}
