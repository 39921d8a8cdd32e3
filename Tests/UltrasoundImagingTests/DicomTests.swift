import Foundation
import Testing
import UltrasoundImaging

/// DICOM decoding against pydicom / Pillow (scripts/make_dicom_fixtures.py): exact for lossless data,
/// within ±2 grey levels for lossy; metadata; and broken files that must fail with a reason, not crash.
@Suite struct DicomTests {
    struct Reference: Decodable {
        struct Entry: Decodable {
            var file: String, frames: Int, width: Int, height: Int, channels: Int, lossy: Bool
            var sha256: [String], reference_png: [String]
        }
        var generated: [Entry], shared: [Entry], malformed: [String]
    }

    static let folder = Fixtures.root + "/dicom"
    static let sharedFolder = Fixtures.root + "/../../../shared/dicom"
    static let reference = try! JSONDecoder().decode(Reference.self, from: FileManager.default.contents(atPath: folder + "/reference.json")!)

    static func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path)!) }

    static func check(_ entry: Reference.Entry, bytes: [UInt8]) throws {
        #expect(ImageFormat.sniff(bytes) == .dicom, "\(entry.file) is recognised by content")
        let file = try DicomFile(bytes: bytes)
        #expect(file.frameCount == entry.frames, "\(entry.file) frames")
        for n in 0..<entry.frames {
            let image = try file.frame(n)
            #expect(image.width == entry.width && image.height == entry.height && image.channels == entry.channels, "\(entry.file) frame \(n) shape")
            if entry.lossy {
                let expected = try PNGCodec.decode(Self.bytes(folder + "/" + entry.reference_png[n]))
                #expect(expected.pixels.count == image.pixels.count)
                let worst = zip(expected.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
                #expect(worst <= 2, "\(entry.file) frame \(n): largest difference \(worst) grey levels")
            } else {
                #expect(SHA256.hex(image.pixels) == entry.sha256[n], "\(entry.file) frame \(n) pixels differ from pydicom")
            }
        }
    }

    @Test func generatedFixturesDecodeAsPydicomAndPillow() throws {
        for entry in Self.reference.generated { try Self.check(entry, bytes: Self.bytes(Self.folder + "/" + entry.file)) }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedFolder), "../shared/dicom is absent"))
    func realScannerFilesDecodeAsPydicom() throws {
        for entry in Self.reference.shared { try Self.check(entry, bytes: Self.bytes(Self.sharedFolder + "/" + entry.file)) }
    }

    /// The fan on real DICOM frames: below the GE header text (no regions declared), and inside the
    /// declared B-mode region of the Philips and Aloka files (the Aloka screen holds two images).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedFolder), "../shared/dicom is absent"))
    func fanOnRealDicomFrames() throws {
        for name in ["US1_UNCR.dcm", "US1_J2KR.dcm", "US1_J2KI.dcm"] {
            let image = try ImageDecoder.decodeImagingArea(Self.bytes(Self.sharedFolder + "/" + name))
            let fan = try #require(FanDetector.detect(image), "\(name): no fan")
            // The image rectangle runs from row 108 to 338; the header text ends at row 103.
            #expect(fan.y0 >= 104 && fan.y1 <= 345 && fan.x1 - fan.x0 >= 560, "\(name): fan \(fan.x0),\(fan.y0)–\(fan.x1),\(fan.y1)")
        }
        let aloka = try ImageDecoder.decodeImagingArea(Self.bytes(Self.sharedFolder + "/gdcm-US-ALOKA-16.dcm"))
        #expect(aloka.width == 304 && aloka.height == 392)
        let fan = try #require(FanDetector.detect(aloka))
        #expect(Double(fan.area) / Double(aloka.width * aloka.height) > 0.3)
        let philips = try ImageDecoder.decodeImagingArea(Self.bytes(Self.sharedFolder + "/OBXXXX1A.dcm"))
        #expect(philips.width == 680 && philips.height == 459)  // the region runs one column past the image
        #expect(FanDetector.detect(philips) != nil)  // the probe is in air: only the near field shows
    }

    /// What anonymised export keeps: no header text of the GE screen, both images of the Aloka screen.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedFolder), "../shared/dicom is absent"))
    func fanMaskForAnonymisedExport() throws {
        let (ge, geFan) = try ImageDecoder.decodeWithFanMask(Self.bytes(Self.sharedFolder + "/US1_UNCR.dcm"))
        #expect(!geFan[0..<(104 * ge.width)].contains(true), "header rows kept")
        #expect(geFan.filter { $0 }.count > 100_000)
        let (aloka, alokaFan) = try ImageDecoder.decodeWithFanMask(Self.bytes(Self.sharedFolder + "/gdcm-US-ALOKA-16.dcm"))
        let left = (0..<aloka.height).reduce(0) { n, y in n + (0..<320).filter { alokaFan[y * aloka.width + $0] }.count }
        let right = alokaFan.filter { $0 }.count - left
        #expect(left > 30_000 && right > 30_000, "left \(left), right \(right)")
    }

    /// A cine's frames are decoded from one parse, each cropped to the B-mode region like a single frame.
    @Test func severalFramesFromOneParse() throws {
        let bytes = Self.bytes(Self.folder + "/rle-cine.dcm")
        let frames = try ImageDecoder.decodeImagingAreas(bytes, frames: [1, 0])
        #expect(frames.count == 2)
        for (k, n) in [1, 0].enumerated() {
            #expect(frames[k] == (try ImageDecoder.decodeImagingArea(bytes, frame: n)))
            #expect(frames[k].width == 60 && frames[k].height == 44)   // region 2…61 × 3…46
        }
        #expect(frames[0] != frames[1])
        #expect(throws: ImageError.self) { try ImageDecoder.decodeImagingAreas(bytes, frames: [2]) }
    }

    @Test func metadataAndUltrasoundRegions() throws {
        let m = try DicomFile(bytes: Self.bytes(Self.folder + "/jpeg-cine.dcm")).metadata
        #expect(m.patientId == "DCMTEST01" && m.patientName == "Kowalski^Anna" && m.birthDate == "1961-03-15" && m.sex == "F")
        #expect(m.studyInstanceUID == "1.2.826.0.1.3680043.8.498.1001" && m.studyDate == "2026-01-02")
        #expect(m.accession == "ACC42" && m.studyDescription == "Liver" && m.burnedInAnnotation == "YES")
        #expect(m.manufacturer == "Testing" && m.model == "Fixture 1" && m.frames == 3 && m.frameTime == 33.3)
        #expect(m.transferSyntax == "1.2.840.10008.1.2.4.50")
        let region = try #require(m.bModeRegion)
        #expect(region.minX == 2 && region.minY == 3 && region.maxX == 53 && region.maxY == 38)
        #expect(region.cmPerPixelX == 0.05 && region.cmPerPixelY == 0.05)
        // The header alone (parsing stops at the pixel data) gives the same metadata.
        let header = try DicomFile.metadata(headerBytes: Self.bytes(Self.folder + "/jpeg-cine.dcm"))
        #expect(header.patientId == m.patientId && header.studyInstanceUID == m.studyInstanceUID && header.frames == 3)
    }

    @Test func malformedFilesFailWithAReason() throws {
        let expected = [
            "absurd-dimensions.dcm": "larger than 16384", "length-lies.dcm": "not a readable DICOM file",
            "nested-deeply.dcm": "nested more than 32 deep", "no-pixel-data.dcm": "no pixel data",
            "not-dicom-after-preamble.dcm": "not a readable DICOM file", "truncated-header.dcm": "not a readable DICOM file",
            "truncated-pixels.dcm": "not a readable DICOM file", "jpeg-tem-marker.dcm": "corrupt JPEG data",
        ]
        #expect(Set(Self.reference.malformed) == Set(expected.keys))
        for (name, reason) in expected {
            do {
                _ = try ImageDecoder.decode(Self.bytes(Self.folder + "/bad/" + name))
                Issue.record("\(name) decoded")
            } catch let error as ImageError {
                #expect("\(error)".contains(reason), "\(name): \(error)")
            }
        }
    }

    @Test func truncatedAnywhereIsAnErrorNeverACrash() throws {
        for name in ["implicit-vr.dcm", "jpeg-cine.dcm", "rle-cine.dcm", "big-endian-12bit.dcm", "palette-8bit.dcm"] {
            let bytes = Self.bytes(Self.folder + "/" + name)
            for cut in Swift.stride(from: 0, to: bytes.count, by: 7) {
                let prefix = Array(bytes[0..<cut])
                if let file = try? DicomFile(bytes: prefix) {
                    // A cut inside trailing padding may leave a whole file; then every frame must still decode.
                    for n in 0..<file.frameCount { _ = try? file.frame(n) }
                }
            }
        }
    }
}
