import ArgumentParser
import CaseStore
import Casework
import Foundation
import UltrasoundImaging

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one study: images, views, references, ROIs, scores and reviews.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The study: its number in the STUDY column of 'steato list', or its study id.")
    var study: String

    func run() throws {
        let store = try database.open()
        let d: StudyDetail
        do { d = try store.detail(studyId: try store.findStudy(study).id!) } catch { throw fail(error) }
        print(render(d))
    }

    func render(_ d: StudyDetail) -> String {
        var out: [String] = []
        let s = d.study
        out.append("Study \(s.id!)  \(s.studyKey)   patient \(d.patient.patientKey)\(d.patient.name.map { "  \($0)" } ?? "")")
        out.append("  date \(s.studyDate ?? "-")   scanner \(s.scanner ?? "-")   status \(s.status.rawValue)   images \(s.imageCount)")
        if let r = d.reference {
            var parts: [String] = []
            if let v = r.histologyFatPct { parts.append("histology \(String(format: "%.1f", v)) % fat (\(Grade(fatPercent: v).name))") }
            if let v = r.reportGrade { parts.append("report grade \(v) (\(Grade(rawValue: v)?.name ?? "?"))") }
            if let v = r.capDbm { parts.append("CAP \(String(format: "%.0f", v)) dB/m") }
            if let v = r.mriPdffPct { parts.append("MRI-PDFF \(String(format: "%.1f", v)) %") }
            out.append("  references: " + parts.joined(separator: ", "))
        } else {
            out.append("  references: none")
        }
        if let score = d.studyScore {
            let result = score.score == nil ? "no result (\(StudyScoring.whyNoResult(d.images.compactMap { d.imageScores[$0.id!]?.refused })))"
                : "\(formatScore(score.score))" + (score.scoreSd.map { String(format: " ± %.2f", $0) } ?? "")
                  + " (\(score.grade.flatMap { Grade(rawValue: $0)?.name } ?? "?"))"
            out.append("  study score \(result)" + (score.fatPct.map { String(format: ", fat %.1f %%", $0) } ?? "")
                       + "   model \(score.modelName) \(score.modelSha256.prefix(12))")
            for v in d.viewScores {
                out.append("    \(v.view.rawValue): \(formatScore(v.score)) ± \(formatScore(v.sd)) over \(v.imageCount) images")
            }
        } else {
            out.append("  not scored")
        }
        for review in d.reviews {
            out.append("  review by \(review.reader): \(review.decision.rawValue) grade \(review.grade)\(review.reason.map { " (\($0))" } ?? "")")
        }
        out.append("")
        let roisByImage = Dictionary(grouping: d.rois, by: \.imageId)
        var table = TextTable(header: ["IMAGE", "FILE", "VIEW", "SIZE", "FORMAT", "SHA256", "SCORE", "GRADE", "ROIS"],
                              rightAligned: [0, 6])
        for image in d.images {
            let score = d.imageScores[image.id!]
            let rois = (roisByImage[image.id!] ?? []).map { "\($0.kind.rawValue) \($0.x) \($0.y) \($0.width) \($0.height)" }
            table.rows.append([String(image.id!), image.originalName, image.view?.rawValue ?? "untagged",
                               "\(image.width)×\(image.height)", image.format, String(image.sha256.prefix(12)),
                               formatScore(score?.score), score?.refused?.rawValue ?? score?.grade.flatMap { Grade(rawValue: $0)?.name } ?? "-",
                               rois.joined(separator: "; ")])
        }
        out.append(table.render())
        return out.joined(separator: "\n")
    }
}
