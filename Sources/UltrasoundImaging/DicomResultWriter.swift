import CDicom
import Foundation

/// Writes a study's result as DICOM instances through DCMTK: a TID 1500 measurement report
/// (Enhanced SR) and the PDF report as an Encapsulated PDF, in the study the images came from.
public enum DicomResultWriter {
    public struct Study: Sendable {
        public var patientId = "", patientName: String?, birthDate: String?, sex: String?
        public var studyInstanceUID: String?, studyDate: String?, accession: String?, studyId: String?, description: String?
        public init() {}
    }
    public struct Measurement: Sendable {
        public var code: String, meaning: String, value: Double, unit: String, unitMeaning: String
        public init(code: String, meaning: String, value: Double, unit: String, unitMeaning: String) {
            self.code = code; self.meaning = meaning; self.value = value; self.unit = unit; self.unitMeaning = unitMeaning
        }
    }
    public struct ImageReference: Sendable {
        public var sopClass: String, sopInstance: String
        public init(sopClass: String, sopInstance: String) { self.sopClass = sopClass; self.sopInstance = sopInstance }
    }

    /// Grades as SNOMED CT codes: normal, mild, moderate, severe.
    public static let gradeCodes: [(code: String, meaning: String)] = [
        ("17621005", "Normal"), ("255604002", "Mild"), ("6736007", "Moderate"), ("24484000", "Severe"),
    ]

    /// Writes the SR; returns its SOP Instance UID.
    @discardableResult
    public static func measurementReport(path: String, study: Study, measurements: [Measurement], grade: Int?,
                                         algorithm: String, version: String, images: [ImageReference]) throws -> String {
        try withIdentity(study) { identity in
            try withCStrings(measurements.flatMap { [$0.code, $0.meaning, $0.unit, $0.unitMeaning] } + images.flatMap { [$0.sopClass, $0.sopInstance] }) { strings in
                var m: [SteatoMeasurement] = measurements.indices.map { i in
                    SteatoMeasurement(code: strings[4 * i], meaning: strings[4 * i + 1], value: measurements[i].value,
                                      unit: strings[4 * i + 2], unit_meaning: strings[4 * i + 3])
                }
                let base = 4 * measurements.count
                var refs: [SteatoImageReference] = images.indices.map { SteatoImageReference(sop_class: strings[base + 2 * $0], sop_instance: strings[base + 2 * $0 + 1]) }
                var uid = [CChar](repeating: 0, count: 128), error = [CChar](repeating: 0, count: 512)
                let code = grade.flatMap { gradeCodes.indices.contains($0) ? gradeCodes[$0] : nil }
                let ok = steato_write_measurement_sr(path, &identity, &m, m.count, code?.code, code?.meaning, algorithm, version,
                                                     &refs, refs.count, &uid, uid.count, &error, error.count)
                guard ok != 0 else { throw ImageError.dicom(cText(error)) }
                return cText(uid)
            }
        }
    }

    /// Writes the Encapsulated PDF; returns its SOP Instance UID.
    @discardableResult
    public static func encapsulatedPDF(path: String, study: Study, pdf: [UInt8], title: String) throws -> String {
        try withIdentity(study) { identity in
            var uid = [CChar](repeating: 0, count: 128), error = [CChar](repeating: 0, count: 512)
            guard steato_write_encapsulated_pdf(path, &identity, pdf, pdf.count, title, &uid, uid.count, &error, error.count) != 0 else {
                throw ImageError.dicom(cText(error))
            }
            return cText(uid)
        }
    }

    /// An uncompressed 8-bit grey Ultrasound Image Storage instance (benchmarks and tests).
    public static func greyImage(path: String, study: Study, sopInstanceUID: String, image: PixelImage) throws {
        precondition(image.channels == 1, "a grey image")
        try withIdentity(study) { identity in
            var error = [CChar](repeating: 0, count: 512)
            guard steato_write_grey_us_image(path, &identity, sopInstanceUID, image.pixels, UInt16(image.width), UInt16(image.height),
                                             &error, error.count) != 0 else { throw ImageError.dicom(cText(error)) }
        }
    }

    /// One exported image (grey or RGB) as an Ultrasound Image Storage instance in `seriesUID`.
    /// `deidentification` names the method when the instance is de-identified (its screen blanked
    /// outside the fan by the caller); `pixelSpacingMm` writes the physical scale when known.
    public static func ultrasoundImage(path: String, study: Study, seriesUID: String, sopInstanceUID: String, instanceNumber: Int,
                                       image: PixelImage, pixelSpacingMm: Double?, deidentification: String?) throws {
        try withIdentity(study) { identity in
            var error = [CChar](repeating: 0, count: 512)
            let ok = try withCStrings([seriesUID, sopInstanceUID, deidentification ?? ""]) { p in
                image.pixels.withUnsafeBufferPointer { pixels in
                    var exported = SteatoExportedImage(
                        series_uid: p[0], sop_instance_uid: p[1], instance_number: Int32(instanceNumber), pixels: pixels.baseAddress,
                        width: UInt16(image.width), height: UInt16(image.height), samples: UInt16(image.channels),
                        pixel_spacing_mm: pixelSpacingMm ?? 0, deidentified: deidentification == nil ? 0 : 1,
                        deidentification_method: p[2])
                    return steato_write_us_image(path, &identity, &exported, &error, error.count)
                }
            }
            guard ok != 0 else { throw ImageError.dicom(cText(error)) }
        }
    }

    /// DICOM DA from an ISO date.
    static func da(_ iso: String?) -> String? { iso.map { $0.replacingOccurrences(of: "-", with: "") } }

    private static func withIdentity<T>(_ s: Study, _ body: (inout SteatoStudyIdentity) throws -> T) throws -> T {
        let fields = [s.patientId, s.patientName?.replacingOccurrences(of: " ", with: "^"), da(s.birthDate), s.sex, s.studyInstanceUID,
                      da(s.studyDate), s.accession, s.studyId, s.description].map { $0 ?? "" }
        return try withCStrings(fields) { p in
            var identity = SteatoStudyIdentity(patient_id: p[0], patient_name: p[1], birth_date: p[2], sex: p[3], study_uid: p[4],
                                               study_date: p[5], accession: p[6], study_id: p[7], study_description: p[8])
            return try body(&identity)
        }
    }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafePointer<CChar>]) throws -> T) throws -> T {
        let copies = strings.map { strdup($0)! }
        defer { copies.forEach { free($0) } }
        return try body(copies.map { UnsafePointer($0) })
    }
}
