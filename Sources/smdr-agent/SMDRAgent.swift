import ArgumentParser

/// `smdr-agent`: the call-accounting agent. This file only lists the commands.
@main
struct SMDRAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smdr-agent",
        abstract: "Call-accounting agent for PBX station-message (SMDR) output.",
        subcommands: [RunCommand.self, ConfigCommand.self, SetupCommand.self, DetectCommand.self, DoctorCommand.self, ParseCommand.self, RateCommand.self, RerateCommand.self, ReportCommand.self, CallsCommand.self, ReplayCommand.self, JournalCommand.self, QuarantineCommand.self, TicketCommand.self, PrintersCommand.self, PrintQueueCommand.self, PrintTestCommand.self, PortsCommand.self, FormatsCommand.self, RecallsCommand.self, BalanceCommand.self, TopupCommand.self, StatementCommand.self]
    )
}
