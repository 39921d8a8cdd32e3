import CaseStore
import Foundation
import Scoring
import UltrasoundImaging

/// The images a model is trained on, with their labels: from manifest folders (e.g. `steato
/// simulate`'s output) and from the case database's studies with a reference.
public enum TrainingSet {
    /// Which label to learn from: the sonographer's report grade (as the paper did) or histology.
    public enum Labels: String, CaseIterable, Sendable { case report, histology }

    public struct Source {
        public var images: [LabelledImage] = []
        /// Manifest rows that could not be used, as "path:row N: reason".
        public var problems: [String] = []
    }

    /// Labelled images of manifest folders (or manifest files) and, with `store`, the database.
    public static func collect(folders: [String], store: CaseStore?, labels: Labels) throws -> Source {
        var source = Source()
        for folder in folders {
            let path = folder.hasSuffix(".csv") ? folder : folder + "/manifest.csv"
            let manifest = try Manifest(path: path)
            for problem in manifest.rowErrors { source.problems.append("\(path):row \(problem.line): \(problem.reason)") }
            let base = (path as NSString).deletingLastPathComponent
            for row in manifest.rows {
                // Images to refuse teach the gate and carry no grade.
                let grade = row.refusal != nil ? 0 : labels == .report ? row.reportGrade : row.histologyFatPct.map { Grade(fatPercent: $0).rawValue }
                guard let grade else { continue }
                let file = row.imagePath.hasPrefix("/") ? row.imagePath : base + "/" + row.imagePath
                source.images.append(LabelledImage(path: file, grade: grade, fatPercent: row.histologyFatPct, view: row.view,
                                                   patient: row.patientKey, refusal: row.refusal,
                                                   cmPerPixel: row.pixelSpacingMm.map { $0 / 10 }))
            }
        }
        if let store {
            for image in try store.referencedImages() {
                guard let grade = labels == .report ? image.reportGrade : image.histologyFatPct.map({ Grade(fatPercent: $0).rawValue }) else { continue }
                source.images.append(LabelledImage(path: image.path, grade: grade, fatPercent: image.histologyFatPct,
                                                   view: image.view, patient: image.patientKey, frame: image.frame))
            }
        }
        return source
    }

    /// Splits by patient (a seeded hash of the patient id), so no patient is in both sets; about
    /// `validationShare` of the patients are held out.
    public static func split(_ samples: [TrainingSample], validationShare: Double, seed: UInt64)
        -> (training: [TrainingSample], validation: [TrainingSample]) {
        func held(_ patient: String) -> Bool {
            var h: UInt64 = seed &+ 1469598103934665603   // FNV-1a
            for b in patient.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
            return Double(h % 10000) / 10000 < validationShare
        }
        return (samples.filter { !held($0.patient) }, samples.filter { held($0.patient) })
    }
}
