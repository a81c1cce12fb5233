import ArgumentParser
import SMDRCore

struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "formats", abstract: "List the PBX formats the agent reads.")

    func run() throws {
        var out = OutputStream(fd: 1)
        let width = FormatRegistry.ids.map(\.count).max() ?? 10
        for f in FormatRegistry.builtIn {
            out.write(f.id.padding(toLength: width + 2, withPad: " ", startingAt: 0) + f.title + "\n")
        }
        out.write("custom".padding(toLength: width + 2, withPad: " ", startingAt: 0) + "a declarative format from a YAML file (--format-file FILE)\n")
        out.flush()
    }
}
