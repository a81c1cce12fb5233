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
