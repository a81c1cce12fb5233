import Foundation

/// A PBX record format: how to recognise it and how to read it.
///
/// One format is one file in `Formats/` holding its column table, its `claim`, its parser and its
/// test vectors, registered in ``FormatRegistry``. Start a new one from `_Template.swift`.
public protocol SMDRFormat {
    /// Stable id used by `--format` and in each record's `format` field.
    static var id: String { get }
    /// One line for `smdr-agent formats`.
    static var title: String { get }
    /// How sure the format is (0 = not mine, 100 = certain) that these first lines are its own.
    /// Lines are decoded text, blank lines removed, at most ``FormatDetector/sampleSize``.
    static func claim(_ lines: [String]) -> Int
    /// A fresh parser for one stream.
    static func makeParser(_ options: ParseOptions) -> any RecordParser
    /// Lines with the fields they must give: checked by the test suite for every format.
    static var vectors: [FormatVector] { get }
    /// A NUL byte is fill inside a record, not its end (Nortel TTY output); false for most PBXs.
    static var nulIsFill: Bool { get }
    /// How this PBX's records link into calls (a transfer's legs).
    static var linking: CallLinking { get }
    /// Whether the PBX numbers its calls in sequence, so a jump means records it lost.
    static var numbersCallsInSequence: Bool { get }
}

extension SMDRFormat {
    public static var nulIsFill: Bool { false }
    public static var linking: CallLinking { .trunkAndNumber }
    public static var numbersCallsInSequence: Bool { false }
}

/// How a PBX's records link into calls: what the call assembler follows for a format, so no
/// code outside the format's own file asks which PBX it is.
public enum CallLinking: Sendable, Equatable {
    /// Legs share a call id; a continuation marker says more legs follow (Avaya IP Office).
    case callID
    /// Start, middle and end records (`record_type` S, X, E) of one call (Nortel Meridian).
    case markers
    /// One record is one call (Mitel, OmniPCX Enterprise).
    case single
    /// Legs follow on the same trunk and number within a quiet period (the rest).
    case trunkAndNumber
}

/// Reads the lines of one stream. Parsers keep per-stream state (page headers, the year, held
/// records), so one instance serves one stream.
public protocol RecordParser {
    /// Reads one line and appends what it gives (a record, a skip, a reject, or nothing while a
    /// multi-line record is held back).
    mutating func parse(_ line: FramedLine, into out: inout [ParseEvent])
    /// End of input: releases anything held back.
    mutating func finish(into out: inout [ParseEvent])
    /// Whether a record is held back waiting for more lines (a checkpoint must not pass it).
    var holding: Bool { get }
}

extension RecordParser {
    public mutating func finish(into out: inout [ParseEvent]) {}
    public var holding: Bool { false }
}

/// What reading a line gave. Small, since a day's capture makes a million of them: a record is
/// one reference (``CallRecord``), and the rare reject and format change are boxed.
public enum ParseEvent: Sendable {
    case record(CallRecord)
    /// Not a call record, and the format says which kind of line it is (``SkipKind``): there is
    /// no catch-all. Anything a format cannot name is a ``reject``.
    case skip(line: Int, kind: SkipKind, detail: String? = nil)
    /// Looked like a record but could not be read. Reported with a reason a person can act on.
    indirect case reject(Reject)
    /// Detection found the stream's format after rejecting lines, or the stream changed format:
    /// rejects from ``FormatChange/replayFrom`` on are taken back, and those lines' new events follow.
    indirect case formatFound(FormatChange)
}

/// The kinds of line a format may declare as not a call record. A line that fits none of them and
/// cannot be read is a reject (quarantined with its reason), never skipped.
public enum SkipKind: String, Sendable, CaseIterable, Comparable {
    /// Nothing but blanks (or a lone control byte the framer left).
    case blank
    /// The `# Key: value` header of a capture file.
    case metadata
    /// A page or report title: site name, "SMDR REPORT", the date and time the page was printed.
    case pageHeader = "page-header"
    /// The column heading (`Date Time Ext CO …`).
    case columnHeader = "column-header"
    /// A rule of `-`, `=`, `*`, box-drawing characters.
    case rule
    /// A banner the PBX or the logging program prints (start-up text, modem init, site name line).
    case banner
    /// A PBX alarm, diagnostic or maintenance message, or a clock line printed with it.
    case alarm
    /// A ringing notice or caller-ID pre-print the format documents as not a call.
    case ringNotice = "ring-notice"
    /// A PBX event the format documents as not a call (group/DND change, call-quality record, buffer full).
    case event
    /// A counter or totals printout (per-extension metering counters).
    case counter
    /// Flow-control or line noise the PBX documents (XON/XOFF on a line of its own).
    case control
    /// A line of a multi-line record that the format folds into a record already released.
    case continuation

    public static func < (a: SkipKind, b: SkipKind) -> Bool { a.rawValue < b.rawValue }
}

public struct Reject: Sendable, Equatable {
    public var line: Int
    public var text: String
    public var reason: String
    public var format: String?
    /// Stream position of the line's first byte.
    public var offset: Int64

    public init(line: Int, text: String, reason: String, format: String?, offset: Int64 = 0) {
        self.line = line
        self.text = text
        self.reason = reason
        self.format = format
        self.offset = offset
    }
}

/// How the PBX's dates and times are to be read.
public struct ParseOptions: Sendable {
    public enum DateOrder: String, Sendable, CaseIterable { case dmy, mdy }

    public var timeZone: TimeZone
    /// Year for formats that print none (`--year`); otherwise taken from `receivedAt`.
    public var year: Int?
    /// Day/month order for formats where the site chooses it (`--date-order`).
    public var dateOrder: DateOrder?
    /// When the data was received (a capture's modification time, or now).
    public var receivedAt: Date

    public init(timeZone: TimeZone = .current, year: Int? = nil, dateOrder: DateOrder? = nil, receivedAt: Date = Date()) {
        self.timeZone = timeZone
        self.year = year
        self.dateOrder = dateOrder
        self.receivedAt = receivedAt
    }

    /// The receive date as a wall time in the PBX's zone.
    public var receivedLocal: CivilDateTime {
        let t = Int64(receivedAt.timeIntervalSince1970)
        return CivilDateTime(secondsAsUTC: t + Int64(timeZone.secondsFromGMT(for: receivedAt)))
    }

    public func makeYearResolver() -> YearResolver {
        YearResolver(fixedYear: year, reference: receivedLocal)
    }
}

/// A line and the fields it must give, as the format's documentation reads it.
public struct FormatVector: Sendable {
    public var lines: [String]
    /// Expected JSON values by field name, written as JSON (`"\"501\""`, `"28"`, `"null"`, `"[\"transfer\"]"`).
    public var expect: [String: String]
    /// Index of the record (among those the lines give) the expectations are about.
    public var record: Int
    public var options: ParseOptions

    public init(_ lines: [String], record: Int = 0, options: ParseOptions = .vectors, _ expect: [String: String]) {
        self.lines = lines
        self.expect = expect
        self.record = record
        self.options = options
    }
}

extension ParseOptions {
    /// Fixed settings for test vectors: Paris time, received 2026-11-04.
    public static var vectors: ParseOptions {
        ParseOptions(
            timeZone: TimeZone(identifier: "Europe/Paris")!,
            receivedAt: Date(timeIntervalSince1970: 1_793_779_200))
    }
}
