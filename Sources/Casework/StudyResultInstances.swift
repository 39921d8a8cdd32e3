import CaseStore
import Documents
import Foundation
import Scoring
import UltrasoundImaging

/// A scored study's result as DICOM instances for the PACS: the measurement report (SR) referencing
/// the scored images, and the PDF report encapsulated, both in the study the images came from.
public enum StudyResultInstances {
    public struct Files: Sendable { public var sr: String; public var pdf: String }

    /// Everything a study's result is: the PDF for people (with the fat range when `model` scored it),
    /// then the SR and the Encapsulated PDF for the PACS — what `steato report` writes and `steato send` sends.
    public static func writeAll(store: CaseStore, studyId: Int64, model: SteatosisModel?, pdf: String, sr: String,
                                encapsulated: String) throws -> Files {
        let content = try StudyReportContent.make(store: store, studyId: studyId, model: model)
        // Written under temporary names and renamed only when all three are whole: a full disk or a
        // failure halfway leaves no partial report that could be sent or filed.
        let targets = [pdf, sr, encapsulated]
        let partial = targets.map { path -> String in
            let url = URL(fileURLWithPath: path)
            return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
        }
        do {
            try StudyReportDocument.write(content, to: partial[0])
            _ = try write(store: store, studyId: studyId, pdf: partial[0], srPath: partial[1], pdfInstancePath: partial[2])
            for (from, to) in zip(partial, targets) {
                guard rename(from, to) == 0 else {
                    throw CaseStoreError.storage(path: to, reason: "cannot write (\(String(cString: strerror(errno))))")
                }
            }
        } catch {
            for path in partial { unlink(path) }
            throw error
        }
        return Files(sr: sr, pdf: encapsulated)
    }

    public static func write(store: CaseStore, studyId: Int64, pdf pdfPath: String, srPath: String, pdfInstancePath: String) throws -> Files {
        let d = try store.detail(studyId: studyId)
        guard let s = d.studyScore else { throw StudyReportContent.NotScored(description: "study \(d.study.studyKey) is not scored") }
        var study = DicomResultWriter.Study()
        study.patientId = d.patient.patientKey; study.patientName = d.patient.name; study.birthDate = d.patient.birthDate
        study.sex = d.patient.sex; study.studyInstanceUID = d.study.studyInstanceUID; study.studyDate = d.study.studyDate
        study.accession = d.study.accession; study.studyId = d.study.studyKey; study.description = d.study.description
        var measurements: [DicomResultWriter.Measurement] = []
        if let score = s.score {
            measurements.append(.init(code: "STEATO-SCORE", meaning: "Steatosis score (grade scale 0-3)", value: score, unit: "{score}", unitMeaning: "score"))
        }
        if let sd = s.scoreSd {
            measurements.append(.init(code: "STEATO-SCORE-SD", meaning: "Steatosis score standard deviation", value: sd, unit: "{score}", unitMeaning: "score"))
        }
        if let fat = s.fatPct {
            measurements.append(.init(code: "STEATO-FAT", meaning: "Estimated liver fat fraction", value: fat, unit: "%", unitMeaning: "percent"))
        }
        // The scored images that came as DICOM instances (a JPEG or PNG has no SOP instance to point at).
        let images = d.images.compactMap { image -> DicomResultWriter.ImageReference? in
            guard let sop = image.sopInstanceUID, d.imageScores[image.id!]?.score != nil else { return nil }
            let acquisition = DicomAcquisition(json: image.acquisition)
            let sopClass = acquisition?.sop_class_uid ?? ((acquisition?.frames ?? 1) > 1 ? "1.2.840.10008.5.1.4.1.1.3.1" : "1.2.840.10008.5.1.4.1.1.6.1")
            return .init(sopClass: sopClass, sopInstance: sop)
        }
        var seen = Set<String>()
        let unique = images.filter { seen.insert($0.sopInstance).inserted }
        try DicomResultWriter.measurementReport(path: srPath, study: study, measurements: measurements, grade: s.grade,
                                                algorithm: s.modelName, version: s.software ?? SoftwareVersion.current, images: unique)
        guard let bytes = FileManager.default.contents(atPath: pdfPath) else { throw CaseStoreError.invalid("\(pdfPath): cannot read the PDF") }
        try DicomResultWriter.encapsulatedPDF(path: pdfInstancePath, study: study, pdf: [UInt8](bytes), title: "Liver steatosis ultrasound score")
        return Files(sr: srPath, pdf: pdfInstancePath)
    }
}
