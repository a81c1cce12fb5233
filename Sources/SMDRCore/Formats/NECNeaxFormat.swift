/// NEC NEAX2400 / UNIVERGE SV8500 / SV9500 SMDR K-records: STX + `0!` + record type + data + ETX,
/// no line breaks.
///
/// Source: zombat/NEC-SMDR-Collector (framing, test records, parser);
/// `shared/reference/formats/nec.md` §1.
///
/// | type | record |
/// |---|---|
/// | `KA` | outgoing, Normal (fixed positions, below) |
/// | `KE` | incoming, Normal (the KA positions; the caller's number at 97-114, below) |
/// | `KK` / `KL` / `KM` | outgoing / incoming / station-to-station, **Flexible**: blocks of kind (2 digits) + length (2 digits) + data |
/// | `KB`, `KH`, `KI`, `KJ` | Normal and Extended layouts not published: rejected with that reason |
///
/// Framing: the PBX sends STX + record + ETX with no line break. Collectors (ATSlog among them)
/// store the records one per line without STX/ETX (`0!KA…` CRLF): both read the same, since the
/// framer removes STX/ETX and the offsets below count from the `0!` header.
///
/// Flexible blocks used: `01` trunk (FPC, route, trunk, logical route), `02`/`04` calling/called
/// station (id, tenant, station), `06` start and end `YYYYMMDDhhmmss` + ms, `07` account code,
/// `10` dialled number, `13` charge (unit digit then value: `6` = metering units), `16` calling
/// number with presentation. The length digits of real blocks do not always match their data; the
/// reader cuts the record into blocks whose kinds ascend and whose lengths are nearest to the
/// declared ones.
///
/// KA / KE Normal (offsets 0-based after STX; `nec.md` §1 and the ATSlog `neax-2000` library, whose
/// 1-based columns counted without STX are the same offsets): route 4-6, trunk 7-9, calling party
/// id 10 (0 station, 1 attendant, 2 incoming trunk, 3 monitored number), tenant 11-12, station
/// 13-18, start `MMDDhhmmss` 19-28, end 29-38, account 39-48, condition codes 52-54 (the first:
/// transfer 0/1), routes 55-57 / 58-60, dialled 61-84 (outgoing only), metering pulses 93-96,
/// 97-114 office codes and authorisation code per the manual, years 115-116 / 117-118 (only with
/// HDS5200; otherwise the year comes from `--year` / the receive date).
/// Both times are printed: `start`/`end` are those, `duration_s` = end − start.
/// KE: the station is the called extension; the ATSlog author found the **caller's number** at
/// 97-114 "in real life" (where the manual puts office and authorisation codes): it is read as the
/// caller's number (`number`, and `calling_number` as printed) when it holds digits only.
public enum NECNeaxFormat: SMDRFormat {
    public static let id = "nec-neax"
    public static let title = "NEC NEAX / SV8500 / SV9500 K-records (STX/ETX or one per line; Flexible KK/KL/KM, Normal KA/KE)"

    /// A K-record: type `KA`…`KM` at columns 3-4, then data that is almost all digits.
    static func looksLikeRecord(_ line: String) -> Bool {
        let b = Array(line.utf8)
        guard b.count >= 20, b[2] == UInt8(ascii: "K"), b[3] >= UInt8(ascii: "A"), b[3] <= UInt8(ascii: "M") else { return false }
        let body = b[4...]
        return body.filter { $0.isDigit || $0 == 0x20 }.count * 10 >= body.count * 9
    }

    public static func claim(_ lines: [String]) -> Int {
        FormatDetector.share(lines, base: 60, where: looksLikeRecord)
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    /// Cuts Flexible data into (kind, data) blocks: kinds ascending, every byte used, each length
    /// as close as possible to the declared one (the last block may be shorter).
    static func blocks(_ s: [UInt8]) -> [(kind: Int, data: ArraySlice<UInt8>)]? {
        var failed = Set<Int>()  // (position, last kind) pairs known to lead nowhere
        func solve(_ at: Int, _ lastKind: Int, _ depth: Int) -> [(Int, ArraySlice<UInt8>)]? {
            if at == s.count { return [] }
            guard depth < 40, at + 4 <= s.count, !failed.contains(at * 64 + lastKind) else { return nil }
            let t = ByteText(ArraySlice(s))
            guard let kind = t.number(at, 2), let declared = t.number(at + 2, 2), kind > lastKind, kind <= 30 else { return nil }
            let remaining = s.count - at - 4
            for delta in [0, -1, 1, -2, 2, 3, -3] {
                let n = declared + delta
                guard n >= 0, n <= remaining else { continue }
                if let rest = solve(at + 4 + n, kind, depth + 1) { return [(kind, s[(at + 4)..<(at + 4 + n)])] + rest }
            }
            // A last block whose data stops short of its declared length.
            if declared > remaining { return [(kind, s[(at + 4)..<s.count])] }
            failed.insert(at * 64 + lastKind)
            return nil
        }
        return solve(0, 0, 0)
    }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard t.count >= 4, t[2] == UInt8(ascii: "K"), t[3].isUpperLetter else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("an NEC K-record starts (after STX) with a 2-character header and its type KA…KM", format: id))
            }
            let type = t.string(2, 4) ?? ""
            switch type {
            case "KK", "KL", "KM": flexible(line, type: type, into: &out)
            case "KA", "KE": normal(line, type: type, into: &out)
            default:
                out.append(line.reject("NEC record type \(type) (Normal/Extended layout) is not published: send a capture with the PBX's SMDR settings so it can be added", format: id))
            }
        }

        mutating func flexible(_ line: FramedLine, type: String, into out: inout [ParseEvent]) {
            let data = Array(line.text.slice(4, line.text.count))
            guard let blocks = NECNeaxFormat.blocks(data) else {
                return out.append(line.reject("\(type) data does not split into kind/length/data blocks", format: id))
            }
            func block(_ k: Int) -> ByteText? { blocks.first { $0.kind == k }.map { ByteText($0.data) } }
            guard let times = block(6), let start = stamp(times, at: 0), let end = stamp(times, at: 17) else {
                return out.append(line.reject("\(type) record without a readable block 06 (start and end YYYYMMDDhhmmss + ms)", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.direction = type == "KK" ? .outgoing : type == "KL" ? .incoming : .internal
            let callingStation = block(2).flatMap { $0.string(4, $0.count) }
            let calledStation = block(4).flatMap { $0.string(4, $0.count) }
            if let trunk = block(1) {
                r.trunk = trunk.string(6, 9)
                r.setExtra("route", trunk.string(3, 6))
                r.setExtra("logical_route", trunk.string(9, 12))
            }
            let dialled = block(10).flatMap { $0.string(0, $0.count) }
            let ani = block(16)
            switch r.direction {
            case .outgoing:
                r.extension_ = callingStation
                r.number = dialled?.phoneDigits
            case .incoming:
                r.extension_ = calledStation
                if let ani, ani.count > 1 {
                    r.number = ani.string(1, ani.count)?.phoneDigits
                    r.setExtra("presentation", ani.string(0, 1))
                }
            default:
                r.extension_ = callingStation
                r.number = calledStation?.phoneDigits
            }
            r.dialed = dialled
            r.accountCode = block(7).flatMap { $0.string(0, $0.count) }
            if let charge = block(13), charge.count >= 2 {
                let unit = charge[0]
                let value = charge.string(1, charge.count) ?? ""
                switch unit {
                case UInt8(ascii: "6"): r.units = Int(value)
                case UInt8(ascii: "1"): r.pbxCost = Decimals.scaled(value, places: 2)
                case UInt8(ascii: "2"): r.pbxCost = Decimals.scaled(value, places: 3)
                case UInt8(ascii: "3"): r.pbxCost = Decimals.scaled(value, places: 1)
                case UInt8(ascii: "4"): r.pbxCost = Decimals.scaled(value, places: 0)
                case UInt8(ascii: "5"): r.pbxCost = Decimals.scaled(value, places: -1)
                default: break
                }
                r.setExtra("charge_info", charge.decoded)
            }
            r.durationSeconds = Int(end.utc - start.utc)
            r.answered = (r.durationSeconds ?? 0) > 0
            r.start = start
            r.end = end
            r.setExtra("record_type", type)
            r.setExtra("calling_station", callingStation)
            r.setExtra("called_station", calledStation)
            r.setExtra("condition_b", block(8).map(\.decoded))
            r.setExtra("department", block(15).map(\.decoded))
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }

        func stamp(_ t: ByteText, at: Int) -> ZonedTime? {
            guard let y = t.number(at, 4), let mo = t.number(at + 4, 2), let d = t.number(at + 6, 2), let h = t.number(at + 8, 2),
                let mi = t.number(at + 10, 2), let s = t.number(at + 12, 2),
                let c = CivilDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
            else { return nil }
            return calendar.clock.zoned(c)
        }

        mutating func normal(_ line: FramedLine, type: String, into out: inout [ParseEvent]) {
            let t = line.text
            // Offsets in the reference count the STX; the framer removed it (or the collector stored none).
            func civil(_ at: Int, yearAt: Int) -> CivilDateTime? {
                guard let mo = t.number(at, 2), let d = t.number(at + 2, 2), let h = t.number(at + 4, 2), let mi = t.number(at + 6, 2),
                    let s = t.number(at + 8, 2)
                else { return nil }
                let year = t.number(yearAt, 2).map { 2000 + $0 } ?? calendar.years.year(month: mo, day: d)
                return CivilDateTime(year: year, month: mo, day: d, hour: h, minute: mi, second: s)
            }
            guard let s = civil(19, yearAt: 115), let e = civil(29, yearAt: 117) else {
                return out.append(line.reject("\(type) record without readable start/end MMDDhhmmss at offsets 20-39", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.trunk = t.string(7, 10)
            r.setExtra("route", t.string(4, 7))
            r.extension_ = t.string(13, 19)
            r.accountCode = t.string(39, 49)
            if type == "KE" {
                r.direction = .incoming
                let caller = t.string(97, 115)
                if let c = caller, ArraySlice(c.utf8).allDigits {
                    r.number = c
                    r.setExtra("calling_number", c)
                }
            } else {
                r.direction = .outgoing
                r.dialed = t.string(61, 85)
                r.number = r.dialed?.phoneDigits
                r.units = t.field(93, 97).int
            }
            if type == "KA", t[10] == UInt8(ascii: "1") { r.flags.insert(.attendant) }
            if t[52] == UInt8(ascii: "1") { r.flags.insert(.transfer) }
            r.setExtra("condition_code", t.string(52, 55))
            r.setExtra("calling_party_id", t.string(10, 11))
            r.setExtra("tenant", t.string(11, 13))
            var end = calendar.clock.zoned(e)
            let start = calendar.clock.zoned(s)
            if end.utc < start.utc { end = calendar.clock.zoned(utc: end.utc + 365 * 86_400) }
            r.start = start
            r.end = end
            r.durationSeconds = Int(end.utc - start.utc)
            r.answered = (r.durationSeconds ?? 0) > 0
            r.setExtra("record_type", type)
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [
                "\u{02}0!KK01120010100522100210000120001 030800100220001063420180707120000001201807071301010000711732555121208030120918001010110002010210101217325551212110808675309120886753091307401234514021215030121612117325551212170612345618100123409875\u{03}"
            ],
            [
                "start": "\"2018-07-07T12:00:00+02:00\"", "end": "\"2018-07-07T13:01:01+02:00\"", "duration_s": "3661", "direction": "\"outgoing\"",
                "extension": "\"20001\"", "trunk": "\"052\"", "number": "\"17325551212\"", "route": "\"010\"",
            ]),
        FormatVector(
            [
                "\u{02}0!KL01120020010232010410000120000 0511001001200000634201909082157413982019090821574873807117325551212080300409180020022020010012011011732555121211080123123412088675309130212161241732555121218101234554321193420170101000000001\u{03}"
            ],
            [
                "start": "\"2019-09-08T21:57:41+02:00\"", "duration_s": "7", "direction": "\"incoming\"", "extension": "\"20000\"",
                "number": "\"17325551212\"", "presentation": "\"4\"",
            ]),
        FormatVector(
            [
                "\u{02}0!KM0210000120000 0311000001200000410000120001 05030000634201909082157413982019090821574873807117355512121011732555121218101234554321\u{03}"
            ],
            ["direction": "\"internal\"", "extension": "\"20000\"", "number": "\"20001\"", "end": "\"2019-09-08T21:57:48+02:00\""]),
    ]
}
