import CaseStore
import Foundation
import UltrasoundImaging

/// Every stored image written out as a DICOM Ultrasound Image instance, one file per image (a cine's
/// chosen frames each become one), `DIR/STUDY/IMAGE_ID.dcm`, one new series per study.
///
/// Anonymised (DICOM PS3.15 basic profile): the instance is built afresh, never copied from the
/// original, so nothing of the original header travels unless written here: the patient and study
/// pseudonyms of `exportStudies(anonymize:)`, no names, dates, birth date, sex, accession or
/// description, new UIDs derived under the database's secret key (the same study's instances share a
/// study and series UID), and the screen blanked outside the imaging fan, where scanners burn in text.
public enum DicomExport {
    public static let method = "Steatoscope: DICOM PS3.15 basic profile; new UIDs; pixels outside the imaging fan blanked"

    public struct Outcome: Sendable {
        public var written = 0
        public var failures: [String] = []
        public var diskFull = false
        /// Anonymised images in which no fan was found: written all black.
        public var withoutFan: [Int64] = []
    }

    public static func write(store: CaseStore, folder: String, anonymize: Bool) throws -> Outcome {
        var outcome = Outcome()
        for study in try store.exportStudies(anonymize: anonymize) {
            let studyUID = try study.study_instance_uid ?? store.replacementUID(for: "study \(study.study_id)")
            let seriesUID = try store.replacementUID(for: studyUID + " export series")
            var identity = DicomResultWriter.Study()
            identity.patientId = study.patient_id
            identity.patientName = anonymize ? study.patient_id : study.patient_name
            identity.birthDate = study.patient_birth_date
            identity.sex = study.patient_sex
            identity.studyInstanceUID = studyUID
            identity.studyDate = study.study_date
            identity.accession = study.accession
            identity.studyId = String(study.study_id.prefix(16))   // SH
            identity.description = study.study_description
            let studyFolder = folder + "/" + safeName(study.study_id)
            try FileManager.default.createDirectory(atPath: studyFolder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            for (n, exported) in study.images.enumerated() {
                let target = studyFolder + "/\(exported.image_id).dcm"
                var size = 0
                do {
                    let record = try store.image(id: exported.image_id)
                    let bytes = try store.images.load(sha256: record.sha256)
                    let (pixels, fanFound) = try ImageExport.pixels(record, bytes: bytes, anonymize: anonymize)
                    if !fanFound { outcome.withoutFan.append(exported.image_id) }
                    size = pixels.pixels.count
                    // The spacing a manifest gave, else the one the original DICOM file declares.
                    let spacingMm = record.pixelSpacingMm ?? ImageDecoder.declaredSpacing(bytes).map { $0 * 10 }
                    let original = (record.sopInstanceUID ?? record.sha256) + " frame \(record.frameNumber)"
                    let partial = studyFolder + "/.\(exported.image_id).dcm.partial-\(getpid())"
                    defer { unlink(partial) }
                    try DicomResultWriter.ultrasoundImage(
                        path: partial, study: identity, seriesUID: seriesUID, sopInstanceUID: try store.replacementUID(for: original),
                        instanceNumber: n + 1, image: pixels, pixelSpacingMm: spacingMm,
                        deidentification: anonymize ? method : nil)
                    guard rename(partial, target) == 0 else { throw CaseStoreError.invalid("cannot rename into place") }
                    outcome.written += 1
                } catch {
                    outcome.failures.append("\(target): \(error)")
                    if size > 0, !hasRoom(studyFolder, for: size) { outcome.diskFull = true; return outcome }
                }
            }
        }
        return outcome
    }

    /// Whether the file system holding `folder` has room for an instance of `bytes` pixels and its
    /// header (DCMTK names a failed write, not why it failed).
    private static func hasRoom(_ folder: String, for bytes: Int) -> Bool {
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return true }
        return UInt64(info.f_bavail) * UInt64(info.f_bsize) > UInt64(bytes + (64 << 10))
    }

    /// A study id as a folder name: letters, digits, '-', '_' and '.' kept, anything else '_'.
    static func safeName(_ id: String) -> String {
        let kept = String(id.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
        return kept.isEmpty || kept.hasPrefix(".") ? "_" + kept : kept
    }
}
