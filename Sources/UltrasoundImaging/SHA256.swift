import CKernels

/// SHA-256 (FIPS 180-4), used as the identity of stored images and model files.
/// Dependency-free: the compression function is C (`sha256.c`), on the CPU's SHA extensions where it has
/// them; checked against published test vectors and `sha256sum`.
public struct SHA256 {
    private var state: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    public init() {}

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        length &+= UInt64(bytes.count)
        // Whole blocks straight from contiguous input; only a tail waits in the buffer.
        let direct: Void? = bytes.withContiguousStorageIfAvailable { input in
            var offset = 0
            if !buffer.isEmpty {
                let take = min(64 - buffer.count, input.count)
                buffer.append(contentsOf: input[0..<take])
                offset = take
                if buffer.count == 64 { let block = buffer; block.withUnsafeBufferPointer { compress($0, at: 0, blocks: 1) }; buffer.removeAll(keepingCapacity: true) }
            }
            let whole = (input.count - offset) / 64
            if whole > 0 { compress(input, at: offset, blocks: whole); offset += 64 * whole }
            buffer.append(contentsOf: input[offset...])
        }
        guard direct == nil else { return }
        buffer.append(contentsOf: bytes)
        var offset = 0
        let pending = buffer
        pending.withUnsafeBufferPointer { all in
            let whole = all.count / 64
            if whole > 0 { compress(all, at: 0, blocks: whole); offset = 64 * whole }
        }
        if offset > 0 { buffer.removeFirst(offset) }
    }

    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail: [UInt8] = [0x80]
        while (buffer.count + tail.count) % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        buffer.append(contentsOf: tail)
        let last = buffer
        last.withUnsafeBufferPointer { compress($0, at: 0, blocks: $0.count / 64) }
        buffer.removeAll()
        return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }

    /// HMAC-SHA256 (RFC 2104): a digest only the holder of `key` can compute or check.
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? { var h = SHA256(); h.update(key); return h.finalize() }() : key
        block += Array(repeating: 0, count: 64 - block.count)
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// The lowercase hex digest of the bytes.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize().map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }

    /// Whole 64-byte blocks through the compression function (C: the CPU's SHA extensions where it has them).
    private mutating func compress(_ block: UnsafeBufferPointer<UInt8>, at offset: Int, blocks: Int) {
        state.withUnsafeMutableBufferPointer { steato_sha256_blocks($0.baseAddress!, block.baseAddress! + offset, blocks) }
    }
}
