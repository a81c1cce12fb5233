import Foundation

/// A program run to its end, its output kept (systemctl, udevadm): `doctor` and `setup`.
enum Command {
    /// Nil when the program cannot be started. `errors`: standard error goes into the output too.
    static func run(_ program: String, _ arguments: [String], errors: Bool = true) -> (status: Int32, output: String)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
        p.arguments = program.hasPrefix("/") ? arguments : [program] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = errors ? pipe : FileHandle(forWritingAtPath: "/dev/null")
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
