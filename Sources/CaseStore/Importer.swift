import Foundation
import GRDB
import UltrasoundImaging

/// What happened to one planned study.
public struct StudyOutcome: Sendable, Equatable {
    public var patientKey: String
    public var studyKey: String
    public var studyId: Int64?
    public var imported = 0
    public var duplicates = 0
    public var rejected = 0
    /// Report texts stored with the study.
    public var reports = 0
    /// The study failed because the disk is full: the import stops here.
    public var diskFull = false
}

public struct ImportSummary: Sendable, Equatable {
    public var imported = 0
    public var reports = 0
    public var duplicates = 0
    public var rejected = 0
    public var studiesImported = 0
    public var studiesRejected = 0
    public var interrupted = false
    /// Stopped at a full disk: the studies after it were not started.
    public var diskFull = false
    public var studiesNotStarted = 0
}

public enum ImportEvent: Sendable {
    case rejected(Rejection)
    case progress(done: Int, total: Int)
    case study(StudyOutcome)
}

/// Imports planned studies: each study's files are read, decoded and stored first, then its rows are
/// written in one transaction, so a crash, a kill or an error leaves whole studies or none.
public final class Importer: @unchecked Sendable {
    public let store: CaseStore
    /// Files larger than this are refused before they are read.
    public static let maxFileBytes = 512 << 20
    /// Test hook: called inside the transaction after each image row; throwing aborts the study.
    public var afterImageInserted: (@Sendable (Int) throws -> Void)?
    /// Which frames of a cine DICOM file become images.
    public var frames = FrameSelection.first

    public init(store: CaseStore) { self.store = store }

    /// A decoded, hashed file ready to be written.
    struct ReadyImage: Sendable {
        var planned: PlannedImage
        var sha256: String
        var format: ImageFormat
        var width: Int
        var height: Int
        var channels: Int
        var frameNumber = 0
        var frameCount = 1
        var acquisition: String?
        var sopInstanceUID: String?
        var seriesInstanceUID: String?
    }

    /// A report's text, read and hashed.
    struct ReadyReport: Sendable {
        var source: StoredReport.Source
        var fileName: String
        var sha256: String
        var text: String
    }

    /// Report files larger than this are not reports.
    static let maxReportBytes = 4 << 20

    public func run(_ plan: ImportPlan, shouldStop: () -> Bool = { false },
                    onEvent: (ImportEvent) -> Void = { _ in }) -> ImportSummary {
        var summary = ImportSummary()
        for rejection in plan.rejections {
            summary.rejected += 1
            onEvent(.rejected(rejection))
        }
        let total = plan.imageCount
        var done = 0
        for (index, study) in plan.studies.enumerated() {
            if shouldStop() { summary.interrupted = true; break }
            let outcome = importStudy(study, onEvent: onEvent)
            done += study.images.count
            summary.imported += outcome.imported
            summary.duplicates += outcome.duplicates
            summary.rejected += outcome.rejected
            summary.reports += outcome.reports
            if outcome.imported > 0 { summary.studiesImported += 1 }
            if outcome.imported == 0 && outcome.rejected > 0 { summary.studiesRejected += 1 }
            onEvent(.study(outcome))
            onEvent(.progress(done: done, total: total))
            if outcome.diskFull {
                summary.diskFull = true
                summary.studiesNotStarted = plan.studies.count - index - 1
                break
            }
        }
        return summary
    }

    func importStudy(_ study: PlannedStudy, onEvent: (ImportEvent) -> Void) -> StudyOutcome {
        var outcome = StudyOutcome(patientKey: study.patientKey, studyKey: study.studyKey)
        var problems = study.problems
        var ready: [ReadyImage] = []
        var bytesBySha: [String: [UInt8]] = [:]
        // A manifest study with a bad row is refused before any of its files is read.
        let images = study.wholeOrNothing && !problems.isEmpty ? [] : study.images
        // Files are read, decoded and hashed on all cores, then taken in the plan's order.
        let results = ConcurrentSlots<Result<([ReadyImage], [UInt8]), Error>>(count: images.count)
        DispatchQueue.concurrentPerform(iterations: images.count) { i in results.set(i, Result { try self.read(images[i]) }) }
        for (planned, result) in zip(images, results.values) {
            do {
                let (images, bytes) = try result!.get()
                if bytesBySha[images[0].sha256] != nil { outcome.duplicates += images.count; continue }
                bytesBySha[images[0].sha256] = bytes
                ready += images
            } catch {
                problems.append(Rejection(path: planned.label, reason: "\(error)"))
                if !study.wholeOrNothing { outcome.rejected += 1 }
            }
        }
        var reports: [ReadyReport] = []
        for planned in study.reports where !(study.wholeOrNothing && !problems.isEmpty) {
            do { reports.append(try readReport(planned)) } catch {
                problems.append(Rejection(path: planned.label, reason: "\(error)"))
                if !study.wholeOrNothing { outcome.rejected += 1 }
            }
        }
        for problem in problems { onEvent(.rejected(problem)) }
        if study.wholeOrNothing && !problems.isEmpty {
            outcome.rejected = study.images.count + study.invalidRows
            outcome.duplicates = 0
            onEvent(.rejected(Rejection(path: "study \(study.studyKey) of patient \(study.patientKey)",
                                        reason: "not imported (\(problems.count) problem\(problems.count == 1 ? "" : "s") above)")))
            return outcome
        }
        if ready.isEmpty && reports.isEmpty { return outcome }
        do {
            // Each file once (a cine's frames share one).
            var seen = Set<String>()
            try store.images.store(ready.filter { seen.insert($0.sha256).inserted }.map { (bytes: bytesBySha[$0.sha256]!, sha256: $0.sha256) })
            let who = CaseStore.currentUser
            let hook = afterImageInserted
            let readyImages = ready, readyReports = reports
            let (studyId, inserted, reportsAdded) = try store.write { db in
                try Self.insert(study, readyImages, readyReports, who: who, hook: hook, db: db)
            }
            outcome.studyId = studyId
            outcome.imported = inserted
            outcome.reports = reportsAdded
            outcome.duplicates += ready.count - inserted
        } catch {
            onEvent(.rejected(Rejection(path: "study \(study.studyKey) of patient \(study.patientKey)",
                                        reason: "not imported (\(error))")))
            outcome.rejected += ready.count + reports.count
            if case .diskFull = error as? CaseStoreError { outcome.diskFull = true }
        }
        return outcome
    }

    /// Reads a report file: a DICOM SR's text items, or a text file (UTF-8, else Latin-1).
    private func readReport(_ planned: PlannedReport) throws -> ReadyReport {
        guard let data = FileManager.default.contents(atPath: planned.path) else { throw CaseStoreError.invalid("cannot read file") }
        guard data.count <= Self.maxReportBytes else {
            throw CaseStoreError.invalid("a report of \(data.count >> 20) MB, more than \(Self.maxReportBytes >> 20) MB")
        }
        let bytes = [UInt8](data)
        return ReadyReport(source: planned.isDicom ? .dicomSR : .text, fileName: (planned.path as NSString).lastPathComponent,
                           sha256: SHA256.hex(bytes), text: try Self.reportText(bytes, isDicom: planned.isDicom))
    }

    /// A report file's text, trimmed: a DICOM SR's text items, or a text file (UTF-8, else Latin-1).
    public static func reportText(_ bytes: [UInt8], isDicom: Bool) throws -> String {
        let text: String
        if isDicom {
            guard let t = try DicomFile.reportText(bytes: bytes) else { throw CaseStoreError.invalid("a structured report with no text in it") }
            text = t
        } else {
            guard !bytes.contains(0) else { throw CaseStoreError.invalid("not a text file (it holds NUL bytes)") }
            text = String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })  // else Latin-1
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CaseStoreError.invalid("an empty report") }
        return trimmed
    }

    /// Reads, decodes and hashes one file: one ready image, or one per chosen frame of a DICOM file.
    private func read(_ planned: PlannedImage) throws -> ([ReadyImage], [UInt8]) {
        var info = stat()
        guard stat(planned.path, &info) == 0 else { throw CaseStoreError.invalid("cannot read file (\(ImageStore.errnoText()))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CaseStoreError.invalid("not a regular file") }
        guard Int(info.st_size) <= Self.maxFileBytes else {
            throw CaseStoreError.invalid("file is \(info.st_size >> 20) MB, more than \(Self.maxFileBytes >> 20) MB")
        }
        guard let data = FileManager.default.contents(atPath: planned.path) else {
            throw CaseStoreError.invalid("cannot read file")
        }
        let bytes = [UInt8](data)
        if ImageFormat.sniff(bytes) == .dicom { return (try readDicom(planned, bytes), bytes) }
        let (format, image) = try ImageDecoder.decode(bytes)
        for (name, roi) in [("liver_roi", planned.liverROI), ("kidney_roi", planned.kidneyROI)] {
            if let roi, roi.x + roi.width > image.width || roi.y + roi.height > image.height {
                throw CaseStoreError.invalid("\(name) \(roi.x) \(roi.y) \(roi.width) \(roi.height) lies outside the \(image.width)×\(image.height) image")
            }
        }
        let ready = ReadyImage(planned: planned, sha256: SHA256.hex(bytes), format: format,
                               width: image.width, height: image.height, channels: image.channels)
        return ([ready], bytes)
    }

    /// Every chosen frame is decoded now, so a file that imports is a file that scores.
    private func readDicom(_ planned: PlannedImage, _ bytes: [UInt8]) throws -> [ReadyImage] {
        let file = try DicomFile(bytes: bytes)
        let sha = SHA256.hex(bytes)
        let m = file.metadata
        let acquisition = DicomAcquisition(m)
        let json = String(decoding: try JSONEncoder.sorted.encode(acquisition), as: UTF8.self)
        return try frames.frames(of: file.frameCount).map { n in
            let image = try file.frame(n)
            return ReadyImage(planned: planned, sha256: sha, format: .dicom, width: image.width, height: image.height,
                              channels: image.channels, frameNumber: n, frameCount: file.frameCount, acquisition: json,
                              sopInstanceUID: m.sopInstanceUID, seriesInstanceUID: m.seriesInstanceUID)
        }
    }

    /// Writes one study; runs inside the caller's transaction. Returns the study id and the images inserted.
    private static func insert(_ planned: PlannedStudy, _ ready: [ReadyImage], _ reports: [ReadyReport], who: String,
                               hook: (@Sendable (Int) throws -> Void)?, db: Database) throws -> (Int64?, Int, Int) {
        let now = Date()
        var seen = Set<String>()
        let fresh = try ready.filter { image in
            // Once per file frame and per SOP instance frame, in this study and in the database.
            let keys = ["\(image.sha256)/\(image.frameNumber)"] + (image.sopInstanceUID.map { ["sop \($0)/\(image.frameNumber)"] } ?? [])
            guard keys.allSatisfy({ !seen.contains($0) }) else { return false }
            seen.formUnion(keys)
            guard try ImageRecord.filter(Column("sha256") == image.sha256 && Column("frameNumber") == image.frameNumber).isEmpty(db) else { return false }
            guard let sop = image.sopInstanceUID else { return true }
            return try ImageRecord.filter(Column("sopInstanceUID") == sop && Column("frameNumber") == image.frameNumber).isEmpty(db)
        }
        if fresh.isEmpty {
            guard !reports.isEmpty else { return (nil, 0, 0) }
            // A report sent after its images (an SR from the reporting system) joins the study already here.
            guard let study = try existingStudy(planned, db), let studyId = study.id else {
                throw CaseStoreError.notFound("no study \(planned.studyKey) of patient \(planned.patientKey) for its report: import the images with it")
            }
            return (studyId, 0, try insertReports(reports, studyId: studyId, who: who, db: db))
        }

        var patient = try Patient.filter(Column("patientKey") == planned.patientKey).fetchOne(db)
            ?? Patient(patientKey: planned.patientKey, name: planned.patientName, birthDate: planned.patientBirthDate,
                       sex: planned.patientSex, createdAt: now)
        if patient.id == nil {
            try patient.insert(db)
        } else if patient.name == nil && planned.patientName != nil || patient.birthDate == nil && planned.patientBirthDate != nil
                    || patient.sex == nil && planned.patientSex != nil {
            patient.name = patient.name ?? planned.patientName
            patient.birthDate = patient.birthDate ?? planned.patientBirthDate
            patient.sex = patient.sex ?? planned.patientSex
            try patient.update(db)
        }
        var study = try existingStudy(planned, patientId: patient.id!, db)
            ?? Study(patientId: patient.id!, studyKey: planned.studyKey, studyDate: planned.studyDate,
                     scanner: planned.scanner, description: planned.description, accession: planned.accession,
                     studyInstanceUID: planned.studyInstanceUID, imageCount: 0, status: .new, importedAt: now)
        if study.id == nil {
            try study.insert(db)
        } else {
            study.studyDate = study.studyDate ?? planned.studyDate
            study.scanner = study.scanner ?? planned.scanner
            study.description = study.description ?? planned.description
            study.accession = study.accession ?? planned.accession
            study.studyInstanceUID = study.studyInstanceUID ?? planned.studyInstanceUID
            if study.status == .scored { study.status = .new }  // the old score no longer covers every image
            try study.update(db)
        }
        let studyId = study.id!

        for (n, image) in fresh.enumerated() {
            var record = ImageRecord(
                studyId: studyId, sha256: image.sha256, frameNumber: image.frameNumber, frameCount: image.frameCount,
                originalName: (image.planned.path as NSString).lastPathComponent, format: image.format.rawValue,
                width: image.width, height: image.height, channels: image.channels, scanner: planned.scanner,
                acquisition: image.acquisition, importedAt: now, view: image.planned.view,
                viewTaggedBy: image.planned.view == nil ? nil : who,
                viewTaggedAt: image.planned.view == nil ? nil : now,
                sopInstanceUID: image.sopInstanceUID, seriesInstanceUID: image.seriesInstanceUID,
                pixelSpacingMm: image.planned.pixelSpacingMm)
            try record.insert(db)
            if let view = image.planned.view {
                var entry = AuditEntry(who: who, action: "tag", entity: "image", entityId: record.id,
                                       oldValue: nil, newValue: view.rawValue, at: now)
                try entry.insert(db)
            }
            for (kind, rect) in [(ROI.Kind.liver, image.planned.liverROI), (.kidney, image.planned.kidneyROI)] {
                guard let rect else { continue }
                var roi = ROI(imageId: record.id!, kind: kind, x: rect.x, y: rect.y,
                              width: rect.width, height: rect.height, createdBy: who, createdAt: now)
                try roi.insert(db)
            }
            try hook?(n + 1)
        }

        if !planned.references.isEmpty {
            var reference = try Reference.fetchOne(db, key: studyId) ?? Reference(studyId: studyId)
            let old = reference
            reference.histologyFatPct = planned.references.histologyFatPct ?? reference.histologyFatPct
            reference.reportGrade = planned.references.reportGrade ?? reference.reportGrade
            reference.capDbm = planned.references.capDbm ?? reference.capDbm
            reference.mriPdffPct = planned.references.mriPdffPct ?? reference.mriPdffPct
            if reference != old {
                try reference.save(db)
                var entry = AuditEntry(who: who, action: "reference", entity: "study", entityId: studyId,
                                       oldValue: old.isEmpty ? nil : old.summary, newValue: reference.summary, at: now)
                try entry.insert(db)
            }
        }
        try db.execute(sql: "UPDATE study SET imageCount = (SELECT COUNT(*) FROM image WHERE studyId = ?) WHERE id = ?",
                       arguments: [studyId, studyId])
        var entry = AuditEntry(who: who, action: "import", entity: "study", entityId: studyId,
                               oldValue: nil, newValue: "\(fresh.count) image\(fresh.count == 1 ? "" : "s")", at: now)
        try entry.insert(db)
        return (studyId, fresh.count, try insertReports(reports, studyId: studyId, who: who, db: db))
    }

    /// The study a planned study names, by instance UID, else by study key, within its patient.
    private static func existingStudy(_ planned: PlannedStudy, patientId: Int64? = nil, _ db: Database) throws -> Study? {
        guard let pid = try patientId ?? Patient.filter(Column("patientKey") == planned.patientKey).fetchOne(db)?.id else { return nil }
        if let uid = planned.studyInstanceUID,
           let study = try Study.filter(Column("patientId") == pid && Column("studyInstanceUID") == uid).fetchOne(db) { return study }
        return try Study.filter(Column("patientId") == pid && Column("studyKey") == planned.studyKey).fetchOne(db)
    }

    /// Stores reports not already held for the study (same bytes), audited; returns how many were new.
    private static func insertReports(_ reports: [ReadyReport], studyId: Int64, who: String, db: Database) throws -> Int {
        var added = 0
        for r in reports {
            guard try StoredReport.filter(Column("studyId") == studyId && Column("sha256") == r.sha256).isEmpty(db) else { continue }
            var record = StoredReport(studyId: studyId, source: r.source, fileName: r.fileName, sha256: r.sha256, text: r.text, importedAt: Date())
            try record.insert(db)
            var entry = AuditEntry(who: who, action: "report", entity: "study", entityId: studyId,
                                   oldValue: nil, newValue: "\(r.source.rawValue) \(r.fileName)", at: Date())
            try entry.insert(db)
            added += 1
        }
        return added
    }
}

extension Reference {
    init(studyId: Int64) { self.init(studyId: studyId, histologyFatPct: nil, reportGrade: nil, capDbm: nil, mriPdffPct: nil) }

    /// A compact text form for the audit log.
    var summary: String {
        var parts: [String] = []
        if let v = histologyFatPct { parts.append("histology \(v)%") }
        if let v = reportGrade { parts.append("report grade \(v)") }
        if let v = capDbm { parts.append("CAP \(v) dB/m") }
        if let v = mriPdffPct { parts.append("MRI-PDFF \(v)%") }
        return parts.joined(separator: ", ")
    }
}
