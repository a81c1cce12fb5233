import ArgumentParser
import Foundation
import SMDRCore
import SMDRLive
import SMDRRuntime

/// `smdr-agent config check FILE`: what an installer runs after editing the configuration, before
/// restarting the service. Prints the configuration as the agent will run it, or every problem
/// with its file, line and column, and exits non-zero.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration file: the settings the agent will run with, or every problem in it.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Print the resolved configuration, or every error (file:line:column) and exit 1.")

        @Argument(help: "The configuration file (YAML).")
        var file: String

        func run() throws {
            var out = OutputStream(fd: 1)
            var err = OutputStream(fd: 2)
            let c: AgentConfig
            do {
                c = try AgentConfig.load(path: file)
            } catch let e as ConfigError {
                err.write(e.description + "\n")
                err.write("\(max(1, e.problems.count)) problem(s) in \(file)\n")
                err.flush()
                throw ExitCode(1)
            }
            // Files the configuration names must load too.
            var problems: [String] = []
            let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
            func resolved(_ path: String) -> String { path.hasPrefix("/") ? path : folder.appendingPathComponent(path).path }
            if let t = c.tariff {
                do { _ = try loadTariff(resolved(t)) } catch { problems.append("\(file): key 'tariff': \(error)") }
            }
            if let a = c.accounts {
                do { _ = try loadAccounts(resolved(a)) } catch { problems.append("\(file): key 'accounts': \(error)") }
            }
            guard problems.isEmpty else {
                err.write(problems.joined(separator: "\n") + "\n\(problems.count) problem(s) in \(file)\n")
                err.flush()
                throw ExitCode(1)
            }
            out.write("\(file): ok\n")
            out.write("data directory: \(c.dataDirectory ?? "data (default)")\n")
            out.write("time zone: \(c.timeZone ?? "\(TimeZone.current.identifier) (the system's)")\n")
            for s in c.sources {
                out.write("source \(s.id): \(s.summary), format \(s.format ?? "auto")\(s.quietAfterSeconds.map { ", quiet alarm after \(Int($0)) s" } ?? "")\n")
            }
            for f in c.formatFiles { out.write("custom format file: \(f)\n") }
            out.write("API: \(c.api?.listen ?? "127.0.0.1:8080 (default)"), \(c.api?.tokens?.count ?? 0) token(s), at most \(c.api?.max_connections ?? ConnectionLimits.defaultMaxConnections) connections\n")
            if let t = c.tariff { out.write("tariff: \(resolved(t))\n") }
            if let a = c.accounts { out.write("business codes: \(resolved(a))\n") }
            if let t = c.tickets { out.write("tickets: printer \(t.printer), policy \(t.default ?? "external")\n") }
            out.write("stations: \(c.stations.count), alert rules: \(c.alerts.count), webhooks: \(c.webhooks.count)\(c.prepaid == nil ? "" : ", prepaid accounts")\n")
            out.flush()
        }
    }
}
