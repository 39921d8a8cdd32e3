import CDicom

/// A DICOM file read from memory through DCMTK: its metadata and its frames as 8-bit images.
/// Grey stays grey (MONOCHROME1 inverted, more than 8 bits shifted down); RGB, YBR and palette
/// colour become RGB. Every failure is an `ImageError.dicom` with one line of reason.
public final class DicomFile: @unchecked Sendable {
    private let handle: OpaquePointer
    public let metadata: DicomMetadata
    public let pixels: SteatoDicomPixels

    public init(bytes: [UInt8]) throws {
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = steato_dicom_parse(bytes, bytes.count, &error, error.count) else {
            throw ImageError.dicom(cText(error))
        }
        self.handle = handle
        var info = SteatoDicomPixels()
        guard steato_dicom_pixels(handle, &info, &error, error.count) != 0 else {
            steato_dicom_free(handle)
            throw ImageError.dicom(cText(error))
        }
        pixels = info
        metadata = Self.readMetadata(handle, info)
        if metadata.sopClassUID == DicomMetadata.directorySOPClass {
            steato_dicom_free(handle)
            throw ImageError.dicom("a DICOMDIR (a directory of other files), no image")
        }
    }

    deinit { steato_dicom_free(handle) }

    /// The metadata only, from the start of a file (parsing stops at the pixel data, which is not decoded).
    public static func metadata(headerBytes bytes: [UInt8]) throws -> DicomMetadata {
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = steato_dicom_parse_header(bytes, bytes.count, &error, error.count) else {
            throw ImageError.dicom(cText(error))
        }
        defer { steato_dicom_free(handle) }
        var info = SteatoDicomPixels()
        var frames = [Double](repeating: 1, count: 1)
        info.frames = steato_dicom_numbers(handle, 0x0028, 0x0008, &frames, 1) == 1 ? max(1, Int(frames[0])) : 1
        return readMetadata(handle, info)
    }

    /// The text of a structured report (DICOM SR), one content item per line; nil when the file is no
    /// SR or holds no text. Throws when the bytes are not a readable DICOM file.
    public static func reportText(bytes: [UInt8]) throws -> String? {
        var error = [CChar](repeating: 0, count: 512)
        guard let handle = steato_dicom_parse(bytes, bytes.count, &error, error.count) else {
            throw ImageError.dicom(cText(error))
        }
        defer { steato_dicom_free(handle) }
        guard readMetadata(handle, SteatoDicomPixels()).isStructuredReport else { return nil }
        let needed = steato_dicom_sr_text(handle, nil, 0)
        guard needed > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: needed + 1)
        _ = steato_dicom_sr_text(handle, &buffer, buffer.count)
        return cText(buffer)
    }

    public var width: Int { pixels.columns }
    public var height: Int { pixels.rows }
    public var frameCount: Int { pixels.frames }
    public var channels: Int { pixels.samples == 1 && photometric != "PALETTE COLOR" ? 1 : 3 }
    var photometric: String { withUnsafeBytes(of: pixels.photometric) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } }

    /// Frame `index` (0-based) as an 8-bit grey or RGB image.
    public func frame(_ index: Int) throws -> PixelImage {
        guard index >= 0, index < frameCount else { throw ImageError.dicom("no frame \(index + 1) (the file has \(frameCount))") }
        let bytesPerSample = pixels.bits_allocated / 8
        var raw = [UInt8](repeating: 0, count: width * height * pixels.samples * bytesPerSample)
        var error = [CChar](repeating: 0, count: 512)
        guard steato_dicom_frame(handle, index, &raw, raw.count, &error, error.count) != 0 else {
            throw ImageError.dicom("frame \(index + 1): " + cText(error))
        }
        if let image = eightBitFastPath(raw) { return image }
        let samples = Self.samples(raw, bitsAllocated: pixels.bits_allocated, bitsStored: pixels.bits_stored,
                                   signed: pixels.pixel_representation == 1)
        let n = width * height
        switch (photometric, pixels.samples) {
        case ("MONOCHROME2", 1), ("MONOCHROME1", 1):
            let invert = photometric == "MONOCHROME1"
            return PixelImage(width: width, height: height, channels: 1,
                              pixels: samples.map { UInt8(invert ? 255 - Self.eightBit($0, pixels.bits_stored) : Self.eightBit($0, pixels.bits_stored)) })
        case ("PALETTE COLOR", 1):
            return try palette(samples)
        case ("RGB", 3), ("YBR_FULL", 3), ("YBR_FULL_422", 3):
            var rgb = [UInt8](repeating: 0, count: 3 * n)
            if photometric == "YBR_FULL_422" && !pixels.compressed.isTrue {
                // Stored subsampled: Y1 Y2 Cb Cr for each pair of pixels along a row.
                guard width % 2 == 0, samples.count >= 2 * n else { throw ImageError.dicom("YBR_FULL_422 with an odd width") }
                for pair in 0..<(n / 2) {
                    let y1 = samples[4 * pair], y2 = samples[4 * pair + 1], cb = samples[4 * pair + 2], cr = samples[4 * pair + 3]
                    for (k, y) in [y1, y2].enumerated() {
                        let (r, g, b) = Self.ybrToRGB(y, cb, cr)
                        rgb[3 * (2 * pair + k)] = r; rgb[3 * (2 * pair + k) + 1] = g; rgb[3 * (2 * pair + k) + 2] = b
                    }
                }
                return PixelImage(width: width, height: height, channels: 3, pixels: rgb)
            }
            let planar = pixels.planar_configuration == 1
            for i in 0..<n {
                var v = (0..<3).map { c in Self.eightBit(planar ? samples[c * n + i] : samples[3 * i + c], pixels.bits_stored) }
                if photometric != "RGB" {
                    let (r, g, b) = Self.ybrToRGB(v[0], v[1], v[2])
                    v = [Int(r), Int(g), Int(b)]
                }
                rgb[3 * i] = UInt8(v[0]); rgb[3 * i + 1] = UInt8(v[1]); rgb[3 * i + 2] = UInt8(v[2])
            }
            return PixelImage(width: width, height: height, channels: 3, pixels: rgb)
        default:
            throw ImageError.dicom("photometric interpretation \(photometric) with \(pixels.samples) samples per pixel is not supported")
        }
    }

    /// Plain 8-bit unsigned grey, RGB and YBR_FULL straight from the bytes (the common case, and the
    /// one a listener receives by the hundred): no per-sample conversion. nil for everything else.
    private func eightBitFastPath(_ raw: [UInt8]) -> PixelImage? {
        guard pixels.bits_allocated == 8, pixels.bits_stored == 8, pixels.pixel_representation == 0 else { return nil }
        let n = width * height
        switch (photometric, pixels.samples) {
        case ("MONOCHROME2", 1) where raw.count >= n:
            return PixelImage(width: width, height: height, channels: 1, pixels: raw.count == n ? raw : Array(raw.prefix(n)))
        case ("MONOCHROME1", 1) where raw.count >= n:
            return PixelImage(width: width, height: height, channels: 1, pixels: raw.prefix(n).map { 255 - $0 })
        case ("RGB", 3) where raw.count >= 3 * n, ("YBR_FULL", 3) where raw.count >= 3 * n:
            var rgb = [UInt8](repeating: 0, count: 3 * n)
            let planar = pixels.planar_configuration == 1, ybr = photometric == "YBR_FULL"
            raw.withUnsafeBufferPointer { src in rgb.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let a = planar ? src[i] : src[3 * i], b = planar ? src[n + i] : src[3 * i + 1], c = planar ? src[2 * n + i] : src[3 * i + 2]
                    if ybr {
                        let (r, g, bl) = Self.ybrToRGB(Int(a), Int(b), Int(c))
                        dst[3 * i] = r; dst[3 * i + 1] = g; dst[3 * i + 2] = bl
                    } else {
                        dst[3 * i] = a; dst[3 * i + 1] = b; dst[3 * i + 2] = c
                    }
                }
            } }
            return PixelImage(width: width, height: height, channels: 3, pixels: rgb)
        default:
            return nil
        }
    }

    /// PALETTE COLOR: each stored value indexes three tables (8- or 16-bit entries), reduced to 8 bits.
    private func palette(_ samples: [Int]) throws -> PixelImage {
        var tables: [[Int]] = []
        var bits = 8
        for (descriptorTag, dataTag) in [(UInt16(0x1101), UInt16(0x1201)), (0x1102, 0x1202), (0x1103, 0x1203)] {
            var descriptor = [Double](repeating: 0, count: 3)
            guard steato_dicom_numbers(handle, 0x0028, descriptorTag, &descriptor, 3) == 3 else {
                throw ImageError.dicom("PALETTE COLOR without a lookup table descriptor")
            }
            let entries = descriptor[0] == 0 ? 65536 : Int(descriptor[0]) & 0xFFFF
            let first = Int(descriptor[1]) & 0xFFFF
            bits = Int(descriptor[2])
            var table: [Int]
            if let data = words(0x0028, dataTag) {
                if bits == 8 && data.count * 2 == entries {
                    table = data.flatMap { [Int($0 & 0xFF), Int($0 >> 8)] }  // 8-bit entries packed two to a word
                } else {
                    guard data.count >= entries else { throw ImageError.dicom("lookup table has \(data.count) entries, its descriptor says \(entries)") }
                    table = data.prefix(entries).map { Int($0) }
                }
            } else if let segments = words(0x0028, dataTag + 0x20) {
                table = try Self.expandSegmentedTable(segments)
                guard !table.isEmpty else { throw ImageError.dicom("empty segmented lookup table") }
            } else {
                throw ImageError.dicom("PALETTE COLOR without lookup table data")
            }
            table = table.map { bits > 8 ? $0 >> 8 : $0 & 0xFF }
            // Values below the first mapped one take the first entry; the table is shifted so index 0 is value 0.
            table = [Int](repeating: table[0], count: first) + table
            tables.append(table)
        }
        var rgb = [UInt8](repeating: 0, count: 3 * samples.count)
        for (i, v) in samples.enumerated() {
            for c in 0..<3 {
                let table = tables[c]
                rgb[3 * i + c] = UInt8(table[min(max(v, 0), table.count - 1)])
            }
        }
        return PixelImage(width: width, height: height, channels: 3, pixels: rgb)
    }

    /// A 16-bit attribute's words, or nil when absent.
    private func words(_ group: UInt16, _ element: UInt16) -> [UInt16]? {
        let count = steato_dicom_words(handle, group, element, nil, 0)
        guard count > 0 else { return nil }
        var data = [UInt16](repeating: 0, count: count)
        _ = steato_dicom_words(handle, group, element, &data, count)
        return data
    }

    /// A segmented palette table (PS3.3 C.7.9.2): discrete segments (opcode 0), linear ramps from the
    /// previous entry (1, rounded half to even), and indirect copies of earlier segments (2).
    static func expandSegmentedTable(_ data: [UInt16], depth: Int = 0) throws -> [Int] {
        var table: [Int] = []
        var i = 0
        var segmentStarts: [Int] = []
        while i + 1 < data.count {
            segmentStarts.append(i)
            let opcode = data[i], length = Int(data[i + 1])
            switch opcode {
            case 0:
                guard i + 2 + length <= data.count else { throw ImageError.dicom("segmented lookup table ends inside a segment") }
                table += data[(i + 2)..<(i + 2 + length)].map { Int($0) }
                i += 2 + length
            case 1:
                guard i + 2 < data.count, let start = table.last else { throw ImageError.dicom("linear segment without a starting entry") }
                let end = Double(data[i + 2]), step = (end - Double(start)) / Double(max(length, 1))
                table += (1...max(length, 1)).prefix(length).map { Int((Double(start) + step * Double($0)).rounded(.toNearestOrEven)) }
                i += 3
            case 2:
                guard depth < 4, i + 3 < data.count else { throw ImageError.dicom("indirect segment nested too deeply or cut short") }
                let offset = Int(data[i + 2]) | Int(data[i + 3]) << 16
                guard offset < data.count else { throw ImageError.dicom("indirect segment points past the table") }
                var copied = try expandSegmentedTable(Array(data[offset...]), depth: depth + 1)
                copied = Array(copied.prefix(max(0, length)))
                table += copied
                i += 4
            default:
                throw ImageError.dicom("segmented lookup table with unknown opcode \(opcode)")
            }
            guard table.count <= 65536 else { throw ImageError.dicom("segmented lookup table longer than 65536 entries") }
        }
        return table
    }

    /// Stored values as integers: little-endian, masked to the stored bits, sign-extended when signed.
    static func samples(_ raw: [UInt8], bitsAllocated: Int, bitsStored: Int, signed: Bool) -> [Int] {
        if bitsAllocated == 8 { return raw.map { Int($0) } }
        let mask = (1 << bitsStored) - 1
        return (0..<(raw.count / 2)).map { i in
            var v = (Int(raw[2 * i]) | Int(raw[2 * i + 1]) << 8) & mask
            if signed && v >> (bitsStored - 1) & 1 == 1 { v -= 1 << bitsStored }
            return v
        }
    }

    /// A stored value of `bits` bits as 0–255: the top eight bits (signed values offset to unsigned first).
    static func eightBit(_ v: Int, _ bits: Int) -> Int {
        guard bits > 8 else { return min(max(v, 0), 255) }
        let unsigned = v < 0 ? v + (1 << bits) : v
        return min(max(unsigned >> (bits - 8), 0), 255)
    }

    /// Full-range YCbCr (ITU-R BT.601, as DICOM's YBR_FULL) to RGB, rounded and clipped.
    static func ybrToRGB(_ y: Int, _ cb: Int, _ cr: Int) -> (UInt8, UInt8, UInt8) {
        let yf = Float(y), b = Float(cb) - 128, r = Float(cr) - 128
        func clip(_ x: Float) -> UInt8 { UInt8(min(max((x + 0.5).rounded(.down), 0), 255)) }
        return (clip(yf + 1.402 * r), clip(yf - 0.114 * 1.772 / 0.587 * b - 0.299 * 1.402 / 0.587 * r), clip(yf + 1.772 * b))
    }

    private static func readMetadata(_ handle: OpaquePointer, _ info: SteatoDicomPixels) -> DicomMetadata {
        func text(_ group: UInt16, _ element: UInt16) -> String? {
            var buffer = [CChar](repeating: 0, count: 1024)
            guard steato_dicom_string(handle, group, element, &buffer, buffer.count) != 0 else { return nil }
            return cText(buffer).trimmingCharacters(in: .whitespaces)
        }
        var m = DicomMetadata()
        m.patientId = text(0x0010, 0x0020)
        m.patientName = text(0x0010, 0x0010)
        m.birthDate = DicomMetadata.isoDate(text(0x0010, 0x0030))
        m.sex = text(0x0010, 0x0040)
        m.studyInstanceUID = text(0x0020, 0x000D)
        m.studyDate = DicomMetadata.isoDate(text(0x0008, 0x0020))
        m.studyDescription = text(0x0008, 0x1030)
        m.accession = text(0x0008, 0x0050)
        m.studyId = text(0x0020, 0x0010)
        m.seriesInstanceUID = text(0x0020, 0x000E)
        m.sopInstanceUID = text(0x0008, 0x0018)
        m.sopClassUID = text(0x0008, 0x0016) ?? text(0x0002, 0x0002)
        m.manufacturer = text(0x0008, 0x0070)
        m.model = text(0x0008, 0x1090)
        m.transducer = text(0x0018, 0x5010) ?? text(0x0018, 0x6031)
        m.frameTime = text(0x0018, 0x1063).flatMap(Double.init)
        m.burnedInAnnotation = text(0x0028, 0x0301)
        m.transferSyntax = withUnsafeBytes(of: info.transfer_syntax) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if m.transferSyntax?.isEmpty ?? true { m.transferSyntax = text(0x0002, 0x0010) }
        m.photometric = text(0x0028, 0x0004)
        m.frames = info.frames
        var regions = [SteatoDicomRegion](repeating: SteatoDicomRegion(), count: 16)
        let count = min(16, steato_dicom_regions(handle, &regions, 16))
        m.regions = regions.prefix(count).map { r in
            UltrasoundRegion(minX: r.min_x, minY: r.min_y, maxX: r.max_x, maxY: r.max_y,
                             spatialFormat: r.spatial_format, dataType: r.data_type,
                             cmPerPixelX: r.units_x == 3 && r.delta_x > 0 ? r.delta_x : nil,
                             cmPerPixelY: r.units_y == 3 && r.delta_y > 0 ? r.delta_y : nil)
        }
        return m
    }
}

private extension Int32 { var isTrue: Bool { self != 0 } }

/// The text in a NUL-terminated C buffer: UTF-8 (what the shim converts every declared character set
/// to), else Latin-1 — what files that declare no character set but hold accented names mostly mean.
func cText(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
}

import Foundation

extension DicomFile {
    /// Parses a file and decodes up to `maxFrames` frames, as a fuzzer feeds it: returns how many
    /// frames decoded; a file that cannot be parsed throws its reason.
    public static func readAll(_ bytes: [UInt8], maxFrames: Int) throws -> Int {
        let file = try DicomFile(bytes: bytes)
        return (0..<min(file.frameCount, maxFrames)).filter { (try? file.frame($0)) != nil }.count
    }
}
