/// Every format the agent knows, in one table (like gpsd's driver array).
public enum FormatRegistry {
    public static let builtIn: [any SMDRFormat.Type] = [
        AlcatelOXOFormat.self,
        AlcatelOXEFormat.self,
        Alcatel4200Format.self,
        AvayaCMFormat.self,
        AvayaIPOfficeFormat.self,
        PanasonicFormat.self,
        PanasonicTESFormat.self,
        PanasonicDBSFormat.self,
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
        MulticomFormat.self,
        TelradFormat.self,
        EricssonBP250Format.self,
        HybrexFormat.self,
        CiscoCUCMHeaderlessFormat.self,
        LGFormat.self,
    ]

    public static func format(id: String) -> (any SMDRFormat.Type)? {
        builtIn.first { $0.id == id }
    }

    public static var ids: [String] { builtIn.map { $0.id } }
}
