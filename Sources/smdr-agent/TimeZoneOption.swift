import ArgumentParser
import Foundation

/// The `--timezone` of every command: an IANA name, or the system zone when absent. A name that
/// is not a zone is an error, never silently replaced.
func timeZone(_ name: String?) throws -> TimeZone {
    guard let name else { return .current }
    guard let z = TimeZone(identifier: name) else {
        throw ValidationError("unknown time zone '\(name)': use an IANA name such as Europe/Paris or America/New_York")
    }
    return z
}

/// `--timezone`, the same in every command that reads or prints PBX times.
struct TimeZoneOption: ParsableArguments {
    @Option(help: "The PBX's time zone (IANA name, e.g. Europe/Paris). Default: the system zone.")
    var timezone: String?
}

/// `--data-dir`, the same in every command that reads the agent's store or journal.
struct DataDirectoryOption: ParsableArguments {
    @Option(help: "Data directory of the agent (store and journal).")
    var dataDir: String = "data"
}
