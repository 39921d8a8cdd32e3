@testable import CaseStore
import Evaluation
import Foundation
import Scoring
import Testing
import UltrasoundImaging
@testable import Casework

/// The use cases on stored cases, without a terminal: what `steato` and the workstation both call.
@Suite(.serialized) struct CaseworkTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A fresh case database in a temporary folder.
    final class Scratch {
        let folder = NSTemporaryDirectory() + "steato-casework-\(UUID().uuidString)"
        let store: CaseStore
        init() throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            store = try CaseStore(path: folder + "/cases.sqlite")
        }
        deinit { try? FileManager.default.removeItem(atPath: folder) }

        func importPaths(_ paths: [String]) -> Int { Importer(store: store).run(ImportPlanner.plan(paths: paths)).imported }

        /// Imports some SampleStudies patients through their manifest rows (so scanner and references come too).
        func importSamples(_ patients: [String]) throws -> Int {
            let manifest = try String(contentsOfFile: CaseworkTests.root + "/SampleStudies/manifest.csv", encoding: .utf8)
            let lines = manifest.split(separator: "\n")
            let rows = lines.dropFirst().filter { line in patients.contains { line.hasPrefix($0 + "/") } }
                .map { CaseworkTests.root + "/SampleStudies/" + $0 }
            try ([String(lines[0])] + rows).joined(separator: "\n").write(toFile: folder + "/manifest.csv", atomically: true, encoding: .utf8)
            return importPaths([folder + "/manifest.csv"])
        }
    }

    @Test func shippedFilesAreFoundFromTheSourceTree() throws {
        #expect(InstalledFiles.defaultModel?.hasSuffix("Models/steatoscope-default.safetensors") == true)
        #expect(InstalledFiles.sampleStudies.map { FileManager.default.fileExists(atPath: $0 + "/manifest.csv") } == true)
        #expect(InstalledFiles.themes.map { FileManager.default.fileExists(atPath: $0 + "/default.theme") } == true)
        #expect(InstalledFiles.find("no/such/file") == nil)
    }

    /// `score --all` prepares the next study while this one is scored: same reports, same order, and a
    /// study that cannot be read fails alone.
    @Test func thePipelineScoresLikeOneStudyAtATime() throws {
        let s = try Scratch()
        _ = try s.importSamples(["SIM00001", "SIM00002", "SIM00003"])
        let model = try ModelLocator.load(explicit: InstalledFiles.defaultModel)
        let ids = try s.store.studyIds(unscoredOnly: false)
        #expect(ids.count == 3)
        let alone = try ids.map { try StudyScoring.score(studyId: $0, store: s.store, model: model).report }
        var piped: [(Int64, Result<ScoredStudy, Error>)] = []
        StudyPipeline.score(ids + [987_654], store: s.store, model: model) { piped.append(($0, $1)) }
        #expect(piped.map(\.0) == ids + [987_654])
        for (report, (_, result)) in zip(alone, piped) {
            let other = try result.get().report
            #expect(other.studyId == report.studyId && other.score == report.score && other.grade == report.grade)
            #expect(other.images.map(\.score) == report.images.map(\.score))
        }
        if case .success = piped.last!.1 { Issue.record("a study that does not exist was scored") }
    }

    @Test func scoringAStoredStudyWritesTheReportAndTheScores() throws {
        let s = try Scratch()
        #expect(s.importPaths([Self.root + "/SampleStudies/SIM00004"]) == 9)
        let id = try #require(try s.store.studyIds(unscoredOnly: true).first)
        let model = try ModelLocator.load(explicit: InstalledFiles.defaultModel)
        let result = try StudyScoring.score(studyId: id, store: s.store, model: model)
        let report = result.report

        #expect(report.studyId == "SIM00004-1" && report.patientId == "SIM00004")
        #expect(report.images.count == 9)
        // Each view is the mean of its scored images; refused images count for nothing and have no score.
        let scored: [StudyReport.ImageResult] = report.images.filter { $0.refused == nil }
        // How often the model refuses is the model card's business; here enough must be scored to check the sums.
        #expect(scored.count >= 3, "the model refused \(9 - scored.count) of 9 sample images")
        for (name, summary) in report.views {
            // Imported from a folder, the images are untagged: each counts under its suggested view.
            let values: [Double] = scored.filter { ($0.view ?? $0.viewSuggested).rawValue == name }.compactMap(\.score)
            let mean = values.reduce(0, +) / Double(values.count)
            #expect(summary.nImages == values.count)
            #expect(abs(summary.score - mean) < 0.002)
        }
        #expect(report.images.filter { $0.refused != nil }.allSatisfy { $0.score == nil && $0.grade == nil })
        // The study is the mean of the view means, and every level reads its grade by one rule.
        let viewScores: [Double] = report.views.values.map(\.score)
        let viewMean = viewScores.reduce(0, +) / Double(viewScores.count)
        let score = try #require(report.score)
        #expect(abs(score - viewMean) < 0.002)
        // Scores are reported on the model's grade scale, so each rounds to its grade.
        #expect(report.grade == ScoreRule.standard.grade(score).rawValue)
        #expect(report.views.values.allSatisfy { $0.grade == ScoreRule.standard.grade($0.score).rawValue })
        for image in scored {
            let total: Double = image.probs.reduce(0, +)
            #expect(abs(total - 1) < 0.01 && image.grade == image.score.map { ScoreRule.standard.grade($0).rawValue })
        }
        #expect((report.scoreSd ?? 0) > 0)
        #expect(report.model.sha256 == model.sha256 && report.software == SoftwareVersion.current)

        // What was saved is what was reported.
        let detail = try s.store.detail(studyId: id)
        let saved = try #require(detail.studyScore)
        #expect(abs((saved.score ?? -9) - score) < 0.0005 && saved.grade == report.grade && saved.flags == report.flags)
        #expect(saved.software == SoftwareVersion.current && detail.study.status == .scored)
        #expect(Set(detail.viewScores.map(\.view.rawValue)) == Set(report.views.keys))
        for image in report.images {
            let stored = try #require(detail.imageScores[image.imageId])
            #expect(stored.refused == image.refused && stored.viewSuggested == image.viewSuggested)
            #expect(abs((stored.score ?? -9) - (image.score ?? -9)) < 0.0005)
            #expect(zip(stored.probs, image.probs).allSatisfy { abs($0 - $1) < 0.0006 })
        }

        // The JSON line carries exactly the contract's keys, nulls included, and reads back as the same report.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["study_id", "patient_id", "score", "score_sd", "grade", "fat_pct", "views", "images", "model",
                                     "software", "flags"])
        let firstImage = try #require((object["images"] as? [[String: Any]])?.first)
        #expect(Set(firstImage.keys) == ["image_id", "sha256", "file", "view", "view_suggested", "score", "grade", "probs", "quality",
                                         "refused"])
        #expect(try JSONDecoder().decode(StudyReport.self, from: Data(report.json.utf8)) == report)
        #expect(result.text.hasPrefix("study \(id) SIM00004/SIM00004-1: score "))
    }

    @Test func anUntaggedImageIsReportedWithANullView() throws {
        let s = try Scratch()
        _ = s.importPaths([Self.root + "/SampleStudies/SIM00001"])
        let id = try #require(try s.store.studyIds(unscoredOnly: true).first)
        let first = try s.store.detail(studyId: id).images[0]
        try s.store.tag(imageIds: [first.id!], view: nil)
        let report = try StudyScoring.score(studyId: id, store: s.store, model: try ModelLocator.load(explicit: nil)).report
        #expect(report.flags.contains("views-suggested"))
        #expect(report.json.contains("\"view\":null"))
    }

    /// The one hepatorenal-index definition: boxes are in pixels of the whole stored frame, also for a
    /// DICOM frame whose B-mode region starts elsewhere (reference means from pydicom and numpy).
    @Test func hepatorenalIndexOnADicomFrameUsesTheWholeFrame() throws {
        struct Reference: Decodable { var liver: [Int]; var kidney: [Int]; var hri: Double; var hri_on_crop: Double; var region_origin: [Int] }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Self.root + "/Tests/Fixtures/casework/hri.json")))
        #expect(reference.region_origin != [0, 0], "the fixture must crop somewhere else than the origin")
        let s = try Scratch()
        #expect(s.importPaths([Self.root + "/Tests/Fixtures/dicom/implicit-vr.dcm"]) == 1)
        let id = try #require(try s.store.studyIds(unscoredOnly: false).first)
        let image = try s.store.detail(studyId: id).images[0]
        func rect(_ v: [Int]) -> Rect { Rect(x: v[0], y: v[1], width: v[2], height: v[3]) }
        let measured = try #require(try EvaluationRows.hepatorenalIndex(image, liver: rect(reference.liver), kidney: rect(reference.kidney), store: s.store))
        #expect(abs(measured - reference.hri) < 1e-9)
        #expect(abs(measured - reference.hri_on_crop) > 0.01)
    }

    @Test func referenceStandardsBecomeGradesAtTheirCutoffs() {
        func reference(fat: Double? = nil, cap: Double? = nil, pdff: Double? = nil) -> Reference {
            Reference(studyId: 1, histologyFatPct: fat, reportGrade: nil, capDbm: cap, mriPdffPct: pdff)
        }
        #expect([4.9, 5, 32.9, 33, 66, 70].map { ReferenceStandard.histology.grade(reference(fat: $0)) } == [0, 1, 1, 2, 3, 3])
        #expect([247, 248, 268, 280].map { ReferenceStandard.cap.grade(reference(cap: $0)) } == [0, 1, 2, 3])
        #expect([4.9, 5, 14, 22].map { ReferenceStandard.pdff.grade(reference(pdff: $0)) } == [0, 1, 2, 3])
        #expect(ReferenceStandard.report.grade(reference(fat: 40)) == nil && ReferenceStandard.cap.grade(nil) == nil)
    }

    @Test func adaptationNeedsSixteenImagesAndThenStoresTheScannersStatistics() throws {
        let s = try Scratch()
        #expect(try s.importSamples(["SIM00001"]) == 9)
        let scanner = try #require(try s.store.detail(studyId: try s.store.studyIds(unscoredOnly: false)[0]).study.scanner)
        let model = try ModelLocator.load(explicit: nil)
        #expect {
            try ScannerAdaptation.adapt(scanner: scanner, store: s.store, model: model)
        } throws: { error in
            "\(error)" == "scanner '\(scanner)': 9 usable images; adaptation needs at least 16"
        }
        #expect(try s.store.adaptation(scanner: scanner, modelSha256: model.sha256) == nil)

        // SIM00007 is the other patient on the same scanner: 18 images are enough.
        #expect(try s.importSamples(["SIM00007"]) == 9)
        #expect(try ScannerAdaptation.adapt(scanner: scanner, store: s.store, model: model) == 18)
        #expect(try s.store.adaptation(scanner: scanner, modelSha256: model.sha256) != nil)
        let id = try s.store.studyIds(unscoredOnly: false)[0]
        #expect(try StudyScoring.score(studyId: id, store: s.store, model: model).report.flags.contains("scanner-adapted"))
    }

    @Test func trainingSplitKeepsEachPatientOnOneSide() {
        let input = NetworkInput(size: 4, intensity: Array(repeating: 0.5, count: 16), mask: Array(repeating: true, count: 16),
                                 rowDepth: [0.1, 0.4, 0.6, 0.9])
        let samples = (0..<400).map { TrainingSample(input: input, grade: $0 % 4, fatPercent: nil, view: 0, patient: "P\($0 / 4)") }
        let (training, validation) = TrainingSet.split(samples, validationShare: 0.2, seed: 3)
        #expect(training.count + validation.count == 400)
        #expect(Set(training.map(\.patient)).isDisjoint(with: validation.map(\.patient)))
        let share = Double(Set(validation.map(\.patient)).count) / 100
        #expect(share > 0.08 && share < 0.35)
        #expect(TrainingSet.split(samples, validationShare: 0.2, seed: 3).validation.map(\.patient) == validation.map(\.patient))
    }

    @Test func evaluationRefusesTooFewStudies() throws {
        let s = try Scratch()
        #expect(throws: StudyEvaluation.TooFewStudies.self) { try StudyEvaluation(store: s.store, reference: .histology) }
    }

    /// `steato fan` shows the input scoring would prepare: a DICOM file's declared spacing and regions count.
    @Test func theFanSheetPreparesAFileAsScoringDoes() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.root + "/Tests/Fixtures/dicom/regions/duplex.dcm")))
        let row = try FanSheet.row(file: bytes)
        let input = try #require(row.input)
        #expect(input.scale == .declared && input.declaresDopplerOrMMode)
        #expect(row.image.height == 480)   // the declared B-mode region, without the Doppler strip below it
    }
}
