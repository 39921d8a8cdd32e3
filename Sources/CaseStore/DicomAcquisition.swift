import Foundation
import UltrasoundImaging

/// The acquisition facts of a DICOM image kept with it (the image row's `acquisition` JSON): the
/// scanner and probe, cine timing, the ultrasound regions with their physical spacing (which
/// preprocessing uses), and whether text is burned into the pixels.
public struct DicomAcquisition: Codable, Sendable, Equatable {
    public var manufacturer: String?
    public var model: String?
    public var transducer: String?
    public var frame_time_ms: Double?
    public var frames: Int
    public var transfer_syntax: String?
    public var photometric: String?
    public var burned_in_annotation: String?
    public var series_instance_uid: String?
    public var sop_instance_uid: String?
    /// Absent in rows imported before it was kept.
    public var sop_class_uid: String?
    public var regions: [UltrasoundRegion]

    public init(_ m: DicomMetadata) {
        manufacturer = m.manufacturer; model = m.model; transducer = m.transducer
        frame_time_ms = m.frameTime; frames = m.frames
        transfer_syntax = m.transferSyntax; photometric = m.photometric
        burned_in_annotation = m.burnedInAnnotation
        series_instance_uid = m.seriesInstanceUID; sop_instance_uid = m.sopInstanceUID; sop_class_uid = m.sopClassUID
        regions = m.regions
    }

    public init?(json: String?) {
        guard let json, let value = try? JSONDecoder().decode(DicomAcquisition.self, from: Data(json.utf8)) else { return nil }
        self = value
    }

    /// The B-mode region with its spacing, for preprocessing.
    public var bModeRegion: UltrasoundRegion? { regions.bMode }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
