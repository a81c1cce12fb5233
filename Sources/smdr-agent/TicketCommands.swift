import ArgumentParser
import Foundation
import SMDRRuntime
import SMDRPrint
import SMDRRating
import SMDRStore
import SMDRTickets

/// Options every ticket-printing command shares.
struct TicketOptions: ParsableArguments {
    @OptionGroup var dataOption: DataDirectoryOption
    var dataDir: String { dataOption.dataDir }
    @Option(help: "CUPS queue to print on (default: the default destination).")
    var printer: String?
    @Option(help: "receipt (ESC/POS, raw), text (CUPS filters it) or listing.")
    var layout: TicketLayout.Kind = .receipt
    @Option(help: "Characters per line: 42 or 48 on 80 mm paper, 32 on 58 mm.")
    var columns: Int = 42
    @Option(help: "fr, en, or a strings file (key = text lines).")
    var language: String = "fr"
    @Option(help: "Company name printed at the top.")
    var company: String = ""
    @Option(help: "Business codes (YAML or CSV): how many digits to mask per client.")
    var accounts: String?

    func strings() throws -> TicketStrings {
        if let s = TicketStrings.builtIn(language) { return s }
        guard let text = try? String(contentsOfFile: language, encoding: .utf8) else {
            throw ValidationError("--language: '\(language)' is neither fr, en nor a readable strings file")
        }
        return TicketStrings.parse(text)
    }

    var ticketLayout: TicketLayout { get throws { TicketLayout(kind: layout, columns: columns, strings: try strings()) } }

    func store() throws -> CallStore {
        let path = DataDirectory(dataDir).store.path
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no store at \(path): is --data-dir the agent's?") }
        return try CallStore(path: path)
    }

    func queue(_ cups: Cups) async throws -> String {
        if let printer { return printer }
        guard let d = await cups.destinations().first(where: \.isDefault) else {
            throw ValidationError("no default printer: name one with --printer (smdr-agent printers lists them)")
        }
        return d.name
    }
}

extension TicketLayout.Kind: ExpressibleByArgument {}

struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket",
        abstract: "Print the taxation ticket of a stored call (a reprint is marked as a copy).",
        discussion: "CALL is the call's row number (calls --json shows it as call_row in the store) or the PBX's call id."
    )

    @Argument(help: "The stored call: row number or PBX call id.")
    var call: String
    @OptionGroup var options: TicketOptions
    @Flag(help: "Print the ticket here instead of sending it.")
    var preview = false
    @Option(help: "Seconds to wait for the printer before leaving the ticket queued.")
    var wait: Double = 10

    func run() async throws {
        let store = try options.store()
        guard let stored = try store.ratedRow(call) else { throw ValidationError("no stored call '\(call)'") }
        let row = stored.row
        let book = try loadAccounts(options.accounts)
        let layout = try options.ticketLayout
        let company = options.company
        func render(_ number: Int, _ copy: Bool) -> [UInt8] {
            let content = TicketContent(stored: stored, book: book, company: company, number: number, copy: copy)
            return layout.kind == .listing ? layout.listing([content], company: company) : layout.render(content)
        }
        if preview {
            var out = OutputStream(fd: 1)
            // ESC/POS commands shown as text: the rest is what the paper shows.
            out.write(String(decoding: render(0, false).filter { $0 >= 0x20 || $0 == 0x0A }, as: UTF8.self))
            out.flush()
            return
        }
        let cups = Cups()
        let queue = try await options.queue(cups)
        let job = try store.enqueueTicket(callRow: row, queue: queue, layout: layout.kind.rawValue, raw: layout.kind == .receipt, render: render)
        let spooler = PrintSpooler(store: store, cups: cups)
        let until = Date().addingTimeInterval(wait)
        while Date() < until {
            _ = await spooler.step()
            if let j = try store.printJob(id: job.id), j.state == .completed || j.state == .failed {
                print("ticket \(j.ticketNumber)\(j.copy ? " (copy)" : "") \(j.state.rawValue) on \(queue)\(j.reason.map { ": \($0)" } ?? "")")
                if j.state == .failed { throw ExitCode(1) }
                return
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        print("ticket \(job.ticketNumber) queued for \(queue): the printer has not taken it yet; the running agent prints it when the printer is back")
    }
}

struct PrintersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "printers", abstract: "List CUPS destinations and their state.")

    func run() async throws {
        let cups = Cups()
        try await cups.checkAvailable()
        let dests = await cups.destinations()
        if dests.isEmpty { print("no printers: add one with lpadmin (see Hardware/receipt-printer.md)") }
        for d in dests {
            print("\(d.name)\(d.isDefault ? " (default)" : "")  \(d.stateName)  \(d.deviceURI ?? "")\(d.message.map { "  \($0)" } ?? "")")
        }
    }
}

struct PrintQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print-queue", abstract: "Show the ticket print queue; retry failed tickets; print what is waiting.")

    @OptionGroup var dataOption: DataDirectoryOption
    var dataDir: String { dataOption.dataDir }
    @Option(help: "Queue a failed ticket again (its queue id).")
    var retry: [Int64] = []
    @Option(help: "Print what is waiting for up to this many seconds, then show the queue.")
    var run: Double?

    func run() async throws {
        let path = DataDirectory(dataDir).store.path
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no store at \(path)") }
        let store = try CallStore(path: path)
        for id in retry { try store.updatePrintJob(id: id, state: .queued, reason: nil) }
        if let seconds = run {
            let spooler = PrintSpooler(store: store, cups: Cups())
            let until = Date().addingTimeInterval(seconds)
            while Date() < until, (try store.nextPrintJob()) != nil {
                if case .completed = await spooler.step() { continue }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
        }
        for j in try store.printJobs().reversed() {
            print("\(j.id)\tticket \(j.ticketNumber)\(j.copy ? " (copy)" : "")\t\(j.queue)\t\(j.layout)\t\(j.state.rawValue)\(j.cupsJob.map { "\tcups job \($0)" } ?? "")\(j.reason.map { "\t\($0)" } ?? "")")
        }
    }
}

struct PrintTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print-test", abstract: "Print a sample ticket, to check a printer's queue, paper width, code page and cutter.")

    @OptionGroup var options: TicketOptions

    func run() async throws {
        let layout = try options.ticketLayout
        let zone = ZoneClock(timeZone: .current)
        let sample = TicketContent(
            company: options.company.isEmpty ? "smdr-agent" : options.company, number: 0, station: "201", userName: "Test Éloïse",
            transferredBy: "Accueil", start: zone.zoned(utc: Int64(Date().timeIntervalSince1970)), durationSeconds: 125, direction: .outgoing,
            dialled: "0142681234", units: 3, cost: Money("0.36"), vat: Money("0.07"), total: Money("0.43"), currency: "EUR", accountCode: "4711",
            client: "Client test")
        let bytes = layout.kind == .listing ? layout.listing([sample], company: sample.company) : layout.render(sample)
        let cups = Cups()
        let queue = try await options.queue(cups)
        let job = try await cups.submit(queue: queue, title: "smdr-agent test print", bytes: bytes, raw: layout.kind == .receipt)
        for _ in 0..<100 {
            if let j = await cups.jobs(queue: queue).first(where: { $0.id == job }), j.finished {
                print("test ticket \(j.state) on \(queue) (\(layout.kind.rawValue), \(layout.columns) columns)")
                return
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        print("test ticket sent to \(queue) as job \(job); the printer has not finished it yet (smdr-agent printers shows its state)")
    }
}

import SMDRCore
