import Foundation
import UltrasoundImaging

/// A simulated cohort written as JPEGs plus a manifest.csv in the DESIGN.md contract.
public enum Cohort {
    public struct Options: Sendable {
        public var patients: Int
        public var seed: UInt64
        public var scanners: [ScannerProfile] = ScannerProfile.all
        public var views: [View] = View.liverViews
        public var imagesPerView = 3
        public var studiesPerPatient = 1
        public var jpegQuality = 90
        /// Patient numbering starts here (so several cohorts can share a database).
        public var firstPatient = 1
        /// Cycle the true grades 0, 1, 2, 3, … over the patients instead of drawing them.
        public var balancedGrades = false
        /// Draw a new random scanner for every study (training) instead of picking from `scanners`.
        public var randomScanners = false
        /// Studies of scenes to refuse (other organs, poor frames), `imagesPerView` frames each, on random scanners.
        public var otherStudies = 0
        public init(patients: Int, seed: UInt64) { self.patients = patients; self.seed = seed }
    }

    /// One manifest row.
    public struct Row: Sendable {
        public var image: String
        public var patientID: String
        public var studyID: String
        public var studyDate: String
        public var scanner: String
        public var view: View
        public var histologyFatPct: Double?
        public var reportGrade: Int?
        public var capDbm: Double?
        public var liverROI: Rect?
        public var kidneyROI: Rect?
        public var pixelSpacingMm: Double
        /// For a scene to refuse: why.
        public var content: Refusal?
    }

    public static let manifestHeader =
        "image,patient_id,study_id,study_date,scanner,view,histology_fat_pct,report_grade,cap_dbm,liver_roi,kidney_roi,pixel_spacing_mm"

    /// The exams of a cohort, before any image is drawn.
    public static func exams(_ options: Options) -> [(exam: Exam, studyID: String, reportGrade: Int, cap: Double)] {
        var result: [(Exam, String, Int, Double)] = []
        for p in 0..<options.patients {
            let number = options.firstPatient + p
            let patient = SimulatedPatient(index: number, seed: options.seed, grade: options.balancedGrades ? p % 4 : nil)
            var rng = RandomSource(seed: options.seed, 3, UInt64(number))
            let firstScanner = Int(rng.next() % UInt64(options.scanners.count))
            for k in 0..<options.studiesPerPatient {
                let profile = options.randomScanners ? ScannerProfile.randomised(seed: rng.next())
                    : options.scanners[(firstScanner + k) % options.scanners.count]
                let day = Int(rng.next() % 360)
                let date = String(format: "2025-%02d-%02d", 1 + day / 30, 1 + day % 28)
                let exam = Exam(patient: patient, profile: profile, date: date, seed: rng.next())
                let report = Steatosis.readerGrade(trueGrade: patient.grade.rawValue, rng: &rng)
                let cap = Steatosis.cap(fatPercent: patient.fatPercent, rng: &rng)
                result.append((exam, String(format: "SIM%05d-%d", number, k + 1), report, (cap * 10).rounded() / 10))
            }
        }
        return result
    }

    /// Draws every image (on all cores), writes them under `directory`, then manifest.csv.
    /// Deterministic for a seed: the same options give the same bytes.
    public static func write(_ options: Options, to directory: String,
                             progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> [Row] {
        let exams = exams(options)
        // Scenes to refuse: their own "patients" (no fat, no references), each on a random scanner.
        let others: [(exam: Exam, scene: OtherScene, studyID: String)] = (0..<options.otherStudies).map { k in
            var rng = RandomSource(seed: options.seed, 4, UInt64(k))
            let patient = SimulatedPatient(index: 90_000 + k, fatPercent: rng.uniform(0, 30), seed: options.seed)
            let scene = OtherScene.allCases[k % OtherScene.allCases.count]
            let exam = Exam(patient: patient, profile: ScannerProfile.randomised(seed: rng.next()), date: "2025-06-01", seed: rng.next())
            return (exam, scene, String(format: "OTH%05d-1", k + 1))
        }
        struct Job { var examIndex: Int; var view: View; var frame: Int; var other: Int? }
        let jobs = exams.indices.flatMap { e in
            options.views.flatMap { v in (0..<options.imagesPerView).map { Job(examIndex: e, view: v, frame: $0, other: nil) } }
        } + others.indices.flatMap { o in (0..<options.imagesPerView).map { Job(examIndex: 0, view: .other, frame: $0, other: o) } }
        let results = ConcurrentSlots<Result<Row, Error>>(count: jobs.count)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            let job = jobs[i]
            do {
                let row: Row, image: PixelImage
                if let o = job.other {
                    let (exam, scene, studyID) = others[o]
                    let frame = exam.frame(other: scene, index: job.frame)
                    let patientID = String(studyID.prefix(8))
                    row = Row(image: "\(patientID)/\(studyID)/\(scene.rawValue)-\(job.frame + 1).jpg", patientID: patientID, studyID: studyID,
                              studyDate: exam.date, scanner: exam.profile.id, view: .other, pixelSpacingMm: 10 / frame.pixelsPerCm,
                              content: scene.refusal)
                    image = frame.image
                } else {
                    let (exam, studyID, report, cap) = exams[job.examIndex]
                    let patientID = String(format: "SIM%05d", exam.patient.index)
                    let frame = exam.frame(view: job.view, index: job.frame)
                    row = Row(image: "\(patientID)/\(studyID)/\(job.view.rawValue)-\(job.frame + 1).jpg", patientID: patientID,
                              studyID: studyID, studyDate: exam.date, scanner: exam.profile.id, view: job.view,
                              histologyFatPct: (exam.patient.fatPercent * 10).rounded() / 10, reportGrade: report, capDbm: cap,
                              liverROI: frame.liverROI, kidneyROI: frame.kidneyROI, pixelSpacingMm: 10 / frame.pixelsPerCm)
                    image = frame.image
                }
                let bytes = try JPEGCodec.encode(image, quality: options.jpegQuality)
                let path = directory + "/" + row.image
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
                }
                results.set(i, .success(row))
            } catch {
                results.set(i, .failure(error))
            }
            progress(results.done, jobs.count)
        }
        let rows = try results.values.map { try $0!.get() }
        let withContent = options.otherStudies > 0
        let header = manifestHeader + (withContent ? ",content" : "")
        let manifest = ([header] + rows.map { manifestLine($0, content: withContent) }).joined(separator: "\n") + "\n"
        try manifest.write(toFile: directory + "/manifest.csv", atomically: true, encoding: .utf8)
        return rows
    }

    static func manifestLine(_ r: Row, content: Bool) -> String {
        ([r.image, r.patientID, r.studyID, r.studyDate, r.scanner, r.view.rawValue,
          r.histologyFatPct.map { String($0) } ?? "", r.reportGrade.map(String.init) ?? "", r.capDbm.map { String($0) } ?? "",
          r.liverROI?.manifestText ?? "", r.kidneyROI?.manifestText ?? "", String(format: "%.4f", r.pixelSpacingMm)]
         + (content ? [r.content?.rawValue ?? "liver"] : [])).joined(separator: ",")
    }
}
