import Foundation
import SMDRCore
import SMDRPrepaid
import SMDRRating
import SMDRTickets
import Testing

struct StatementAndBudgetTests {
    /// The longest affordable duration, found on a price with a first block and increments.
    @Test func theBudgetIsTheLongestCallThatFits() {
        // 0.50 connection, then 0.60 per started minute: 1 s costs 1.10.
        func cost(_ s: Int) -> Money { Money(micros: 500_000 + Int64((s + 59) / 60) * 600_000) }
        #expect(CallBudget.longest(cap: 3600, available: Money("1.09")!, cost: cost) == nil, "the first block does not fit")
        #expect(CallBudget.longest(cap: 3600, available: Money("1.10")!, cost: cost) == 60)
        #expect(CallBudget.longest(cap: 3600, available: Money("2.29")!, cost: cost) == 120)
        #expect(CallBudget.longest(cap: 90, available: Money("100")!, cost: cost) == 90, "the station's limit caps it")
    }

    /// A French statement: decimal comma, euro sign on a receipt, signs in front, totals.
    @Test func aFrenchReceiptStatement() throws {
        let at = ZonedTime(utc: 1_793_782_800, offset: 3600)  // 2026-11-04 10:00 in Paris
        let s = Statement(
            account: "paris", name: "Agence Paris", extensions: ["201", "202"], currency: "EUR", decimals: 2, from: at, to: ZonedTime(utc: at.utc + 86_400, offset: 3600),
            opening: Money("5.00")!, closing: Money("24.64")!, held: Money("1.00")!,
            lines: [
                .init(transaction: 1, at: at, kind: .topup, reference: "reçu 42", extension_: nil, number: nil, durationSeconds: nil, callRow: nil, amount: Money("20.00")!, balance: Money("25.00")!),
                .init(transaction: 2, at: at, kind: .call, reference: nil, extension_: "201", number: "06123456XX", durationSeconds: 120, callRow: 7, amount: Money("-0.36")!, balance: Money("24.64")!),
            ])
        let lines = TicketLayout(kind: .receipt, columns: 42, strings: .french).statementLines(s)
        #expect(lines.contains { $0.hasPrefix("Solde initial") && $0.hasSuffix("5,00 €") })
        #expect(lines.contains { $0.hasPrefix("04/11/2026 10:00 Recharge reçu 42") && $0.hasSuffix("+20,00 €") })
        // Too long for 42 columns with its amount: the amount goes right-aligned on the next line.
        let call = try #require(lines.firstIndex { $0 == "04/11/2026 10:00 201 06123456XX 00:02:00" }, "\(lines)")
        #expect(lines[call + 1].hasSuffix("-0,36 €") && lines[call + 1].count == 42)
        #expect(lines.contains { $0.hasPrefix("Solde final") && $0.hasSuffix("24,64 €") })
        #expect(lines.contains { $0.hasPrefix("Réservé") && $0.hasSuffix("1,00 €") })
        #expect(lines.allSatisfy { $0.count <= 42 })
        let bytes = TicketLayout(kind: .receipt, columns: 42, strings: .french).render(s, company: "ACME")
        #expect(Array(bytes.suffix(6)) == [0x1B, 0x64, 0x04, 0x1D, 0x56, 0x01], "a receipt ends with feed and cut")
    }
}
