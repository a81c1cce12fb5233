/// A format ready to use: a built-in ``SMDRFormat`` type or a custom format loaded from YAML.
public struct FormatHandle: @unchecked Sendable {
    public let id: String
    public let title: String
    public let claim: ([String]) -> Int
    public let makeParser: (ParseOptions) -> any RecordParser
    /// See ``SMDRFormat/nulIsFill``.
    public let nulIsFill: Bool
    /// A site's own description (a custom format): chosen over a built-in one that reads the lines as well.
    public let preferred: Bool
    /// See ``SMDRFormat/linking`` and ``SMDRFormat/numbersCallsInSequence``.
    public let linking: CallLinking
    public let numbersCallsInSequence: Bool

    public init(
        id: String, title: String, claim: @escaping ([String]) -> Int, makeParser: @escaping (ParseOptions) -> any RecordParser, nulIsFill: Bool = false,
        preferred: Bool = false, linking: CallLinking = .trunkAndNumber, numbersCallsInSequence: Bool = false
    ) {
        self.preferred = preferred
        self.linking = linking
        self.numbersCallsInSequence = numbersCallsInSequence
        self.id = id
        self.title = title
        self.claim = claim
        self.makeParser = makeParser
        self.nulIsFill = nulIsFill
    }

    public init(_ format: any SMDRFormat.Type) {
        self.init(
            id: format.id, title: format.title, claim: format.claim, makeParser: format.makeParser, nulIsFill: format.nulIsFill, linking: format.linking,
            numbersCallsInSequence: format.numbersCallsInSequence)
    }

    public static var builtIn: [FormatHandle] { FormatRegistry.builtIn.map(FormatHandle.init) }

    /// How each built-in format links its records into calls, by format id.
    public static let builtInLinking: [String: CallLinking] = Dictionary(uniqueKeysWithValues: FormatRegistry.builtIn.map { ($0.id, $0.linking) })
}

/// Picks the format of a stream from its first lines (`--format auto`).
public enum FormatDetector {
    /// How many non-blank lines are read before deciding.
    public static let sampleSize = 12

    /// The usual claim: 0 when no line has the format's shape, otherwise `base` plus up to `100 - base`
    /// in proportion to the lines that have it.
    public static func share(_ lines: [String], base: Int, where isRecord: (String) -> Bool) -> Int {
        let hits = lines.filter(isRecord).count
        return hits == 0 ? 0 : base + (100 - base) * hits / max(1, lines.count)
    }

    /// The best claimant, or `nil` when no format recognises the lines.
    public static func detect(_ lines: [String], among formats: [FormatHandle]) -> FormatHandle? {
        var best: (FormatHandle, Int)?
        for f in formats {
            let score = f.claim(lines)
            if score > 0 && score > (best?.1 ?? 0) { best = (f, score) }
        }
        return best?.0
    }
}
