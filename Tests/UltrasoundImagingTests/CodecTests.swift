import Testing
import UltrasoundImaging

@Suite struct CodecTests {
    @Test(arguments: ["grey.png", "rgb.png"])
    func pngDecodesExactlyAsPillow(name: String) throws {
        let ref = Fixtures.reference()[name]!
        let (format, image) = try ImageDecoder.decode(Fixtures.bytes(name))
        #expect(format == .png)
        #expect(image.width == ref["width"] && image.height == ref["height"] && image.channels == ref["channels"])
        #expect(image.pixels.reduce(0) { $0 + Int($1) } == ref["sum"])
    }

    @Test(arguments: ["grey.jpg", "rgb.jpg"])
    func jpegDecodesLikePillow(name: String) throws {
        let ref = Fixtures.reference()[name]!
        let (format, image) = try ImageDecoder.decode(Fixtures.bytes(name))
        #expect(format == .jpeg)
        #expect(image.width == ref["width"] && image.height == ref["height"] && image.channels == ref["channels"])
        // Both use libjpeg-turbo's accurate integer DCT: sums agree to well under a grey level per pixel.
        let sum = image.pixels.reduce(0) { $0 + Int($1) }
        #expect(abs(sum - ref["sum"]!) <= image.pixels.count / 4)
    }

    @Test func pngRoundTripIsLossless() throws {
        var image = PixelImage(width: 37, height: 21, channels: 3)
        for i in image.pixels.indices { image.pixels[i] = UInt8(truncatingIfNeeded: i &* 97) }
        let decoded = try PNGCodec.decode(try PNGCodec.encode(image))
        #expect(decoded == image)
    }

    @Test func jpegRoundTripIsClose() throws {
        var image = PixelImage(width: 64, height: 40, channels: 1)
        for y in 0..<40 { for x in 0..<64 { image[x, y] = UInt8(x * 2 + y) } }
        let bytes = try JPEGCodec.encode(image, quality: 95)
        #expect(ImageFormat.sniff(bytes) == .jpeg)
        let decoded = try JPEGCodec.decode(bytes)
        #expect(decoded.channels == 1 && decoded.width == 64 && decoded.height == 40)
        let meanError = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / image.pixels.count
        #expect(meanError <= 1)
    }

    @Test func formatIsReadFromContentNotName() throws {
        let (format, image) = try ImageDecoder.decode(Fixtures.bytes("png-named.jpg"))
        #expect(format == .png)
        #expect(image.channels == 3)
    }

    @Test func truncatedFilesAreErrors() {
        for name in ["truncated.jpg", "truncated.png"] {
            #expect(throws: ImageError.self) { try ImageDecoder.decode(Fixtures.bytes(name)) }
        }
    }

    @Test func emptyAndTextFilesAreNamed() {
        #expect(throws: ImageError.empty) { try ImageDecoder.decode(Fixtures.bytes("empty.jpg")) }
        #expect(throws: ImageError.notAnImage) { try ImageDecoder.decode(Fixtures.bytes("text.jpg")) }
    }

    @Test func absurdDimensionsAreRefusedFromTheHeader() {
        #expect(throws: ImageError.tooLarge(width: 20000, height: 20000, limit: 16384)) {
            try ImageDecoder.header(Fixtures.bytes("huge.png"))
        }
        #expect(throws: ImageError.tooLarge(width: 20000, height: 30000, limit: 16384)) {
            try ImageDecoder.decode(Fixtures.bytes("huge.jpg"))
        }
    }

    @Test func gradeThresholdsFollowHistology() {
        #expect(Grade(fatPercent: 4.9) == .healthy)
        #expect(Grade(fatPercent: 5) == .mild)
        #expect(Grade(fatPercent: 33) == .moderate)
        #expect(Grade(fatPercent: 66) == .severe)
    }
}
