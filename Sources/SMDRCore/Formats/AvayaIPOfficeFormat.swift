/// Avaya IP Office SMDR: comma-separated, one record per call segment, CRLF, no header.
///
/// Source: Avaya IP Office Manager "SMDR Fields" (15-601011) and the KB "SMDR Examples";
/// `shared/reference/formats/avaya-ipoffice.md`. Any field count from 17 to 37 is accepted;
/// missing trailing fields are empty.
///
/// | # | field | canonical |
/// |---|---|---|
/// | 1 | Call Start `YYYY/MM/DD HH:MM:SS` (original start, on every segment) | `start` |
/// | 2 | Connected Time `HH:MM:SS` (excludes ring, hold, park) | `duration_s` |
/// | 3 | Ring Time (s) | `ring_s` |
/// | 4 | Caller (extension, CLI, `number@ip`, `anonymous@…`) | `number` (incoming) |
/// | 5 | Direction `I`/`O` (internal calls are `O`) | `direction` |
/// | 6 | Called Number (original, for transfers) | `number` (outgoing, internal) |
/// | 7 | Dialled Number | `dialed` |
/// | 8 | Account | `account_code` |
/// | 9 | Is Internal `1`/`0` (`I` in one Avaya example) | `direction` = internal |
/// | 10 | Call ID | `call_id` |
/// | 11 | Continuation | `continuation` |
/// | 12-15 | Party1Device/Name, Party2Device/Name (`E` ext, `T` line, `V` voicemail/conference) | `extension`, `extension_name`, `trunk` |
/// | 16, 17 | Hold, Park (s) | `hold_s`, `park_s` |
/// | 18, 19 | AuthValid, AuthCode | extras |
/// | 20-27 | User Charged, Call Charge, Currency, Amount at Last User Change, Call Units, Units at Last User Change, Cost per Unit, Mark Up | `pbx_cost`, `currency`, `units`, extras |
/// | 28-30 | External Targeting Cause, Targeter Id, Targeted Number | `flags`, extras |
/// | 31-37 | server IPs, unique call ids, SMDR Record Time, consent, verification | extras, `end` (35) |
///
/// `end` is the start plus ring, connected, hold and park time of every segment so far of the same
/// Call ID (segments follow one another), or the SMDR Record Time (field 35) when printed.
public enum AvayaIPOfficeFormat: SMDRFormat {
    public static let id = "avaya-ipo"
    public static let title = "Avaya IP Office SMDR (CSV, 17-37 fields)"
    /// Legs share the Call ID; Continuation 1 says more follow. Call IDs rise one by one.
    public static let linking = CallLinking.callID
    public static let numbersCallsInSequence = true

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 60) { line in
            let t = ByteText(line)
            return t.matches("9999/99/99 99:99:99,99:99:99,", at: 0) && line.utf8.filter { $0 == UInt8(ascii: ",") }.count >= 16
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        let clock: ZoneClock
        var fields: [Range<Int>] = []
        /// Seconds elapsed so far in each open call (Call ID → seconds), to place later segments.
        var elapsedByCall: [String: Int] = [:]

        init(_ options: ParseOptions) {
            clock = ZoneClock(timeZone: options.timeZone)
            fields = [Range<Int>](repeating: 0..<0, count: 64)
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            line.withRawText { t in parse(line, t, into: &out) }
        }

        mutating func parse(_ line: FramedLine, _ t: RawText, into out: inout [ParseEvent]) {
            // Trimmed ranges of every field (the first 63), empty ones after, so that field n always exists.
            var fieldCount = 0
            fields.withUnsafeMutableBufferPointer { fr in
                var s = 0
                for i in 0..<t.count where t.p[i] == UInt8(ascii: ",") {
                    if fieldCount < 63 { fr[fieldCount] = t.trimmed(s, i) }
                    fieldCount += 1
                    s = i + 1
                }
                if fieldCount < 63 { fr[fieldCount] = t.trimmed(s, t.count) }
                fieldCount += 1
                for k in min(fieldCount, 63)..<64 { fr[k] = 0..<0 }
            }
            guard fieldCount >= 17 else {
                if !t.contains(0..<t.count, where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("Avaya IP Office SMDR has at least 17 comma-separated fields; this line has \(fieldCount): is the format right (try --format auto)?", format: id))
            }
            /// Field `n` (1-based) without blanks; empty past the last field.
            let ranges = fields  // a second reference: `read` below may mutate self
            ranges.withUnsafeBufferPointer { fr in read(line, t, fr, fieldCount, into: &out) }
        }

        mutating func read(_ line: FramedLine, _ t: RawText, _ fr: UnsafeBufferPointer<Range<Int>>, _ fieldCount: Int, into out: inout [ParseEvent]) {
            @inline(__always) func f(_ n: Int) -> Range<Int> { fr[n - 1] }
            @inline(__always) func str(_ n: Int) -> String? { t.string(fr[n - 1]) }
            @inline(__always) func first(_ n: Int) -> UInt8? {
                let r = fr[n - 1]
                return r.isEmpty ? nil : t.p[r.lowerBound]
            }
            func civil(_ r: Range<Int>) -> CivilDateTime? {
                guard r.count == 19, t.matches("9999/99/99 99:99:99", at: r.lowerBound) else { return nil }
                let a = r.lowerBound
                return CivilDateTime(
                    year: t.number(a, 4)!, month: t.number(a + 5, 2)!, day: t.number(a + 8, 2)!,
                    hour: t.number(a + 11, 2)!, minute: t.number(a + 14, 2)!, second: t.number(a + 17, 2)!)
            }
            guard let startCivil = civil(f(1)) else {
                return out.append(line.reject("field 1 (Call Start) must be a valid YYYY/MM/DD HH:MM:SS, found '\(str(1) ?? "")'", format: id))
            }
            guard let connected = t.clockSeconds(f(2)) else {
                return out.append(line.reject("field 2 (Connected Time) must be HH:MM:SS, found '\(str(2) ?? "")'", format: id))
            }
            let ring = t.int(f(3))
            guard f(3).isEmpty || ring != nil else {
                return out.append(line.reject("field 3 (Ring Time) must be whole seconds, found '\(str(3) ?? "")'", format: id))
            }
            let dir = f(5)
            guard dir.count == 1, t.p[dir.lowerBound] == UInt8(ascii: "I") || t.p[dir.lowerBound] == UInt8(ascii: "O") else {
                return out.append(line.reject("field 5 (Direction) must be I or O, found '\(str(5) ?? "")'", format: id))
            }

            // Text fields are columns of the line, kept as ranges of it (no String each).
            var r = CallRecord(format: id, rawText: t, line: line.number, offset: line.offset)
            r.durationSeconds = connected
            r.ringSeconds = ring
            r.holdSeconds = t.int(f(16))
            r.parkSeconds = t.int(f(17))
            let internalFlag = first(9)
            let isInternal = internalFlag == UInt8(ascii: "1") || internalFlag == UInt8(ascii: "I")
            let incoming = t.p[dir.lowerBound] == UInt8(ascii: "I")
            r.direction = isInternal ? .internal : (incoming ? .incoming : .outgoing)
            r.answered = connected > 0

            /// Whether columns `c` start with `word` (letters compared without case when `anyCase`).
            func starts(_ c: Range<Int>, _ word: StaticString, anyCase: Bool = false) -> Bool {
                word.withUTF8Buffer { w in
                    guard c.count >= w.count else { return false }
                    for k in 0..<w.count {
                        let b = t.p[c.lowerBound + k]
                        if b != w[k] && !(anyCase && b | 0x20 == w[k]) { return false }
                    }
                    return true
                }
            }

            // Parties: the extension side is charged; the line side is the trunk.
            let p1 = f(12), p2 = f(14)
            let p1Kind = first(12), p2Kind = first(14)
            if p1Kind == UInt8(ascii: "E") {
                r.setText(.extension_, t, (p1.lowerBound + 1)..<p1.upperBound)
                r.setText(.extensionName, t, f(13))
            } else if p2Kind == UInt8(ascii: "E") {
                r.setText(.extension_, t, (p2.lowerBound + 1)..<p2.upperBound)
                r.setText(.extensionName, t, f(15))
            }
            if p1Kind == UInt8(ascii: "T") {
                r.setText(.trunk, t, p1)
                r.setExtra("trunk_name", t, f(13))
            } else if p2Kind == UInt8(ascii: "T") {
                r.setText(.trunk, t, p2)
                r.setExtra("trunk_name", t, f(15))
            }
            for (kind, name) in [(p1Kind, f(13)), (p2Kind, f(15))] where kind == UInt8(ascii: "V") {
                if starts(name, "VM ") { r.flags.insert(.voicemail) }
                if starts(name, "CO ") { r.flags.insert(.conference) }
            }
            let called = f(6)
            if called.count == 10 && starts(called, "Voice Mail") { r.flags.insert(.voicemail) }

            // The other party's number.
            let caller = f(4)
            if incoming {
                if caller.isEmpty {
                    r.flags.insert(.withheld)
                } else if starts(caller, "anonymous", anyCase: true) || (caller.count == 8 && starts(caller, "withheld", anyCase: true)) {
                    r.flags.insert(.withheld)
                } else {
                    // SIP callers come as number@ip.
                    var end = caller.upperBound
                    for i in caller where t.p[i] == UInt8(ascii: "@") {
                        end = i
                        break
                    }
                    r.setDigits(.number, t, caller.lowerBound..<end)
                }
            } else {
                r.setDigits(.number, t, called)
            }
            r.setText(.dialed, t, f(7))
            r.setText(.accountCode, t, f(8))
            r.setText(.callID, t, f(10))
            r.continuation = first(11) == UInt8(ascii: "1")
            if (r.holdSeconds ?? 0) > 0 { r.flags.insert(.hold) }
            if (r.parkSeconds ?? 0) > 0 { r.flags.insert(.park) }

            r.setExtra("calling_number", t, caller)
            r.setExtra("called_number", t, called)
            r.setExtra("party1_device", t, p1)
            r.setExtra("party1_name", t, f(13))
            r.setExtra("party2_device", t, p2)
            r.setExtra("party2_name", t, f(15))

            // Fields 18 and later: authorisation, charging, targeting, release 8-12 additions.
            if fieldCount > 17 {
                if let auth = str(19), auth != "n/a" {
                    r.setExtra("auth_code", auth)
                    r.setExtra("auth_valid", .bool(first(18) == UInt8(ascii: "1")))
                }
                // Charging (ISDN Advice of Charge).
                if let charge = str(21) { r.pbxCost = Decimals.normalise(charge) }
                r.setText(.currency, t, f(22))
                r.units = t.int(f(24))
                // Targeting: forwards, transfers, conferences, twinning.
                let cause = str(28)
                if let cause {
                    let reason = cause.split(separator: " ").dropFirst().joined(separator: " ").lowercased()
                    switch reason {
                    case "xfp", "xfd": r.flags.insert(.transfer)
                    case "cfp", "cfd": r.flags.insert(.conference)
                    default: r.flags.insert(.forward)  // fb, fu, fnr, fdnd, MT, TW, or the bare "who": a forward
                    }
                }
                r.setExtra("user_charged", str(20))
                r.setExtra("amount_at_last_user_change", str(23).flatMap(Decimals.normalise))
                if let u = t.int(f(25)) { r.setExtra("units_at_last_user_change", .int(u)) }
                // Cost per unit is in 1/10,000 of the currency; mark-up in 1/100 (some releases print `1.00`).
                if let cpu = str(26) { r.setExtra("cost_per_unit", cpu.contains(Character(".")) ? Decimals.normalise(cpu) : Decimals.scaled(cpu, places: 4)) }
                if let mu = str(27) { r.setExtra("mark_up", mu.contains(Character(".")) ? Decimals.normalise(mu) : Decimals.scaled(mu, places: 2)) }
                r.setExtra("external_targeting_cause", cause)
                r.setExtra("external_targeter_id", str(29))
                r.setExtra("external_targeted_number", str(30))
                r.setExtra("calling_party_server_ip", str(31))
                r.setExtra("caller_unique_call_id", str(32))
                r.setExtra("called_party_server_ip", str(33))
                r.setExtra("called_unique_call_id", str(34))
                r.setExtra("caller_consent_directive", str(36))
                r.setExtra("calling_number_verification", str(37))
            }

            // Times: every segment carries the call's original start.
            let start = clock.zoned(startCivil)
            r.start = start
            let segment = (ring ?? 0) + connected + (r.holdSeconds ?? 0) + (r.parkSeconds ?? 0)
            var elapsed = segment
            if let callID = r.callID, r.continuation || !elapsedByCall.isEmpty {
                elapsed += elapsedByCall[callID] ?? 0
                if r.continuation { elapsedByCall[callID] = elapsed } else { elapsedByCall[callID] = nil }
            }
            if let recordTime = civil(f(35)) {
                r.end = clock.zoned(recordTime)
            } else {
                r.end = clock.zoned(utc: start.utc + Int64(elapsed))
            }
            out.append(.record(r))  // always readable: its start is set above (moved, not copied: the hot path)
        }
    }

    public static let vectors: [FormatVector] = [
        // Avaya KB example 1: lost incoming call.
        FormatVector(
            ["2008/06/28 09:28:41,00:00:00,9,8004206,I,4324,4324,,0,1000014155,0,E4324,Joe Bloggs,T9161,LINE 5.1,0,0"],
            [
                "start": "\"2008-06-28T09:28:41+02:00\"", "end": "\"2008-06-28T09:28:50+02:00\"", "duration_s": "0", "ring_s": "9",
                "direction": "\"incoming\"", "answered": "false", "extension": "\"4324\"", "extension_name": "\"Joe Bloggs\"",
                "trunk": "\"T9161\"", "number": "\"8004206\"", "dialed": "\"4324\"", "call_id": "\"1000014155\"", "continuation": "false",
            ]),
        // KB example 3: first segment of a call transferred to voicemail, 11 s on hold.
        FormatVector(
            ["2008/06/28 09:30:57,00:00:13,7,01707392200,I,299999,299999,,0,1000014160,1,E4750,John Smith,T9002,LINE 1.2,11,0"],
            ["hold_s": "11", "continuation": "true", "flags": "[\"hold\"]", "extension": "\"4750\"", "end": "\"2008-06-28T09:31:28+02:00\""]),
        // KB example 2: `I` printed in the Is Internal field, trailing space.
        FormatVector(
            ["2008/10/20 06:43:58,00:00:10,21,15,O,11,11,,I,28,0,E15,Extn15,V9051,VM Channel 1,0,0 "],
            ["direction": "\"internal\"", "flags": "[\"voicemail\"]", "number": "\"11\"", "extension": "\"15\"", "answered": "true"]),
        // A 34-field record with Advice of Charge: cost padded, 4 decimals; SIP caller as number@ip.
        FormatVector(
            [
                "2014/03/12 10:04:11,00:02:05,4,01234567890@10.0.0.5,I,201,201,ACME,0,1004321,0,E201,Reception,T9001,Line 1.1,0,0,n/a,n/a,,    1.2500,EUR,,5,,10700,100,U fu,Reception,0612345678,,,,",
            ],
            [
                "number": "\"01234567890\"", "pbx_cost": "\"1.2500\"", "currency": "\"EUR\"", "units": "5", "account_code": "\"ACME\"",
                "cost_per_unit": "\"1.0700\"", "mark_up": "\"1.00\"", "flags": "[\"forward\"]", "external_targeted_number": "\"0612345678\"",
            ]),
        FormatVector(
            ["2014/03/12 10:04:11,00:02:05,4,anonymous@anonymous.invalid,I,201,201,,0,1004322,0,E201,Reception,T9001,Line 1.1,0,0"],
            ["number": "null", "flags": "[\"withheld\"]"]),
    ]
}
