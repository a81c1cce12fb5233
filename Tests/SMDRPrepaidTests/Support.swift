import Foundation
import SMDRCore
import SMDRPrepaid
import SMDRRating
import SMDRRuntime
import SMDRStore

/// A tariff with one band: French fixed and mobile numbers, the UK per second, emergency free.
func prepaidTariff() throws -> Tariff {
    let deck = """
        prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge
        33,France fixe,0.00,0.06,60,60,0
        336,France mobile,0.10,0.15,30,6,0.20
        44,Royaume-Uni,0,0.25,1,1,0
        881,Satellite,0,9.00,60,60,0
        """
    return try Tariff.load(
        yaml: """
            name: prepaid test
            currency: EUR
            vat_percent: "20"
            numbering: {country_code: "33", national_length: 9}
            versions:
              - effective_from: 2020-01-01
                decks: {day: deck.csv}
                bands: [{name: peak, default: true, deck: day}]
                free: ["112", "15", "0800"]
            """, source: "prepaid.yaml"
    ) { _ in deck }
}

/// Main account (minimum 20, low 30) and two branches: paris (201, 202), lyon (301).
func prepaidPlan(language: String = "fr", maxCall: Int = 3600) throws -> PrepaidPlan {
    try planFromConfig("""
        main: {name: "Numéro 400", minimum: "20.00", low_balance: "30.00"}
        accounts:
          - {id: paris, name: "Agence Paris", extensions: ["201", "202"], low_balance: "5.00"}
          - {id: lyon, name: "Agence Lyon", extensions: ["301"], language: zh}
        language: \(language)
        barred: ["881"]
        max_call: \(maxCall)
        hold_extra: 300
        incoming: {rate_per_minute: "0.05", first_increment_s: 60, increment_s: 60}
        """)
}

/// The `prepaid:` section read the way the agent reads its configuration file.
func planFromConfig(_ section: String) throws -> PrepaidPlan {
    let indented = section.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    let config = try AgentConfig.parse("sources: []\nprepaid:\n" + indented, file: "test.yaml")
    return config.prepaid!
}

/// A clock the test moves.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var t: Int64
    init(_ start: Int64) { t = start }
    var now: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return t
    }
    func advance(_ s: Int64) {
        lock.lock()
        t += s
        lock.unlock()
    }
}

func temporaryStore() throws -> (CallStore, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prepaid-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return (try CallStore(path: dir.appendingPathComponent("calls.sqlite").path), dir)
}

/// A call record as a PBX would print it, stored and rated the way the agent does.
func storeCall(
    _ store: CallStore, rater: Rater, offset: Int64, extension_: String?, number: String, seconds: Int, at: Int64, incoming: Bool = false
) throws {
    var r = CallRecord(format: "test", raw: "call \(offset)", line: Int(offset), offset: offset)
    r.start = ZonedTime(utc: at, offset: 3600)
    r.durationSeconds = seconds
    r.direction = incoming ? .incoming : .outgoing
    r.answered = seconds > 0
    r.extension_ = extension_
    r.number = number
    try store.commit(
        source: "pbx", records: [r], rejects: [], checkpoint: nil, receivedAt: at * 1_000_000_000, ratings: [RatedCall(r, rater: rater, book: nil).stored])
}
