import CKernels
import Foundation
import Testing
import UltrasoundImaging

@Suite struct SHA256Tests {
    // Test vectors from FIPS 180-4 / NIST CSRC examples.
    @Test func publishedVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    // RFC 4231 test cases 1 (short key) and 6 (key longer than a block).
    @Test func hmacPublishedVectors() {
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(hex(SHA256.hmac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hex(SHA256.hmac(key: [UInt8](repeating: 0xaa, count: 131),
                                message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func twoBlockMessage() {
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func millionAs() {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalEqualsOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = SHA256()
        hasher.update(data[0..<1])
        hasher.update(data[1..<130])
        hasher.update(data[130...])
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(hex == SHA256.hex(data))
    }

    /// The CPU's SHA extensions (where this machine has them) and the portable C give the same words,
    /// block counts 1 to 9 at a time from random states; the vectors above go through whichever runs here.
    @Test func cpuExtensionsMatchThePortablePath() {
        var seed: UInt64 = 99
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 24 }
        for blocks in 1...9 {
            let data = (0..<(64 * blocks)).map { _ in UInt8(truncatingIfNeeded: next()) }
            let start = (0..<8).map { _ in UInt32(truncatingIfNeeded: next()) }
            var fast = start, portable = start
            steato_sha256_blocks(&fast, data, blocks)
            steato_sha256_blocks_portable(&portable, data, blocks)
            #expect(fast == portable, "\(blocks) blocks")
        }
        print("SHA-256 on the CPU's SHA extensions here: \(steato_sha256_uses_cpu_extensions() == 1)")
    }
}
