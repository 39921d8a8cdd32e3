/// What a DICOM file says about its patient, study, instance and acquisition, as far as Steatoscope uses it.
public struct DicomMetadata: Sendable, Codable, Equatable {
    public var patientId: String?
    public var patientName: String?
    public var birthDate: String?
    public var sex: String?
    public var studyInstanceUID: String?
    public var studyDate: String?
    public var studyDescription: String?
    public var accession: String?
    /// The site's Study ID (0020,0010).
    public var studyId: String?
    public var seriesInstanceUID: String?
    public var sopInstanceUID: String?
    public var sopClassUID: String?
    public var manufacturer: String?
    public var model: String?
    public var transducer: String?
    /// Milliseconds between cine frames.
    public var frameTime: Double?
    public var burnedInAnnotation: String?
    public var transferSyntax: String?
    public var photometric: String?
    public var frames = 1
    public var regions: [UltrasoundRegion] = []

    /// The SOP class of a DICOMDIR (Media Storage Directory Storage).
    public static let directorySOPClass = "1.2.840.10008.1.3.10"

    public init() {}

    /// A structured report (the SR storage classes, 1.2.840.10008.5.1.4.1.1.88.*): text, no image.
    public var isStructuredReport: Bool { sopClassUID?.hasPrefix("1.2.840.10008.5.1.4.1.1.88.") == true }

    /// The scanner as `Manufacturer Model`, for grouping and adaptation.
    public var scanner: String? {
        let parts = [manufacturer, model].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// The B-mode (2D tissue) region with physical spacing, when the file declares one.
    public var bModeRegion: UltrasoundRegion? { regions.bMode }

    /// A DICOM date as ISO 8601 (YYYY-MM-DD): the standard YYYYMMDD and the old ACR-NEMA YYYY.MM.DD
    /// alike, so a date reads the same everywhere; anything else is kept as written.
    public static func isoDate(_ dicom: String?) -> String? {
        guard let d = dicom?.trimmingCharacters(in: .whitespaces), !d.isEmpty else { return nil }
        let digits = d.filter(\.isNumber)
        let shapes = [d.count == 8 && digits.count == 8,
                      d.count == 10 && digits.count == 8 && [4, 7].allSatisfy { ".-/".contains(Array(d)[$0]) }]
        guard shapes.contains(true) else { return d }
        let a = Array(digits)
        return String(a[0..<4]) + "-" + String(a[4..<6]) + "-" + String(a[6..<8])
    }
}

/// One item of the Sequence of Ultrasound Regions: where a region sits on the screen and its physical spacing.
public struct UltrasoundRegion: Sendable, Codable, Equatable {
    public var minX: Int, minY: Int, maxX: Int, maxY: Int
    public var spatialFormat: Int
    public var dataType: Int
    /// Centimetres per pixel, when the region's units are cm (code 3).
    public var cmPerPixelX: Double?
    public var cmPerPixelY: Double?

    public init(minX: Int, minY: Int, maxX: Int, maxY: Int, spatialFormat: Int, dataType: Int, cmPerPixelX: Double? = nil, cmPerPixelY: Double? = nil) {
        self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY
        self.spatialFormat = spatialFormat; self.dataType = dataType; self.cmPerPixelX = cmPerPixelX; self.cmPerPixelY = cmPerPixelY
    }

    public var isTissue2D: Bool { spatialFormat == 1 && (dataType == 1 || dataType == 0) }

    /// A Doppler or M-mode display (PS3.3 C.8.5.5.1.1–2): an M-mode (spatial format 2) or spectral
    /// (3) sweep, a colour-flow box (data type 2) or a spectral Doppler or its traces (3–8). An ECG
    /// trace (data type 10) is not one: some abdominal presets show it.
    public var isDopplerOrMMode: Bool { spatialFormat == 2 || spatialFormat == 3 || (2...8).contains(dataType) }
}

extension Array where Element == UltrasoundRegion {
    /// Whether the screen holds a Doppler or M-mode display beside or over the B-mode image.
    public var declaresDopplerOrMMode: Bool { contains(where: \.isDopplerOrMMode) }

    /// The first 2D tissue region, preferring one with physical spacing.
    public var bMode: UltrasoundRegion? {
        first { $0.isTissue2D && $0.cmPerPixelY != nil } ?? first { $0.isTissue2D }
    }
}

import Foundation
