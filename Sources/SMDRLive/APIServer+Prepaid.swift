import Foundation
import Hummingbird
import NIOCore
import SMDRPrepaid
import SMDRRating

/// The prepaid routes: live authorisation for the PBX or IVR, accounts, statements, top-ups.
extension APIServer {
    func prepaidRoutes(_ router: Router<BasicRequestContext>) {
        router.post("/authorize") { request, _ in
            try self.check(request, .operate)
            let prepaid = try self.prepaidSide()
            var request = request
            let body = try await request.collectBody(upTo: 4 * 1024)
            struct Body: Decodable {
                var `extension`: String?
                var number: String
                var trunk: String?
                var direction: String?
                var language: String?
            }
            let b: Body
            do { b = try JSONDecoder().decode(Body.self, from: Data(buffer: body)) } catch {
                throw APIError.bad("expected {\"extension\": \"201\", \"number\": \"0612345678\", \"trunk\": \"T1\"}: \(error)")
            }
            guard b.number.count <= 40, (b.extension?.count ?? 0) <= 32 else { throw APIError.bad("number: at most 40 characters; extension: at most 32") }
            guard ["outgoing", "incoming", nil].contains(b.direction) else { throw APIError.bad("direction: outgoing (default) or incoming") }
            let decision = try APIServer.answer {
                try prepaid.authorize(
                    AuthorizationRequest(extension_: b.extension, number: b.number, trunk: b.trunk, incoming: b.direction == "incoming", language: b.language))
            }
            return APIServer.json(decision.json)
        }
        // DELETE, or POST …/release for dialplans whose HTTP client only posts (Asterisk's CURL).
        let release: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            try self.check(request, .operate)
            let prepaid = try self.prepaidSide()
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw APIError.bad("id: an authorisation id") }
            guard try prepaid.release(authorization: id) else { throw HTTPError(.notFound, message: "no held authorisation \(id)") }
            return Response(status: .noContent)
        }
        router.delete("/authorizations/:id", use: release)
        router.post("/authorizations/:id/release", use: release)
        router.get("/accounts") { request, _ in
            try self.check(request, .read)
            let list = try self.prepaidSide().accounts()
            return APIServer.json("{\"accounts\":[\(list.map(\.json).joined(separator: ","))]}")
        }
        router.get("/accounts/:id") { request, context in
            try self.check(request, .read)
            let id = context.parameters.get("id") ?? ""
            guard let a = try self.prepaidSide().account(id) else { throw HTTPError(.notFound, message: "no account or extension \(id)") }
            return APIServer.json(a.json)
        }
        router.get("/accounts/:id/statement") { request, context in
            try self.check(request, .read)
            let q = request.uri.queryParameters
            let now = Int64(Date().timeIntervalSince1970)
            let from = try q.get("from").map { try APIServer.epoch($0, "from") } ?? (now - 31 * 86_400)
            let to = try q.get("to").map { try APIServer.epoch($0, "to") } ?? (now + 1)
            let prepaid = try self.prepaidSide()
            let s = try APIServer.answer { try prepaid.statement(context.parameters.get("id") ?? "", fromUTC: from, toUTC: to) }
            return APIServer.json(s.json)
        }
        router.post("/accounts/:id/topups") { request, context in
            try self.check(request, .admin)
            let prepaid = try self.prepaidSide()
            var request = request
            let body = try await request.collectBody(upTo: 4 * 1024)
            struct Body: Decodable {
                var amount: String
                var reference: String
                var memo: String?
                var adjustment: Bool?
            }
            let b: Body
            do { b = try JSONDecoder().decode(Body.self, from: Data(buffer: body)) } catch {
                throw APIError.bad("expected {\"amount\": \"20.00\", \"reference\": \"receipt 0042\"} (amount as a decimal string): \(error)")
            }
            guard let amount = Money(b.amount) else { throw APIError.bad("amount: \(Money.inputRule), as a string") }
            let id = context.parameters.get("id") ?? ""
            let done = try APIServer.answer { try prepaid.topup(id, amount: amount, reference: b.reference, memo: b.memo, adjustment: b.adjustment ?? false) }
            return APIServer.json(
                "{\"transaction\":\(done.transaction),\"created\":\(done.created),\"account\":\(done.account.json)}", status: done.created ? .created : .ok)
        }
    }

    func prepaidSide() throws -> any PrepaidOperations {
        guard let prepaid else { throw HTTPError(.notFound, message: "prepaid accounts are not configured (prepaid: in the configuration file)") }
        return prepaid
    }

    /// A prepaid operation, its errors as HTTP answers.
    static func answer<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as PrepaidError {
            switch e.kind {
            case .notFound: throw HTTPError(.notFound, message: e.description)
            case .conflict: throw HTTPError(.conflict, message: e.description)
            case .invalid: throw HTTPError(.badRequest, message: e.description)
            }
        }
    }
}
