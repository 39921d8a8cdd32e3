import CaseStore
import Casework
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// One study: the three views side by side with their images (and a column of untagged and `other`
/// images), per-image and per-view scores, the study result, references and review, and a preview
/// of the selected image. With `large`, the image view: the preview fills the screen.
struct StudyScreen {
    var studyId: Int64
    var detail: StudyDetail
    var column = 0
    var rowInColumn = 0
    var marked: Set<Int64> = []
    var undo: [[Int64: View?]] = []
    var large = false
    /// Cine frame shown, relative to the image's own frame.
    var frameOffset = 0
    /// Hepatorenal index tool: the boxes being placed (image pixels) and which one the keys move.
    var hri: HRIDraft?

    static let columnViews: [View?] = [.rightIntercostal, .subcostal, .leftLobe, nil]

    init(studyId: Int64, detail: StudyDetail) {
        self.studyId = studyId
        self.detail = detail
        if let first = Self.columnViews.indices.first(where: { !images(in: $0).isEmpty }) { column = first }
    }

    func images(in column: Int) -> [ImageRecord] {
        let view = Self.columnViews[column]
        return detail.images.filter { image in
            let v = image.view
            return view == nil ? (v == nil || v == .other) : v == view
        }
    }

    var selected: ImageRecord? {
        let list = images(in: column)
        return list.isEmpty ? nil : list[min(rowInColumn, list.count - 1)]
    }

    mutating func clamp() {
        let count = images(in: column).count
        rowInColumn = max(0, min(rowInColumn, count - 1))
    }

    /// Moves to the neighbouring column that has images.
    mutating func moveColumn(_ step: Int) {
        var c = column
        for _ in 0..<Self.columnViews.count {
            c = (c + step + Self.columnViews.count) % Self.columnViews.count
            if !images(in: c).isEmpty { column = c; clamp(); frameOffset = 0; return }
        }
    }

    /// After tagging, keep the same image selected wherever it moved.
    mutating func select(imageId: Int64) {
        for c in Self.columnViews.indices {
            if let i = images(in: c).firstIndex(where: { $0.id == imageId }) { column = c; rowInColumn = i; return }
        }
        clamp()
    }

    func score(_ image: ImageRecord) -> ImageScore? { detail.imageScores[image.id!] }

    // MARK: drawing

    func render(into grid: inout TextGrid, preview: PreviewArea) {
        let p = detail.patient, s = detail.study
        grid.fill(y: 0, role: .header)
        var title = "\(p.patientKey)"
        if let name = p.name { title += " · \(name)" }
        title += " · study \(s.studyKey)"
        if let d = s.studyDate { title += " · \(d)" }
        if let sc = s.scanner { title += " · \(sc)" }
        title += " · \(s.status.rawValue)"
        grid.put(title, x: 1, y: 0, role: .header)
        if large { renderImageView(into: &grid, preview: preview); return }

        // Study result, references, review.
        var y = 1
        if let result = detail.studyScore, let score = result.score, let grade = result.grade {
            let x = grid.put("Study ", x: 1, y: y, role: .title)
            var end = grid.put(Grade(rawValue: grade)?.name ?? "-", x: x, y: y, role: .grade(grade))
            end = grid.put(String(format: "  score %.2f", score) + (result.scoreSd.map { String(format: " ± %.2f", $0) } ?? "")
                           + (result.fatPct.map { String(format: "  fat ≈ %.0f %%", $0) } ?? ""), x: end, y: y)
            if !result.flags.isEmpty { grid.put("  flags: " + result.flags.joined(separator: ", "), x: end, y: y, role: .warning) }
        } else if let result = detail.studyScore {
            // Nothing scorable: say so and why, never a grade.
            let why = StudyScoring.whyNoResult(detail.images.compactMap { detail.imageScores[$0.id!]?.refused })
            let end = grid.put("No result: \(why)", x: 1, y: y, role: .warning)
            let rest = result.flags.filter { $0 != "no-result" }
            if !rest.isEmpty { grid.put("  flags: " + rest.joined(separator: ", "), x: end, y: y, role: .warning) }
        } else {
            grid.put("Not scored yet: press s to score this study.", x: 1, y: y, role: .dim)
        }
        y += 1
        var refs: [String] = []
        if let r = detail.reference {
            if let h = r.histologyFatPct { refs.append(String(format: "histology %.0f %%", h)) }
            if let g = r.reportGrade { refs.append("report grade \(g)") }
            if let c = r.capDbm { refs.append(String(format: "CAP %.0f dB/m", c)) }
            if let m = r.mriPdffPct { refs.append(String(format: "MRI-PDFF %.0f %%", m)) }
        }
        var reviewText = "not reviewed"
        if let review = detail.reviews.last {
            reviewText = "reviewed by \(review.reader): \(review.decision.rawValue) \(Grade(rawValue: review.grade)?.name ?? "")" + (review.reason.map { " (\($0))" } ?? "")
        }
        grid.put("Reference: " + (refs.isEmpty ? "none" : refs.joined(separator: ", ")) + "   Review: " + reviewText, x: 1, y: y, role: .dim)
        y += 2
        assert(y == Self.listTop)

        // View columns on the left, preview on the right.
        let columnWidth = Self.columnWidth(preview)
        for (c, view) in Self.columnViews.enumerated() {
            let x0 = 1 + c * (columnWidth + 1)
            let list = images(in: c)
            let heading = view.map { v -> String in
                if columnWidth >= 17 { return v.rawValue }
                return columnWidth >= 12 ? "\(v.abbreviation) \(v == .rightIntercostal ? "r-icostal" : v.rawValue)" : v.abbreviation
            } ?? (columnWidth >= 16 ? "untagged / other" : "untagged")
            grid.put(fitted(heading, columnWidth), x: x0, y: y, role: c == column ? .title : .header)
            if let view, let vs = detail.viewScores.first(where: { $0.view == view }) {
                let sd = columnWidth >= 14 ? (vs.sd.map { String(format: "±%.2f", $0) } ?? "") : ""
                let text = String(format: "%.2f", vs.score) + sd + " (\(vs.imageCount))"
                grid.put(fitted(text, columnWidth), x: x0, y: y + 1, role: .grade(vs.grade))
            } else {
                grid.put(fitted(view == nil ? "" : "\(list.count) image\(list.count == 1 ? "" : "s")", columnWidth), x: x0, y: y + 1, role: .dim)
            }
            for (i, image) in list.enumerated() {
                let line = y + 2 + i
                guard line < grid.height - 2 else { break }
                let isSelected = c == column && i == rowInColumn
                let mark = marked.contains(image.id!) ? "*" : " "
                var text = "\(mark)\(image.id!)"
                if image.frameCount > 1 { text += ":\(image.frameNumber + 1)" }
                var role: Role = .normal
                if let sc = score(image) {
                    if let value = sc.score, let grade = sc.grade {
                        text += String(format: " %.2f", value)
                        role = .grade(grade)
                    } else if let refused = sc.refused {
                        text += refused == .notLiver ? " not liver" : " poor"
                        role = .dim
                    }
                    if view == nil, let v = sc.viewSuggested { text += " →" + v.abbreviation }
                }
                if image.view == .other { text += " other" }
                grid.put(fitted(text, columnWidth), x: x0, y: line, role: isSelected ? .selected : (marked.contains(image.id!) ? .marked : role))
            }
        }
        if let image = selected {
            renderImageFacts(image, into: &grid, x: 1, y: grid.height - 3, width: preview.x - 2)
        }
    }

    /// The first row of the view columns (their headings), and their width beside a preview.
    static let listTop = 4
    static func columnWidth(_ preview: PreviewArea) -> Int { max(9, min(22, (preview.x - 1) / 4 - 1)) }

    /// The image listed at a screen cell (a mouse click), as its column and row.
    func image(atX x: Int, y: Int, preview: PreviewArea) -> (column: Int, row: Int)? {
        guard !large, x >= 1, y >= Self.listTop + 2 else { return nil }
        let width = Self.columnWidth(preview)
        let column = (x - 1) / (width + 1), row = y - Self.listTop - 2
        guard column < Self.columnViews.count, (x - 1) % (width + 1) < width, row < images(in: column).count else { return nil }
        return (column, row)
    }

    func renderImageFacts(_ image: ImageRecord, into grid: inout TextGrid, x: Int, y: Int, width: Int) {
        var line1 = "image \(image.id!) · \(image.originalName) · \(image.width)×\(image.height)"
        if image.frameCount > 1 { line1 += " · frame \(image.frameNumber + frameOffset + 1)/\(image.frameCount)" }
        line1 += " · view " + (image.view?.rawValue ?? "untagged")
        var line2 = ""
        if let s = score(image) {
            if let value = s.score, let grade = s.grade {
                let probs = s.probs.map { String(format: "%.2f", $0) }.joined(separator: " ")
                line2 = String(format: "score %.2f (%@) · P(grade 0–3) %@", value, Grade(rawValue: grade)?.name ?? "-", probs)
            } else {
                line2 = s.refused == .notLiver ? "not scored: not a liver B-mode image" : "not scored: too poor to score"
            }
            if let q = s.quality { line2 += String(format: " · quality %.2f", q) }
            if let v = s.viewSuggested { line2 += " · suggested \(v.rawValue)" }
        } else {
            line2 = "not scored"
        }
        grid.put(fitted(line1, width), x: x, y: y, role: .normal)
        grid.put(fitted(line2, width), x: x, y: y + 1, role: .dim)
    }

    func renderImageView(into grid: inout TextGrid, preview: PreviewArea) {
        guard let image = selected else { return }
        renderImageFacts(image, into: &grid, x: 1, y: 1, width: grid.width - 2)
        if let hri {
            var text = "Hepatorenal index"
            if let ratio = hri.ratio { text += String(format: "  liver/kidney = %.2f", ratio) }
            text += " · moving the \(hri.active.rawValue) box: arrows move, + - resize, Tab switches, Enter stores, Esc cancels"
            grid.put(fitted(text, grid.width - 2), x: 1, y: 3, role: .accent)
        }
    }
}

/// Where the preview goes on the screen (cells).
struct PreviewArea: Equatable {
    var x: Int, y: Int, columns: Int, rows: Int
}

/// The hepatorenal index tool's two boxes, in image pixels.
struct HRIDraft {
    var liver: Rect
    var kidney: Rect
    var active: ROI.Kind = .liver
    var ratio: Double?

    mutating func move(dx: Int, dy: Int, grow: Int, width: Int, height: Int) {
        var r = active == .liver ? liver : kidney
        r.width = max(8, min(width, r.width + grow)); r.height = max(8, min(height, r.height + grow))
        r.x = max(0, min(width - r.width, r.x + dx)); r.y = max(0, min(height - r.height, r.y + dy))
        if active == .liver { liver = r } else { kidney = r }
    }

    /// The hepatorenal index of the boxes on the frame they are drawn on.
    mutating func measure(_ frame: StoredPictures.Frame) {
        ratio = EvaluationRows.hepatorenalIndex(frame, liver: liver, kidney: kidney)
    }
}
