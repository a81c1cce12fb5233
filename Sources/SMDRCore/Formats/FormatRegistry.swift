/// Every format the agent knows, in one table (like gpsd's driver array).
public enum FormatRegistry {
    public static let builtIn: [any SMDRFormat.Type] = [
        AlcatelOXOFormat.self,
        AlcatelOXEFormat.self,
        AvayaIPOfficeFormat.self,
        PanasonicFormat.self,
        PanasonicTESFormat.self,
        MitelFormat.self,
        NECNeaxFormat.self,
        NECSLFormat.self,
        SiemensHiPathFormat.self,
        SamsungOfficeServFormat.self,
        InterTelAxxessFormat.self,
        NortelMeridianFormat.self,
        AsteriskCSVFormat.self,
        ThreeCXFormat.self,
        CiscoCUCMFormat.self,
        LGFormat.self,
    ]

    public static func format(id: String) -> (any SMDRFormat.Type)? {
        builtIn.first { $0.id == id }
    }

    public static var ids: [String] { builtIn.map { $0.id } }
}
