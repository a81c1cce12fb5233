import ArgumentParser
import SMDRCore

/// `--format` and `--format-file`, the same in every command that reads PBX lines: an id nobody
/// knows is refused with the list of known ones, before anything runs.
struct FormatOptions: ParsableArguments {
    @Option(help: "Format id, or auto to detect it (smdr-agent formats lists them).")
    var format: String?
    @Option(name: .customLong("format-file"), help: "A custom format described in YAML (repeatable).")
    var formatFiles: [String] = []

    /// The built-in formats, those of `extraFiles` (a config's `formats:`) and `--format-file`.
    func catalog(extraFiles: [String] = []) throws -> FormatCatalog {
        do { return try FormatCatalog(customFiles: extraFiles + formatFiles) } catch { throw ValidationError("\(error)") }
    }

    /// The format named (`--format`, else `fallback`), or nil for auto; refused if unknown.
    func chosen(in catalog: FormatCatalog, fallback: String? = nil) throws -> FormatHandle? {
        do { return try catalog.resolve(format ?? fallback) } catch { throw ValidationError("--format: \(error)") }
    }
}
