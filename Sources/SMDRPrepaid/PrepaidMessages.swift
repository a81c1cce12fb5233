/// Why an authorisation is refused: what the IVR announces and the PBX logs.
public enum RefusalReason: String, Sendable, CaseIterable {
    /// The extension's account cannot pay even the call's first billing block.
    case extensionInArrears = "extension_in_arrears"
    /// The main account is below its minimum (or would be): the whole number is suspended.
    case mainAccountSuspended = "main_account_suspended"
    /// The number is barred, or the tariff has no rate for it (no price can be guaranteed).
    case destinationBarred = "destination_barred"
    /// No account covers this extension.
    case unknownExtension = "unknown_extension"
}

/// The message played on refusal, per language. French, English and Chinese are shipped (the
/// Chinese arrears message is the one 400-number platforms play); the config overrides any.
public struct PrepaidMessages: Sendable, Equatable {
    var table: [String: [RefusalReason: String]]

    public static let shipped = PrepaidMessages(table: [
        "fr": [
            .extensionInArrears: "Votre poste est débiteur, veuillez le recharger.",
            .mainAccountSuspended: "Ce numéro est suspendu : le solde du compte principal est sous son minimum.",
            .destinationBarred: "Cette destination n'est pas autorisée.",
            .unknownExtension: "Ce poste n'existe pas.",
        ],
        "en": [
            .extensionInArrears: "Your extension is in arrears, please recharge.",
            .mainAccountSuspended: "This number is suspended: the main account is below its minimum balance.",
            .destinationBarred: "This destination is barred.",
            .unknownExtension: "This extension does not exist.",
        ],
        "zh": [
            .extensionInArrears: "您的分机已欠费，请充值。",
            .mainAccountSuspended: "本号码已暂停服务：总账户余额低于最低消费。",
            .destinationBarred: "该目的地禁止拨打。",
            .unknownExtension: "该分机号不存在。",
        ],
    ])

    public func has(_ language: String) -> Bool { table[language] != nil }

    public mutating func set(_ reason: RefusalReason, language: String, _ text: String) {
        table[language, default: [:]][reason] = text
    }

    /// The message in `language`, falling back to English, then French.
    public func text(_ reason: RefusalReason, language: String) -> String {
        table[language]?[reason] ?? table["en"]?[reason] ?? table["fr"]?[reason] ?? reason.rawValue
    }
}
