import Foundation

/// ASCII bytes the CSV reader looks for.
enum CSVByte {
    static let quote = UInt8(ascii: "\"")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")

    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool { c == space || c == tab }

    /// How many bytes of `b` are `byte`, counted eight at a time: in `x = word ^ pattern`
    /// a byte is zero where `byte` is, and `((x & 0x7F…) + 0x7F…) | x` sets the high bit
    /// of exactly the other bytes (no carry crosses a byte).
    static func count(_ byte: UInt8, in b: UnsafeRawBufferPointer) -> Int {
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        var total = 0
        var i = 0
        while i + 8 <= b.count {
            let x = b.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ pattern
            total &+= (~(((x & low) &+ low) | x) & ~low).nonzeroBitCount
            i &+= 8
        }
        while i < b.count {
            if b[i] == byte { total &+= 1 }
            i &+= 1
        }
        return total
    }

    /// Whether every byte is below 0x80 (ASCII), read eight at a time.
    static func isASCII(_ b: UnsafeRawBufferPointer) -> Bool {
        var bits: UInt64 = 0
        var i = 0
        while i + 8 <= b.count {
            bits |= b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < b.count {
            bits |= UInt64(b[i])
            i += 1
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }
}

/// A set of bytes, tested with a comparison (bytes above the largest member) or one load
/// and a shift: the bytes that end an unquoted field or need the scan's attention.
struct ByteSet {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var largest: UInt8 = 0

    init(_ bytes: [UInt8]) {
        withUnsafeMutableBytes(of: &words) { w in
            for c in bytes {
                let offset = Int(c >> 6) * 8
                w.storeBytes(of: w.load(fromByteOffset: offset, as: UInt64.self) | UInt64(1) << UInt64(c & 63),
                             toByteOffset: offset, as: UInt64.self)
            }
        }
        largest = bytes.max() ?? 0
    }

    /// The bytes that end an unquoted field: the delimiter and the line ends.
    init(fieldEndsFor delimiter: UInt8) {
        self.init([delimiter, CSVByte.lineFeed, CSVByte.carriageReturn])
    }

    @inline(__always)
    func contains(_ c: UInt8) -> Bool {
        guard c <= largest else { return false }
        let word = withUnsafeBytes(of: words) { $0.load(fromByteOffset: Int(c >> 6) &* 8, as: UInt64.self) }
        return (word >> UInt64(c & 63)) & 1 != 0
    }
}

/// One field of a record, as bytes of the file: the text between the quotes of a quoted
/// field, the whole field otherwise.
struct CSVField {
    /// The field's bytes (for a quoted field, inside the quotes, `""` not yet undoubled).
    var bytes: UnsafeRawBufferPointer
    /// Whether the bytes hold a doubled quote (`""`) that stands for one quote.
    var hasDoubledQuotes: Bool
    /// The end of the buffer the field lies in: bytes up to it may be read (eight at a
    /// time) past the field's end, which is never a digit.
    var bufferEnd: UnsafeRawPointer?

    /// The field's text as written (a doubled quote undoubled).
    var text: String {
        let raw = String(decoding: bytes, as: UTF8.self)
        return hasDoubledQuotes ? raw.replacingOccurrences(of: "\"\"", with: "\"") : raw
    }

    /// The field's text without the spaces around it (Unicode spaces and tabs, as
    /// `trimmingCharacters(in: .whitespaces)` removes them).
    var trimmedText: String {
        if let ascii = trimmedASCII { return String(decoding: ascii, as: UTF8.self) }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The bytes without the spaces and tabs around them, when the field is ASCII and
    /// has no doubled quote (the fast path); `nil` otherwise.
    @inline(__always)
    var trimmedASCII: UnsafeRawBufferPointer? {
        guard !hasDoubledQuotes else { return nil }
        var start = 0
        var end = bytes.count
        while start < end && CSVByte.isBlank(bytes[start]) { start += 1 }
        while end > start && CSVByte.isBlank(bytes[end - 1]) { end -= 1 }
        // A byte of a multi-byte character at either end may be a Unicode space.
        if start < end && (bytes[start] >= 0x80 || bytes[end - 1] >= 0x80) { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// The field read as a number as `Double(_:)` reads its trimmed text (`1`, `-2.5e3`,
    /// `.5`, `nan`, `inf`, `0x1p3`), or `nil` if it is not one.
    ///
    /// Plain decimals of up to 19 digits whose value is exact in `Double` after one
    /// multiplication or division by a power of ten (Clinger's fast path: mantissa below
    /// 2⁵³, power at most 10²²) are read directly from the bytes, correctly rounded;
    /// anything else goes through `Double(_:)`.
    @inline(__always)
    var number: Double? {
        if let ascii = trimmedASCII, let value = fastDecimal(ascii, bufferEnd: bufferEnd) { return value }
        return slowNumber()
    }

    /// ``number`` for what the fast path does not read.
    @inline(never)
    private func slowNumber() -> Double? { Double(trimmedText) }
}

/// 10ᵏ for 0 ≤ k ≤ 22, the powers of ten that `Double` holds exactly.
@inline(__always)
private func exactPowerOfTen(_ k: Int) -> Double {
    switch k {
    case 0: return 1e0
    case 1: return 1e1
    case 2: return 1e2
    case 3: return 1e3
    case 4: return 1e4
    case 5: return 1e5
    case 6: return 1e6
    case 7: return 1e7
    case 8: return 1e8
    case 9: return 1e9
    case 10: return 1e10
    case 11: return 1e11
    case 12: return 1e12
    case 13: return 1e13
    case 14: return 1e14
    case 15: return 1e15
    case 16: return 1e16
    case 17: return 1e17
    case 18: return 1e18
    case 19: return 1e19
    case 20: return 1e20
    case 21: return 1e21
    case 22: return 1e22
    default: return .nan
    }
}

/// Reads the digits from `b[i]` on into `mantissa` (wrapping: the caller counts them),
/// eight bytes at a time while the buffer holds eight more, then one at a time.
@inline(__always)
private func readDigits(_ b: UnsafeRawBufferPointer, _ i: inout Int, into mantissa: inout UInt64,
                        bufferEnd: UnsafeRawPointer?) {
    let n = b.count
    if let base = b.baseAddress, let bufferEnd {
        while base + i + 8 <= bufferEnd {
            let (count, value) = eightDigits(base + i)
            guard count <= n &- i else { break }
            mantissa = mantissa &* smallPowerOfTen(count) &+ value
            i &+= count
            if count < 8 { return }
        }
    }
    while i < n, b[i] &- 48 < 10 {
        mantissa = mantissa &* 10 &+ UInt64(b[i] &- 48)
        i &+= 1
    }
}

/// The run of ASCII digits at the start of the eight bytes at `p`: how many there are and
/// their value, found with word arithmetic (a byte is a digit when its high nibble is 3
/// and stays 3 after adding 6; the digits then combine pairwise, as in Lemire's
/// eight-digit parser).
@inline(__always)
private func eightDigits(_ p: UnsafeRawPointer) -> (count: Int, value: UInt64) {
    let v = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
    let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0, threes: UInt64 = 0x3030_3030_3030_3030
    let notDigit = ((v & high) ^ threes) | (((v &+ 0x0606_0606_0606_0606) & high) ^ threes)
    let count = notDigit == 0 ? 8 : notDigit.trailingZeroBitCount / 8
    guard count > 0 else { return (0, 0) }
    // Keep the digits as the last `count` bytes: the bytes before them are leading zeros.
    var d = (v &- threes) << UInt64(64 - 8 * count)
    d = d &* 10 &+ (d >> 8)
    let lowPairs = (d & 0x0000_00FF_0000_00FF) &* (100 | 1_000_000 << 32 as UInt64)
    let highPairs = ((d >> 16) & 0x0000_00FF_0000_00FF) &* (1 | 10_000 << 32 as UInt64)
    d = (lowPairs &+ highPairs) >> 32
    return (count, d)
}

/// 10ᵏ for 0 ≤ k ≤ 8, as an integer.
@inline(__always)
private func smallPowerOfTen(_ k: Int) -> UInt64 {
    switch k {
    case 0: return 1
    case 1: return 10
    case 2: return 100
    case 3: return 1_000
    case 4: return 10_000
    case 5: return 100_000
    case 6: return 1_000_000
    case 7: return 10_000_000
    default: return 100_000_000
    }
}

/// A decimal `[+-]digits[.digits][(e|E)[+-]digits]` read exactly, or `nil` when the text
/// has another form or needs more than the fast path (see ``CSVField/number``).
@inline(__always)
private func fastDecimal(_ b: UnsafeRawBufferPointer, bufferEnd: UnsafeRawPointer?) -> Double? {
    guard let (value, end) = scanDecimal(b, from: 0, bufferEnd: bufferEnd), end == b.count else { return nil }
    return value
}

/// A decimal as ``fastDecimal(_:bufferEnd:)`` reads it, starting at `b[i0]` and ending
/// where its syntax ends: the value and the index after it, or `nil`.
@inline(__always)
private func scanDecimal(_ b: UnsafeRawBufferPointer, from i0: Int, bufferEnd: UnsafeRawPointer?) -> (Double, Int)? {
    let n = b.count
    var i = i0
    guard i < n else { return nil }
    var negative = false
    if b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
        negative = b[i] == UInt8(ascii: "-")
        i &+= 1
    }
    // Leading zeros are skipped, so that every digit read after them is significant.
    var mantissa: UInt64 = 0
    let first = i
    while i < n && b[i] == 48 { i &+= 1 }
    var digits = i &- first
    var start = i
    readDigits(b, &i, into: &mantissa, bufferEnd: bufferEnd)
    var significant = i &- start
    digits &+= significant
    var fractionDigits = 0
    if i < n && b[i] == UInt8(ascii: ".") {
        i &+= 1
        start = i
        if significant == 0 {
            while i < n && b[i] == 48 { i &+= 1 }
        }
        let firstSignificant = i
        readDigits(b, &i, into: &mantissa, bufferEnd: bufferEnd)
        fractionDigits = i &- start
        digits &+= fractionDigits
        significant &+= i &- firstSignificant
    }
    guard digits > 0, significant <= 19 else { return nil }
    var exponent = 0
    if i < n && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
        i += 1
        var exponentNegative = false
        if i < n && (b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+")) {
            exponentNegative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        var exponentDigits = 0
        while i < n, b[i] &- 48 < 10 {
            guard exponentDigits < 5 else { return nil }
            exponent = exponent * 10 + Int(b[i] &- 48)
            exponentDigits += 1
            i += 1
        }
        guard exponentDigits > 0 else { return nil }
        if exponentNegative { exponent = -exponent }
    }
    let power = exponent - fractionDigits
    guard mantissa <= 1 << 53, power >= -22, power <= 22 else {
        return mantissa == 0 ? (negative ? -0.0 : 0.0, i) : nil
    }
    let value =
        power >= 0
        ? Double(mantissa) * exactPowerOfTen(power) : Double(mantissa) / exactPowerOfTen(-power)
    return (negative ? -value : value, i)
}

/// A table's bytes and where each row starts, valid inside ``CSVTable/withRowBytes(_:)``;
/// threads may read them at once.
struct CSVRowBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    let rowStarts: UnsafeBufferPointer<Int>
    let delimiter: UInt8

    /// The bytes that end a field.
    let ends: ByteSet

    init(bytes: UnsafeRawBufferPointer, rowStarts: UnsafeBufferPointer<Int>, delimiter: UInt8) {
        self.bytes = bytes
        self.rowStarts = rowStarts
        self.delimiter = delimiter
        ends = ByteSet(fieldEndsFor: delimiter)
    }

    /// A reader at the start of row `r`.
    @inline(__always)
    func reader(ofRow r: Int) -> CSVFieldReader {
        CSVFieldReader(bytes: bytes, delimiter: delimiter, position: rowStarts[r], ends: ends)
    }
}

/// Reads the fields of one record, which the scan of ``CSVTable`` has already checked.
struct CSVFieldReader {
    let bytes: UnsafeRawBufferPointer
    let delimiter: UInt8
    /// Where the next field starts.
    var position: Int
    /// The delimiter and the line ends.
    let ends: ByteSet

    init(bytes: UnsafeRawBufferPointer, delimiter: UInt8, position: Int, ends: ByteSet? = nil) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.position = position
        self.ends = ends ?? ByteSet(fieldEndsFor: delimiter)
    }

    /// The next field read as a number, when it is a plain decimal (no spaces, no quotes)
    /// that ``CSVField/number`` reads on its fast path, followed by the delimiter or a line
    /// end; otherwise `nil`, with the reader where it was. Reads the bytes once, where
    /// ``next()`` and ``CSVField/number`` read them twice.
    @inline(__always)
    mutating func nextPlainNumber() -> Double? {
        guard let (value, end) = scanDecimal(bytes, from: position, bufferEnd: bytes.baseAddress.map { $0 + bytes.count })
        else { return nil }
        if end == bytes.count {
            position = end
            return value
        }
        let c = bytes[end]
        if c == delimiter {
            position = end &+ 1
            return value
        }
        guard c == CSVByte.lineFeed || c == CSVByte.carriageReturn else { return nil }
        position = end
        return value
    }

    /// The next field. Call it only as many times as the record has fields.
    @inline(__always)
    mutating func next() -> CSVField {
        var i = position
        let n = bytes.count
        var j = i
        while j < n && CSVByte.isBlank(bytes[j]) { j += 1 }
        if j < n && bytes[j] == CSVByte.quote {
            let start = j + 1
            var k = start
            var doubled = false
            while k < n {
                if bytes[k] == CSVByte.quote {
                    if k + 1 < n && bytes[k + 1] == CSVByte.quote {
                        doubled = true
                        k += 2
                        continue
                    }
                    break
                }
                k += 1
            }
            let field = CSVField(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<k]), hasDoubledQuotes: doubled,
                                 bufferEnd: bytes.baseAddress.map { $0 + n })
            i = k + 1
            while i < n && CSVByte.isBlank(bytes[i]) { i += 1 }
            position = i < n && bytes[i] == delimiter ? i + 1 : i
            return field
        }
        while j < n && !ends.contains(bytes[j]) { j &+= 1 }
        position = j < n && bytes[j] == delimiter ? j + 1 : j
        return CSVField(bytes: UnsafeRawBufferPointer(rebasing: bytes[i..<j]), hasDoubledQuotes: false,
                        bufferEnd: bytes.baseAddress.map { $0 + n })
    }
}
