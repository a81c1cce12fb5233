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

/// What reading a line gave.
public enum ParseEvent: Sendable {
    case record(CallRecord)
    /// Not a call record: a page header, a rule, a counter block, noise. Counted, not reported.
    case skip(line: Int, reason: String)
    /// Looked like a record but could not be read. Reported with a reason a person can act on.
    case reject(Reject)
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
