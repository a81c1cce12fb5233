import Foundation
import SMDRCore
import SMDRRating
import SMDRTickets
import Testing

func sampleTicket(copy: Bool = false, name: String = "DUPONT Marie") -> TicketContent {
    let zone = ZoneClock(timeZone: TimeZone(identifier: "Europe/Paris")!)
    return TicketContent(
        company: "ACME SA", number: 42, copy: copy, station: "201", userName: name, transferredBy: "Accueil (200)",
        start: zone.zoned(CivilDateTime(year: 2026, month: 11, day: 4, hour: 9, minute: 12, second: 12)!), durationSeconds: 161,
        direction: .outgoing, dialled: TicketContent.mask("0142681234", digits: 4), units: 2, cost: Money("0.16"), vat: Money("0.03"),
        total: Money("0.19"), currency: "EUR", decimals: 2, accountCode: "4711", client: "Dupont SA")
}

struct TicketLayoutTests {
    @Test func textTicketInFrench() {
        let text = String(decoding: TicketLayout(kind: .text, columns: 42, strings: .french).render(sampleTicket()), as: UTF8.self)
        // Header centred in 42 columns: (42 - 7) / 2 and (42 - 18) / 2 spaces.
        let expected =
            String(repeating: " ", count: 17) + "ACME SA\n" + String(repeating: " ", count: 12) + "TICKET DE TAXATION\n" + """
            ------------------------------------------
            Ticket n°                               42
            Poste                                  201
            Usager                        DUPONT Marie
            Transféré par                Accueil (200)
            Date                            04/11/2026
            Heure                             09:12:12
            Durée                             00:02:41
            Numéro                          014268XXXX
            Taxes                                    2
            Coût HT                           0,16 EUR
            TVA                               0,03 EUR
            Total TTC                         0,19 EUR
            Code affaire                          4711
            Client                           Dupont SA
            ------------------------------------------


            """
        #expect(text == expected, "\n\(text)")
    }

    @Test func englishMoneyAndCopies() {
        let text = String(decoding: TicketLayout(kind: .text, columns: 32, strings: .english).render(sampleTicket(copy: true)), as: UTF8.self)
        #expect(text.contains("*** COPY ***"))
        #expect(text.contains("Total incl. VAT" + String(repeating: " ", count: 32 - 15 - 8) + "EUR 0.19"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 32 })
    }

    /// ESC/POS: initialise, code page PC858, centred bold header, the body, feed and cut; accents
    /// and the euro sign in PC858 (é = 0x82, û = 0x96, € = 0xD5), never as UTF-8.
    @Test func receiptForAnEightyMillimetrePrinter() {
        let bytes = TicketLayout(kind: .receipt, columns: 48, strings: .french).render(sampleTicket())
        #expect(Array(bytes.prefix(11)) == [0x1B, 0x40, 0x1B, 0x74, 19, 0x1B, 0x61, 0x01, 0x1B, 0x45, 0x01])
        #expect(Array(bytes.suffix(6)) == [0x1B, 0x64, 0x04, 0x1D, 0x56, 0x01])
        let total = Array(("Total TTC" + String(repeating: " ", count: 48 - 9 - 6) + "0,19 ").utf8) + [0xD5]
        #expect(bytes.firstRange(of: total) != nil)
        #expect(bytes.firstRange(of: Array("Co".utf8) + [0x96] + Array("t HT".utf8)) != nil)
        #expect(bytes.firstRange(of: Array("Transf".utf8) + [0x82, 0x72, 0x82]) != nil)
        #expect(!bytes.contains(0xC3) && !bytes.contains(0xE2), "no UTF-8 lead bytes")
        // The only control bytes are the layout's own commands and line feeds.
        let commands = bytes.enumerated().filter { $0.element == 0x1B || $0.element == 0x1D }.count
        #expect(commands == 8)
    }

    /// A caller name carrying ESC and GS bytes (a cut, a code page switch) prints as plain text.
    @Test func controlBytesFromThePBXAreHarmless() {
        let evil = "EVIL\u{1B}d\u{09}\u{1D}V\u{01}NAME\u{9B}"
        let bytes = TicketLayout(kind: .receipt, columns: 42, strings: .english).render(sampleTicket(name: evil))
        let commands = bytes.enumerated().filter { $0.element == 0x1B || $0.element == 0x1D }.count
        #expect(commands == 8, "only the layout's own ESC/GS commands")
        let line = String(decoding: bytes.map { $0 >= 0x80 ? UInt8(ascii: "?") : $0 }, as: UTF8.self).split(separator: "\n").first { $0.contains("EVIL") } ?? ""
        #expect(line.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }, "\(Array(line.utf8))")
        #expect(line.hasSuffix("EVIL d  V NAME "))
    }

    @Test func listingWithPageHeaders() {
        var calls: [TicketContent] = []
        for k in 0..<5 {
            var c = sampleTicket()
            c.number = 100 + k
            calls.append(c)
        }
        let text = String(decoding: TicketLayout(kind: .listing, strings: .french, linesPerPage: 2).listing(calls, company: "ACME SA"), as: UTF8.self)
        #expect(text.components(separatedBy: "RELEVÉ DE TAXATION").count - 1 == 3)  // 3 pages for 5 calls, 2 per page
        #expect(text.components(separatedBy: "\u{0C}").count - 1 == 2)  // a form feed before pages 2 and 3
        #expect(text.contains("5 appels   Coût HT: 0,80 EUR"))
        #expect(text.contains("104    201    04/11/2026 09:12:12 00:02:41  014268XXXX           2   0,16 EUR"), "\n\(text)")
    }

    @Test func maskingAndStringsFiles() {
        #expect(TicketContent.mask("+33142681234", digits: 4) == "+3314268XXXX")
        #expect(TicketContent.mask("0142681234", digits: 0) == "0142681234")
        let de = TicketStrings.parse("# German\ntitle = GEBÜHRENBELEG\ntotal = Gesamt\ndecimal_comma = yes\ncurrency_first = no\n")
        let text = String(decoding: TicketLayout(kind: .text, strings: de).render(sampleTicket()), as: UTF8.self)
        #expect(text.contains("GEBÜHRENBELEG"))
        #expect(text.contains("Gesamt") && text.contains("0,19 EUR"))
    }
}
