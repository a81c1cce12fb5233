/// Bytes in, events out: framing, the capture's metadata header, format detection and the
/// format's parser, for one input stream.
///
/// Feed it bytes in chunks of any size, then call ``finish(into:)``. Every framed line ends as a
/// record (or part of one), a named skip or a reject: none is dropped.
///
/// With `format: auto`, lines are held until ``FormatDetector/sampleSize`` non-blank lines (or the
/// end of input, or a quiet line) have been seen, then read by the format that reads most of them.
/// Lines no format recognises are rejected as "format not recognised yet" and kept, with a rolling
/// window of the latest ones; detection runs again on every new line, and once a format is found
/// the kept lines are read again, in order, by it (``ParseEvent/formatFound(_:)`` tells the
/// consumer to take back the rejects it had for them). A stream that changes format mid-way (a
/// run of lines its format rejects that another format reads) is switched the same way.
public struct StreamParser {
    public private(set) var format: FormatHandle?
    /// No format recognised the latest lines: they are being rejected and kept for a later detection.
    public var unrecognised: Bool { format == nil && !pending.isEmpty }
    /// The decoded lines that detection last looked at (for the error message).
    public private(set) var sample: [String] = []

    private let candidates: [FormatHandle]
    private let options: ParseOptions
    /// `auto`: detection may run again (a format named by the user is never replaced; a format found
    /// by an earlier run and resumed from its checkpoint is, when `detecting` says so).
    private let detecting: Bool
    /// Rejects for unrecognised lines are emitted at once (a live source quarantines them) rather
    /// than held until detection or the end of input (a file, where a later format makes them records).
    private let rejectWhileSearching: Bool
    private var parser: (any RecordParser)?
    private var framer: Framer
    /// First lines held for detection, not yet reported.
    private var held: [FramedLine] = []
    /// Lines rejected (or held) since no format recognised the stream, oldest first; re-read once one does.
    private var pending: [FramedLine] = []
    /// How many of `pending` have been reported as rejects.
    private var pendingReported = 0
    /// Consecutive lines the current format rejected: the start of another format, perhaps.
    private var rejectedRun: [FramedLine] = []
    /// The part of a record before a NUL, when the format takes NUL for fill (Nortel): joined to what follows.
    private var beforeNUL: FramedLine?
    /// The format takes NUL for fill (kept apart from `format` so the hot path copies no handle).
    private var nulFill = false {
        didSet { updatePlain() }
    }
    /// Lines go straight to the parser: the format is known and named (no detection to run), past
    /// the capture's header, no NUL fill to join.
    private var plain = false
    private var atStart = true {
        didSet { updatePlain() }
    }

    private mutating func updatePlain() { plain = parser != nil && !atStart && !detecting && !nulFill }

    /// How many unrecognised lines are kept for a later detection (older ones stay rejected).
    public static let pendingLimit = 2_000

    public init(
        format: FormatHandle?, candidates: [FormatHandle] = FormatHandle.builtIn, options: ParseOptions, maxLineLength: Int = 4096,
        resumingAt point: Framer.ResumePoint? = nil, detecting: Bool? = nil, rejectWhileSearching: Bool = false
    ) {
        self.format = format
        self.candidates = candidates
        self.options = options
        self.detecting = detecting ?? (format == nil)
        self.rejectWhileSearching = rejectWhileSearching
        if let point {
            self.framer = Framer(maxLineLength: maxLineLength, resumingAt: point)
            atStart = point.offset == 0
        } else {
            self.framer = Framer(maxLineLength: maxLineLength)
        }
        if let format {
            parser = format.makeParser(options)
            nulFill = format.nulIsFill
        }
        updatePlain()
    }

    /// Where a restart must begin so that nothing is lost: the framer's line boundary, or the first
    /// line still held or kept for detection. `nil` while the parser holds a record back (keep the
    /// previous checkpoint then: records are identified by offset, so reading again adds nothing).
    public var resumePoint: Framer.ResumePoint? {
        if parser?.holding == true { return nil }
        if let first = held.first ?? pending.first ?? beforeNUL { return Framer.ResumePoint(offset: first.offset, line: first.number) }
        return framer.resumePoint
    }

    public mutating func push(_ bytes: some Collection<UInt8>, into out: inout [ParseEvent]) {
        var f = framer
        framer = Framer(maxLineLength: f.maxLineLength)  // the real one is in `f`; no buffer is copied
        f.push(bytes) { line in self.handle(line, into: &out) }
        framer = f
    }

    public mutating func push(buffer: UnsafeBufferPointer<UInt8>, into out: inout [ParseEvent]) {
        var f = framer
        framer = Framer(maxLineLength: f.maxLineLength)  // the real one is in `f`; no buffer is copied
        f.push(buffer: buffer) { line in self.handle(line, into: &out) }
        framer = f
    }

    public mutating func finish(into out: inout [ParseEvent]) {
        var f = framer
        framer = Framer(maxLineLength: f.maxLineLength)  // the real one is in `f`; no buffer is copied
        f.finish { line in self.handle(line, into: &out) }
        framer = f
        releaseBeforeNUL(into: &out)
        if parser == nil && !held.isEmpty { detectHeld(into: &out) }
        reportPending(into: &out)
        parser?.finish(into: &out)
    }

    /// A live source fell quiet: decide the format from the lines held so far (rather than wait
    /// for a full sample) and release records a parser holds for a continuation line. The line
    /// being assembled stays: its end has not come yet.
    public mutating func flushIdle(into out: inout [ParseEvent]) {
        releaseBeforeNUL(into: &out)
        if parser == nil && !held.isEmpty { detectHeld(into: &out) }
        parser?.finish(into: &out)
    }

    private mutating func handle(_ line: FramedLine, into out: inout [ParseEvent]) {
        // The steady state of a stream whose format is known: straight to its parser.
        if plain, !line.truncated {
            if line.bytes.withUnsafeBufferPointer({ !$0.contains { !$0.isBlank } }) { return out.append(line.skip(.blank)) }
            return parser!.parse(line, into: &out)
        }
        // A capture may open with a metadata header of `# Key: value` lines (Samples/).
        if atStart {
            if Self.isMetadata(line.text) { return out.append(line.skip(.metadata)) }
            atStart = false
        }
        if line.bytes.withUnsafeBufferPointer({ !$0.contains { !$0.isBlank } }) {
            return out.append(line.skip(.blank))
        }
        if parser == nil {
            if pending.isEmpty {
                held.append(line)
                if held.count >= FormatDetector.sampleSize { detectHeld(into: &out) }
            } else {
                search(line, into: &out)
            }
            return
        }
        read(line, into: &out)
    }

    /// The end of input or a quiet line: a piece that ended at a NUL is a whole record after all.
    private mutating func releaseBeforeNUL(into out: inout [ParseEvent]) {
        guard var piece = beforeNUL else { return }
        beforeNUL = nil
        piece.endedAtNUL = false
        read(piece, into: &out)
    }

    /// One line through the current parser, with the checks every format shares.
    @inline(__always) private mutating func read(_ line: FramedLine, into out: inout [ParseEvent]) {
        if nulFill {
            guard let whole = joinedAtNUL(line, into: &out) else { return }
            return readWhole(whole, into: &out)
        }
        readWhole(line, into: &out)
    }

    /// A NUL inside a record is fill: the record goes on in the piece that starts right after it.
    /// `nil` while the piece waits for the rest of its record.
    private mutating func joinedAtNUL(_ line: FramedLine, into out: inout [ParseEvent]) -> FramedLine? {
        var line = line
        if let piece = beforeNUL {
            beforeNUL = nil
            // Right after its single NUL (no CR or LF between: those would be bytes in between).
            if !piece.truncated && line.offset == piece.offset + Int64(piece.bytes.count) + 1 {
                line = FramedLine(
                    bytes: ArraySlice(Array(piece.bytes) + Array(line.bytes)), number: piece.number, truncated: piece.truncated || line.truncated,
                    framed: line.framed, offset: piece.offset, endedAtNUL: line.endedAtNUL)
            } else {
                var whole = piece
                whole.endedAtNUL = false  // a record that ended at its NUL
                readWhole(whole, into: &out)
            }
        }
        if line.endedAtNUL {
            beforeNUL = line
            return nil
        }
        return line
    }

    @inline(__always) private mutating func readWhole(_ line: FramedLine, into out: inout [ParseEvent]) {
        if line.truncated {
            out.append(
                .reject(
                    Reject(
                        line: line.number, text: line.bytes.decoded,
                        reason: "line longer than \(framer.maxLineLength) bytes, cut there: no SMDR record is this long; check the port speed and parity, or that this is an SMDR stream",
                        format: format?.id, offset: line.offset)))
            return
        }
        let first = out.count
        parser!.parse(line, into: &out)
        guard detecting else { return }
        // The line ended in a reject (a line gives one event, or a held record and its reject).
        if out.count > first && out[out.count - 1].isReject {
            rejectedRun.append(line)
            if rejectedRun.count >= FormatDetector.sampleSize { switchIfAnotherReads(into: &out) }
        } else if !rejectedRun.isEmpty {
            rejectedRun = []
        }
    }

    /// The first lines are in: pick the format that reads them best, or start searching.
    private mutating func detectHeld(into out: inout [ParseEvent]) {
        let lines = held
        held = []
        if let chosen = best(for: lines) {
            use(chosen, previous: nil, replayFrom: nil, lines: lines, into: &out)
            return
        }
        for line in lines { search(line, into: &out) }
    }

    /// No format yet: the line is kept (and rejected), and detection runs on the latest lines.
    private mutating func search(_ line: FramedLine, into out: inout [ParseEvent]) {
        pending.append(line)
        if pending.count > Self.pendingLimit {
            if pendingReported == 0 { out.append(Self.notRecognised(pending[0])) } else { pendingReported -= 1 }
            pending.removeFirst()
        }
        if rejectWhileSearching {
            out.append(Self.notRecognised(line))
            pendingReported += 1
        }
        let window = Array(pending.suffix(FormatDetector.sampleSize))
        guard let chosen = best(for: window) else { return }
        let lines = pending
        let reported = pendingReported
        pending = []
        pendingReported = 0
        use(chosen, previous: nil, replayFrom: reported > 0 ? lines.first?.offset : nil, lines: lines, into: &out)
    }

    /// A run of rejected lines: another format may have taken over the stream.
    private mutating func switchIfAnotherReads(into out: inout [ParseEvent]) {
        let run = rejectedRun
        rejectedRun = []
        guard let chosen = best(for: run, excluding: format?.id), let previous = format else { return }
        use(chosen, previous: previous.id, replayFrom: run.first!.offset, lines: run, into: &out)
    }

    private mutating func use(_ chosen: FormatHandle, previous: String?, replayFrom: Int64?, lines: [FramedLine], into out: inout [ParseEvent]) {
        if let previous { parser?.finish(into: &out) }
        format = chosen
        parser = chosen.makeParser(options)
        nulFill = chosen.nulIsFill
        updatePlain()
        if previous != nil || replayFrom != nil {
            out.append(.formatFound(FormatChange(format: chosen.id, previous: previous, line: lines.first?.number ?? 0, replayFrom: replayFrom)))
        }
        for line in lines { read(line, into: &out) }
    }

    private mutating func reportPending(into out: inout [ParseEvent]) {
        for line in pending.dropFirst(pendingReported) { out.append(Self.notRecognised(line)) }
        pendingReported = pending.count
    }

    /// The candidate that reads the most of these lines as records (fewest rejects next, then a
    /// site's own description, then the higher claim), among those that claim them; `nil` when none reads any.
    private mutating func best(for lines: [FramedLine], excluding: String? = nil) -> FormatHandle? {
        let decoded = lines.map { $0.bytes.decoded }
        sample = decoded
        var best: (handle: FormatHandle, records: Int, rejects: Int, claim: Int)?
        for f in candidates where f.id != excluding {
            let claim = f.claim(decoded)
            guard claim > 0 else { continue }
            var p = f.makeParser(options)
            var events: [ParseEvent] = []
            for line in lines where !line.truncated { p.parse(line, into: &events) }
            p.finish(into: &events)
            var records = 0, rejects = 0
            for e in events {
                switch e {
                case .record(let r) where r.start != nil || r.end != nil || r.durationSeconds != nil: records += 1
                case .record, .reject: rejects += 1
                default: break
                }
            }
            let score = (records - rejects, f.preferred ? 1 : 0, claim)
            if let b = best, (b.records - b.rejects, b.handle.preferred ? 1 : 0, b.claim) >= score { continue }
            best = (f, records, rejects, claim)
        }
        guard let best, best.records > 0 else { return nil }
        return best.handle
    }

    private static func notRecognised(_ line: FramedLine) -> ParseEvent {
        .reject(
            Reject(
                line: line.number, text: line.bytes.decoded,
                reason: "format not recognised yet: kept, and read again once a format recognises the stream (or name it with --format)",
                format: nil, offset: line.offset))
    }

    /// `# Key: value` (a capture's metadata header), not a PBX's own `#` rule.
    private static func isMetadata(_ t: ByteText) -> Bool {
        guard t.count > 3, t[0] == UInt8(ascii: "#"), t[1] == UInt8(ascii: " ") else { return false }
        var i = 2
        while i < t.count, t[i].isLetter || t[i] == UInt8(ascii: "-") { i += 1 }
        return i > 2 && i < t.count && t[i] == UInt8(ascii: ":")
    }
}

/// The stream's format was found after lines had been rejected, or changed mid-stream.
public struct FormatChange: Sendable, Equatable {
    /// The format now reading the stream.
    public var format: String
    /// The format that read it before (`nil` when none had recognised it).
    public var previous: String?
    /// The first line read by the new format.
    public var line: Int
    /// Stream position from which earlier rejects are taken back: the lines there are read again
    /// and their events follow this one. `nil` when nothing was reported for them yet.
    public var replayFrom: Int64?

    public init(format: String, previous: String?, line: Int, replayFrom: Int64?) {
        self.format = format
        self.previous = previous
        self.line = line
        self.replayFrom = replayFrom
    }
}

extension ParseEvent {
    var isReject: Bool {
        if case .reject = self { return true }
        return false
    }
}
