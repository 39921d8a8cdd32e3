import Foundation
import UltrasoundImaging

/// A file or row that will not be imported, with the reason, printed as `path: reason`.
public struct Rejection: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

/// Values known for a study from its manifest rows.
public struct ReferenceValues: Sendable, Equatable {
    public var histologyFatPct: Double?
    public var reportGrade: Int?
    public var capDbm: Double?
    public var mriPdffPct: Double?
    public var isEmpty: Bool { self == ReferenceValues() }
    public init(histologyFatPct: Double? = nil, reportGrade: Int? = nil, capDbm: Double? = nil, mriPdffPct: Double? = nil) {
        self.histologyFatPct = histologyFatPct; self.reportGrade = reportGrade
        self.capDbm = capDbm; self.mriPdffPct = mriPdffPct
    }
}

public struct PlannedImage: Sendable, Equatable {
    public var path: String
    public var view: View?
    public var liverROI: Rect?
    public var kidneyROI: Rect?
    /// The physical size of a pixel (mm), from the manifest.
    public var pixelSpacingMm: Double?
    /// The manifest row, when the image came from one.
    public var line: Int?
    /// How the file is named in messages: `manifest.csv:row 4 (a.jpg)` or the path itself.
    public var label: String
    /// What a DICOM file's header says (patient and study come from it, not from folders).
    public var dicom: DicomMetadata?
}

/// A report file that came with a study's images: a DICOM structured report or a text file.
public struct PlannedReport: Sendable, Equatable {
    public var path: String
    public var label: String
    public var isDicom: Bool
}

/// The images that make one study, imported in one transaction.
public struct PlannedStudy: Sendable, Equatable {
    public var patientKey: String
    public var patientName: String?
    public var studyKey: String
    public var studyDate: String?
    public var scanner: String?
    public var patientBirthDate: String?
    public var patientSex: String?
    public var description: String?
    public var accession: String?
    public var studyInstanceUID: String?
    public var references = ReferenceValues()
    public var images: [PlannedImage] = []
    /// Report texts found beside the images (stored with the study, read by `steato labels --from-db`).
    public var reports: [PlannedReport] = []
    /// A manifest declares its studies whole: one bad row or image and the study is not imported.
    /// Loose files are grouped by folder, so one bad file is rejected and the rest goes on.
    public var wholeOrNothing: Bool
    /// Problems found while planning; a study with any is not imported.
    public var problems: [Rejection] = []
    /// Manifest rows of this study too broken to become a planned image.
    public var invalidRows = 0
}

public struct ImportPlan: Sendable {
    public var studies: [PlannedStudy] = []
    /// Rejections that belong to no study (unreadable paths, broken manifests).
    public var rejections: [Rejection] = []
    public var imageCount: Int { studies.reduce(0) { $0 + $1.images.count } }
    public var reportCount: Int { studies.reduce(0) { $0 + $1.reports.count } }
}

/// Turns the paths a user names into studies: manifests by their rows, loose files by folder
/// (`patient/study/file`; a flat folder is one study).
public enum ImportPlanner {
    public static let manifestName = "manifest.csv"

    public static func plan(paths: [String]) -> ImportPlan {
        var plan = ImportPlan()
        var loose: [(path: String, patient: String, study: String)] = []
        let fm = FileManager.default
        for rawPath in paths {
            let path = URL(fileURLWithPath: rawPath).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                plan.rejections.append(Rejection(path: rawPath, reason: "no such file or folder"))
                continue
            }
            if isDirectory.boolValue {
                walk(folder: path, display: rawPath, ancestors: [(path as NSString).lastPathComponent],
                     plan: &plan, loose: &loose)
            } else if path.lowercased().hasSuffix(".csv") {
                addManifest(path: path, display: rawPath, to: &plan)
            } else {
                let folder = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
                loose.append((rawPath, folder, folder))
            }
        }
        var byKey: [String: Int] = [:]
        for file in loose {
            let dicom = dicomHeader(file.path)
            if dicom?.sopClassUID == DicomMetadata.directorySOPClass { continue }  // a DICOMDIR lists the files we walk anyway
            var study = PlannedStudy(patientKey: file.patient, studyKey: file.study, wholeOrNothing: false)
            if let dicom { study = dicomStudy(dicom, fallback: study) }
            let key = study.patientKey + "\u{0}" + study.studyKey
            if byKey[key] == nil {
                byKey[key] = plan.studies.count
                plan.studies.append(study)
            }
            if dicom?.isStructuredReport == true || dicom == nil && isReportText(file.path) {
                plan.studies[byKey[key]!].reports.append(PlannedReport(path: file.path, label: file.path, isDicom: dicom != nil))
                continue
            }
            plan.studies[byKey[key]!].images.append(PlannedImage(path: file.path, label: file.path, dicom: dicom))
        }
        return plan
    }

    /// A text file whose name says it is a report (`report.txt`, `US-report-2024.txt`).
    static func isReportText(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent.lowercased()
        return name.hasSuffix(".txt") && name.contains("report")
    }

    /// The header of a DICOM file (read from its first megabyte, or all of it if the header is longer),
    /// or nil for other files and for DICOM files too broken to read, which the importer then rejects.
    static func dicomHeader(_ path: String) -> DicomMetadata? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let start = try? handle.read(upToCount: 1 << 20), ImageFormat.sniff([UInt8](start)) == .dicom else { return nil }
        if let metadata = try? DicomFile.metadata(headerBytes: [UInt8](start)) { return metadata }
        guard start.count == 1 << 20, let rest = try? handle.readToEnd() else { return nil }
        return try? DicomFile.metadata(headerBytes: [UInt8](start + rest))
    }

    /// A DICOM file's study: the patient by Patient ID, the study by accession number (else the Study
    /// ID, else its instance UID); the folders only when the file leaves them out.
    static func dicomStudy(_ m: DicomMetadata, fallback: PlannedStudy) -> PlannedStudy {
        var study = fallback
        if let id = m.patientId, !id.isEmpty { study.patientKey = id }
        if let key = m.accession ?? m.studyId ?? m.studyInstanceUID, !key.isEmpty { study.studyKey = key }
        study.patientName = m.patientName.map { $0.replacingOccurrences(of: "^", with: " ").trimmingCharacters(in: .whitespaces) }
        study.patientBirthDate = m.birthDate
        study.patientSex = m.sex
        study.studyDate = m.studyDate
        study.scanner = m.scanner
        study.description = m.studyDescription
        study.accession = m.accession
        study.studyInstanceUID = m.studyInstanceUID
        return study
    }

    private static func walk(folder: String, display: String, ancestors: [String],
                             plan: inout ImportPlan, loose: inout [(path: String, patient: String, study: String)]) {
        let fm = FileManager.default
        let manifest = folder + "/" + manifestName
        if fm.fileExists(atPath: manifest) {
            addManifest(path: manifest, display: display + "/" + manifestName, to: &plan)
            return
        }
        guard let entries = try? fm.contentsOfDirectory(atPath: folder) else {
            plan.rejections.append(Rejection(path: display, reason: "cannot read folder"))
            return
        }
        let study = ancestors[ancestors.count - 1]
        let patient = ancestors.count >= 2 ? ancestors[ancestors.count - 2] : study
        for name in entries.sorted() where !name.hasPrefix(".") {
            let child = folder + "/" + name
            let childDisplay = display.hasSuffix("/") ? display + name : display + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: child, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                walk(folder: child, display: childDisplay, ancestors: ancestors + [name], plan: &plan, loose: &loose)
            } else {
                loose.append((childDisplay, patient, study))
            }
        }
    }

    private static func addManifest(path: String, display: String, to plan: inout ImportPlan) {
        let manifest: Manifest
        do {
            manifest = try Manifest(path: path)
        } catch let error as CaseStoreError {
            plan.rejections.append(Rejection(path: display, reason: Self.stripPath(error.description, path)))
            return
        } catch {
            plan.rejections.append(Rejection(path: display, reason: "\(error)"))
            return
        }
        let base = (path as NSString).deletingLastPathComponent
        var index: [String: Int] = [:]
        func studyIndex(patient: String, study: String) -> Int {
            let key = patient + "\u{0}" + study
            if let i = index[key] { return i }
            index[key] = plan.studies.count
            plan.studies.append(PlannedStudy(patientKey: patient, studyKey: study, wholeOrNothing: true))
            return plan.studies.count - 1
        }
        for problem in manifest.rowErrors {
            let rejection = Rejection(path: "\(display):row \(problem.line)", reason: problem.reason)
            if let patient = problem.patientKey, let study = problem.studyKey {
                let i = studyIndex(patient: patient, study: study)
                plan.studies[i].problems.append(rejection)
                plan.studies[i].invalidRows += 1
            } else {
                plan.rejections.append(rejection)
            }
        }
        for row in manifest.rows {
            let i = studyIndex(patient: row.patientKey, study: row.studyKey)
            let where_ = "\(display):row \(row.line)"
            let imagePath = row.imagePath.hasPrefix("/") ? row.imagePath : base + "/" + row.imagePath
            var study = plan.studies[i]
            var conflicts: [String] = []
            merge(&study.patientName, row.patientName, "patient_name", &conflicts)
            merge(&study.studyDate, row.studyDate, "study_date", &conflicts)
            merge(&study.scanner, row.scanner, "scanner", &conflicts)
            merge(&study.references.histologyFatPct, row.histologyFatPct, "histology_fat_pct", &conflicts)
            merge(&study.references.reportGrade, row.reportGrade, "report_grade", &conflicts)
            merge(&study.references.capDbm, row.capDbm, "cap_dbm", &conflicts)
            merge(&study.references.mriPdffPct, row.mriPdffPct, "mri_pdff_pct", &conflicts)
            for column in conflicts {
                study.problems.append(Rejection(path: where_, reason: "\(column) differs from an earlier row of study \(row.studyKey)"))
            }
            if !FileManager.default.fileExists(atPath: imagePath) {
                study.problems.append(Rejection(path: where_, reason: "image '\(row.imagePath)' not found"))
            }
            study.images.append(PlannedImage(path: imagePath, view: row.view, liverROI: row.liverROI,
                                              kidneyROI: row.kidneyROI, pixelSpacingMm: row.pixelSpacingMm, line: row.line,
                                              label: "\(where_) (\(row.imagePath))"))
            plan.studies[i] = study
        }
    }

    /// Keeps the first value of a study-level column; a different later value is a conflict.
    private static func merge<T: Equatable>(_ slot: inout T?, _ value: T?, _ column: String, _ conflicts: inout [String]) {
        guard let value else { return }
        if let existing = slot, existing != value { conflicts.append(column); return }
        slot = value
    }

    private static func stripPath(_ message: String, _ path: String) -> String {
        message.hasPrefix(path + ": ") ? String(message.dropFirst(path.count + 2)) : message
    }
}
