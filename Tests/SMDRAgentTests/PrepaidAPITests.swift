import Foundation
import SMDRCalls
import SMDRCore
import SMDRLive
import SMDRPrepaid
import SMDRRating
import SMDRRuntime
import SMDRStore
import Testing

/// The prepaid API as an IVR and a head office meet it: a live server on an ephemeral port, a
/// real SQLite ledger, the French sample tariff, a fixed clock (Wednesday 4 November 2026,
/// 10:00 in Paris: peak rates).
struct PrepaidAPITests {
    static let plan = """
        sources: []
        prepaid:
          main: {name: "Numéro 400", minimum: "20.00", low_balance: "30.00"}
          accounts:
            - {id: paris, name: "Agence Paris", extensions: ["201", "202"], low_balance: "5.00"}
            - {id: lyon, name: "Agence Lyon", extensions: ["301"], language: zh}
          language: fr
        """

    static func rig() async throws -> APITests.Rig {
        let text = try String(contentsOf: Agent.repo.appendingPathComponent("Samples/tariffs/france/tariff.yaml"), encoding: .utf8)
        let tariff = try Tariff.load(yaml: text, source: "tariff.yaml") {
            try String(contentsOf: Agent.repo.appendingPathComponent("Samples/tariffs/france/\($0)"), encoding: .utf8)
        }
        let plan = try AgentConfig.parse(PrepaidAPITests.plan, file: "prepaid.yaml").prepaid!
        return try await APITests.Rig(prepaid: { store in
            try PrepaidDesk(
                plan: plan, rater: Rater(tariff: tariff), store: store, limits: DurationLimits(perStation: ["202": 120], defaultLimit: 3600),
                timeZone: TimeZone(identifier: "Europe/Paris")!, clock: { 1_793_782_800 })  // 2026-11-04T09:00:00Z
        })
    }

    /// Runs `body` against a fresh server and stops it afterwards, whatever happens.
    static func withRig(_ body: (APITests.Rig) async throws -> Void) async throws {
        let rig = try await rig()
        do { try await body(rig) } catch {
            await rig.stop()
            throw error
        }
        await rig.stop()
    }

    static func authorize(_ rig: APITests.Rig, _ body: String, token: String? = "operate-token") async throws -> [String: Any] {
        let r = try await rig.request(.POST, "/authorize", token: token, body: body)
        #expect(r.status == 200, "\(r.body)")
        return rig.json(r.body)
    }

    static func topup(_ rig: APITests.Rig, _ account: String, _ amount: String, _ ref: String) async throws -> Int {
        try await rig.request(.POST, "/accounts/\(account)/topups", token: "admin-token", body: #"{"amount":"\#(amount)","reference":"\#(ref)"}"#).status
    }

    @Test func anExtensionInArrearsIsRefusedWithTheMessageToPlay() async throws {
        try await PrepaidAPITests.withRig { rig in
            #expect(try await PrepaidAPITests.topup(rig, "main", "100.00", "virement-1") == 201)
            let paris = try await PrepaidAPITests.authorize(rig, #"{"extension":"201","number":"0612345678"}"#)
            #expect(paris["allowed"] as? Bool == false)
            #expect(paris["reason"] as? String == "extension_in_arrears")
            #expect(paris["message"] as? String == "Votre poste est débiteur, veuillez le recharger.")
            #expect(paris["max_duration_s"] is NSNull)
            // Lyon's branch hears it in Chinese (its language); the caller may ask for another.
            let lyon = try await PrepaidAPITests.authorize(rig, #"{"extension":"301","number":"0612345678"}"#)
            #expect(lyon["message"] as? String == "您的分机已欠费，请充值。")
            let english = try await PrepaidAPITests.authorize(rig, #"{"extension":"301","number":"0612345678","language":"en"}"#)
            #expect(english["message"] as? String == "Your extension is in arrears, please recharge.")
            let unknown = try await PrepaidAPITests.authorize(rig, #"{"extension":"999","number":"0612345678"}"#)
            #expect(unknown["reason"] as? String == "unknown_extension")
            // Topped up, the same extension gets the longest call 1.00 € pays: mobile at 0.15 €/min
            // excl. VAT (0.18 incl.), per second after 30 s: 333 s cost 1.00, 334 s would cost 1.01.
            #expect(try await PrepaidAPITests.topup(rig, "201", "1.00", "caisse-7") == 201)
            let ok = try await PrepaidAPITests.authorize(rig, #"{"extension":"201","number":"0612345678"}"#)
            #expect(ok["allowed"] as? Bool == true)
            #expect(ok["max_duration_s"] as? Int == 333)
            #expect(ok["warn_before_s"] as? Int == 20)
            #expect(ok["reserved"] as? String == "1.00" && ok["available"] as? String == "0.00")
            #expect(ok["destination"] as? String == "France mobile")
            let rate = ok["rate"] as? [String: Any]
            #expect(rate?["rate_per_minute"] as? String == "0.15" && rate?["first_increment_s"] as? Int == 30 && rate?["band"] as? String == "heures-pleines")
            // The balance is held: a second call at the same time is refused.
            let second = try await PrepaidAPITests.authorize(rig, #"{"extension":"202","number":"0142681234"}"#)
            #expect(second["reason"] as? String == "extension_in_arrears")
            // Released (the caller hung up before the call was put through), the money is back; 202's
            // own station limit (120 s) caps its call.
            let id = try #require(ok["authorization"] as? Int)
            #expect(try await rig.request(.DELETE, "/authorizations/\(id)", token: "operate-token").status == 204)
            #expect(try await rig.request(.DELETE, "/authorizations/\(id)", token: "operate-token").status == 404)
            #expect(try await rig.request(.POST, "/authorizations/\(id)/release", token: "operate-token").status == 404, "released once")
            let capped = try await PrepaidAPITests.authorize(rig, #"{"extension":"202","number":"0612345678"}"#)
            #expect(capped["allowed"] as? Bool == true && capped["max_duration_s"] as? Int == 120)
            // Emergency numbers always go through; barred or unpriceable ones never.
            #expect(try await PrepaidAPITests.authorize(rig, #"{"extension":"301","number":"112"}"#)["allowed"] as? Bool == true)
            #expect(try await PrepaidAPITests.authorize(rig, #"{"extension":"201","number":"0088112345678"}"#)["reason"] as? String == "destination_barred")
            // Authorising needs the operate role.
            #expect(try await rig.request(.POST, "/authorize", body: #"{"extension":"201","number":"0612345678"}"#).status == 401)
            #expect(try await rig.request(.POST, "/authorize", token: "read-token", body: #"{"extension":"201","number":"0612345678"}"#).status == 403)
            #expect(try await rig.request(.POST, "/authorize", token: "operate-token", body: #"{"ext":"201"}"#).status == 400)
        }
    }

    @Test func aCallerWhoChoseNoExtensionIsChargedToTheMainAccountUntilItsMinimum() async throws {
        try await PrepaidAPITests.withRig { rig in
            // Below its minimum the whole number is suspended, even for a funded branch.
            #expect(try await PrepaidAPITests.topup(rig, "paris", "50.00", "caisse-1") == 201)
            #expect(try await PrepaidAPITests.topup(rig, "main", "19.99", "virement-1") == 201)
            let suspended = try await PrepaidAPITests.authorize(rig, #"{"extension":"201","number":"0142681234"}"#)
            #expect(suspended["reason"] as? String == "main_account_suspended")
            #expect(suspended["message"] as? String == "Ce numéro est suspendu : le solde du compte principal est sous son minimum.")
            var main = rig.json(try await rig.request(.GET, "/accounts/main").body)
            #expect(main["state"] as? String == "suspended" && main["balance"] as? String == "19.99")
            // Topped up above it: calls go through; one with no extension holds the main account's
            // money above the minimum only.
            #expect(try await PrepaidAPITests.topup(rig, "main", "1.01", "virement-2") == 201)
            let fallback = try await PrepaidAPITests.authorize(rig, #"{"number":"0142681234"}"#)
            #expect(fallback["allowed"] as? Bool == true && fallback["account"] as? String == "main")
            #expect(fallback["reserved"] as? String == "1.00")
            main = rig.json(try await rig.request(.GET, "/accounts/main").body)
            #expect(main["balance"] as? String == "21.00" && main["held"] as? String == "1.00" && main["available"] as? String == "0.00")
            #expect(try await PrepaidAPITests.authorize(rig, #"{"number":"0142681234"}"#)["reason"] as? String == "main_account_suspended")
            // The crossings are alerts on the event stream and webhooks.
            let alerts = try rig.store.events(after: 0).filter { $0.type == "alert" }.map(\.json)
            #expect(alerts.contains { $0.contains("\"kind\":\"main_account_restored\"") })
            #expect(alerts.contains { $0.contains("\"kind\":\"low_balance\"") } == false, "21.00 is below 30.00 but was never above it")
            let list = rig.json(try await rig.request(.GET, "/accounts").body)["accounts"] as? [[String: Any]]
            #expect(list?.map { $0["id"] as? String } == ["main", "paris", "lyon"])
        }
    }

    @Test func topUpsAreIdempotentByReferenceAndNeedTheAdminRole() async throws {
        try await PrepaidAPITests.withRig { rig in
            let body = #"{"amount":"10.00","reference":"reçu 0042"}"#
            #expect(try await rig.request(.POST, "/accounts/paris/topups", body: body).status == 401)
            #expect(try await rig.request(.POST, "/accounts/paris/topups", token: "operate-token", body: body).status == 403)
            let first = try await rig.request(.POST, "/accounts/paris/topups", token: "admin-token", body: body)
            #expect(first.status == 201)
            // The same top-up sent again (a retry after a timeout) credits nothing more.
            let again = try await rig.request(.POST, "/accounts/201/topups", token: "admin-token", body: body)
            #expect(again.status == 200 && rig.json(again.body)["created"] as? Bool == false, "\(again.body)")
            let clash = try await rig.request(.POST, "/accounts/paris/topups", token: "admin-token", body: #"{"amount":"12.00","reference":"reçu 0042"}"#)
            #expect(clash.status == 409)
            #expect(try await rig.request(.POST, "/accounts/paris/topups", token: "admin-token", body: #"{"amount":"1.005","reference":"x"}"#).status == 400)
            #expect(try await rig.request(.POST, "/accounts/paris/topups", token: "admin-token", body: #"{"amount":"-5","reference":"y"}"#).status == 400)
            #expect(try await rig.request(.POST, "/accounts/nowhere/topups", token: "admin-token", body: body).status == 404)
            let paris = rig.json(try await rig.request(.GET, "/accounts/paris").body)
            #expect(paris["extensions"] as? [String] == ["201", "202"])
            #expect(paris["balance"] as? String == "10.00" && paris["state"] as? String == "ok")
            let statement = rig.json(try await rig.request(.GET, "/accounts/paris/statement?from=2026-11-01&to=2026-12-01").body)
            let lines = statement["lines"] as? [[String: Any]]
            #expect(lines?.count == 1 && lines?.first?["reference"] as? String == "reçu 0042" && statement["closing"] as? String == "10.00")
        }
    }

    /// Fault 4: top-ups of 999999999999.99, repeated on two accounts (the system account shared
    /// by all sits near the limit), are refused with 400 and a message; the server stays up and
    /// the balances are untouched. The largest movement itself is taken.
    @Test func topUpsNearTheLimitAre400NotACrash() async throws {
        try await PrepaidAPITests.withRig { rig in
            for (k, account) in ["paris", "lyon", "paris", "lyon"].enumerated() {
                let huge = try await rig.request(
                    .POST, "/accounts/\(account)/topups", token: "admin-token", body: #"{"amount":"999999999999.99","reference":"big \#(k)"}"#)
                #expect(huge.status == 400 && huge.body.contains("at most 1000000000"), "\(huge)")
            }
            let largest = try await rig.request(.POST, "/accounts/lyon/topups", token: "admin-token", body: #"{"amount":"1000000000","reference":"max"}"#)
            #expect(largest.status == 201, "\(largest.body)")
            let over = try await rig.request(.POST, "/accounts/lyon/topups", token: "admin-token", body: #"{"amount":"1000000000.01","reference":"max+"}"#)
            #expect(over.status == 400)
            #expect(try await rig.request(.GET, "/health").status == 200)
            #expect(rig.json(try await rig.request(.GET, "/accounts/paris").body)["balance"] as? String == "0.00")
            #expect(rig.json(try await rig.request(.GET, "/accounts/lyon").body)["balance"] as? String == "1000000000.00")
        }
    }
}
