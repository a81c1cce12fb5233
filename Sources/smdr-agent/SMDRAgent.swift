import ArgumentParser

/// `smdr-agent`: the call-accounting agent. This file only lists the commands.
@main
struct SMDRAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smdr-agent",
        abstract: "Call-accounting agent for PBX station-message (SMDR) output.",
        subcommands: [ParseCommand.self, FormatsCommand.self]
    )
}
