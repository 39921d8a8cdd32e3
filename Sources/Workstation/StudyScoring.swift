import CaseStore
import Foundation
import Scoring
import UltrasoundImaging

/// Scores one stored study and writes the result.
public enum StudyScoring {
    public struct Output: Sendable { public var json: String; public var text: String }

    public static func score(studyId: Int64, store: CaseStore, model: SteatosisModel) throws -> Output {
        let detail = try store.detail(studyId: studyId)
        // Each file is read and decoded once (a cine's frames share one), files in parallel; then every
        // image is preprocessed in parallel.
        let records = detail.images
        var fileOrder: [String] = [], grouping: [String: [Int]] = [:]
        for (i, record) in records.enumerated() {
            if grouping[record.sha256] == nil { fileOrder.append(record.sha256) }
            grouping[record.sha256, default: []].append(i)
        }
        let files = fileOrder, indicesByFile = grouping
        let blobs = try files.map { try store.images.load(sha256: $0) }
        let decoded = ConcurrentSlots<PixelImage>(count: records.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { f in
            let indices = indicesByFile[files[f]]!
            guard let images = try? ImageDecoder.decodeImagingAreas(blobs[f], frames: indices.map { records[$0].frameNumber }) else { return }
            for (k, i) in indices.enumerated() { decoded.set(i, images[k]) }
        }
        let prepared = ConcurrentSlots<NetworkInput>(count: records.count)
        DispatchQueue.concurrentPerform(iterations: records.count) { i in
            guard let pixels = decoded[i] else { return }
            prepared.set(i, NetworkInput(image: pixels, size: SteatosisNetwork.size))
        }
        var inputs: [NetworkInput] = [], views: [View?] = [], used: [ImageRecord] = []
        var unreadable: [String] = []
        for (i, image) in records.enumerated() {
            guard let input = prepared[i] else { unreadable.append(image.originalName); continue }
            inputs.append(input); views.append(image.view.flatMap(View.init(rawValue:))); used.append(image)
        }
        let adaptation = try detail.study.scanner.flatMap { try store.adaptation(scanner: $0, modelSha256: model.sha256) }
        let scores = try model.score(inputs, views: views, scanner: detail.study.scanner, adaptation: adaptation)
        var result = StudyResult.aggregate(scores, views: views, calibration: model.calibration)
        if !unreadable.isEmpty { result.flags.append("no-fan-found") }
        if adaptation != nil { result.flags.append("scanner-adapted") }
        let run = ScoringRun(
            studyId: studyId, modelName: model.name, modelSha256: model.sha256,
            images: zip(used, scores).map { image, s in
                ScoringRun.Image(imageId: image.id!, score: s.score, grade: s.grade.rawValue, probabilities: s.probabilities,
                                 quality: s.quality, suggestedView: s.suggestedView.rawValue)
            },
            views: result.views.map { .init(view: $0.view.rawValue, score: $0.score, sd: $0.sd, images: $0.images, grade: $0.grade.rawValue) },
            score: result.score, grade: result.grade.rawValue, fatPercent: result.fatPercent, flags: result.flags)
        try store.save(run)

        var viewsJSON: [String: Any] = [:]
        for v in result.views {
            viewsJSON[v.view.rawValue] = ["score": rounded(v.score), "grade": v.grade.rawValue, "n_images": v.images, "sd": v.sd.map(rounded) as Any]
        }
        let imagesJSON: [[String: Any]] = zip(used, scores).map { image, s in
            ["image_id": image.id!, "sha256": image.sha256, "file": image.originalName, "view": image.view as Any,
             "view_suggested": s.suggestedView.rawValue, "score": rounded(s.score), "grade": s.grade.rawValue,
             "probs": s.probabilities.map(rounded), "quality": rounded(s.quality)]
        }
        let object: [String: Any] = [
            "study_id": detail.study.studyKey, "patient_id": detail.patient.patientKey, "score": rounded(result.score),
            "grade": result.grade.rawValue, "fat_pct": rounded(result.fatPercent), "views": viewsJSON, "images": imagesJSON,
            "model": ["name": model.name, "sha256": model.sha256], "flags": result.flags,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let viewText = result.views.map { String(format: "%@ %.2f±%.2f (%d)", $0.view.abbreviation, $0.score, $0.sd ?? 0, $0.images) }
            .joined(separator: "  ")
        let text = String(format: "study %lld %@/%@: score %.2f (%@), fat %.0f %%  %@%@", studyId, detail.patient.patientKey,
                          detail.study.studyKey, result.score, result.grade.name, result.fatPercent, viewText,
                          result.flags.isEmpty ? "" : "  flags: " + result.flags.joined(separator: ", "))
        return Output(json: String(decoding: data, as: UTF8.self), text: text)
    }

    public static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
