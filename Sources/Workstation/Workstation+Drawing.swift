import CaseStore
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// Building the screen: the current screen, the preview, the status bar, then any overlay.
extension Workstation {
    public func render(width: Int, height: Int) -> TextGrid {
        lastSize = (width, height)
        var grid = TextGrid(width: width, height: height)
        pixelImage = nil
        guard width >= 40, height >= 10 else {
            grid.put("Too small: need 40×10", x: 0, y: 0, role: .warning)
            grid.put("now \(width)×\(height)", x: 0, y: 1, role: .warning)
            return grid
        }
        if let s = study {
            let area = previewArea(for: s, width: width, height: height)
            s.render(into: &grid, preview: area)
            drawPreview(s, area: area, into: &grid)
        } else {
            worklist.render(into: &grid, store: store, filtering: { if case .filter = overlay { return true }; return false }())
        }
        renderStatus(into: &grid)
        switch overlay {
        case .help(let scroll): renderHelp(into: &grid, scroll: scroll); pixelImage = nil
        case .review(let grade, let reason): renderReview(into: &grid, grade: grade, reason: reason); pixelImage = nil
        default: break
        }
        // A pixel image would cover an overlay: it is cleared while one is open and drawn again after.
        return grid
    }

    func previewArea(for s: StudyScreen, width: Int, height: Int) -> PreviewArea {
        if s.large { return PreviewArea(x: 1, y: s.hri == nil ? 3 : 4, columns: width - 2, rows: height - (s.hri == nil ? 4 : 5)) }
        let left = min(4 * 23, width / 2)
        return PreviewArea(x: left + 1, y: 4, columns: width - left - 2, rows: height - 6)
    }

    func drawPreview(_ s: StudyScreen, area: PreviewArea, into grid: inout TextGrid) {
        guard let image = s.selected, area.columns >= 8, area.rows >= 4 else { return }
        var boxes: [(Rect, (UInt8, UInt8, UInt8))] = []
        if let hri = s.hri {
            boxes = [(hri.liver, hri.active == .liver ? (60, 255, 60) : (30, 140, 30)),
                     (hri.kidney, hri.active == .kidney ? (255, 220, 40) : (150, 130, 20))]
        } else {
            for roi in s.detail.rois where roi.imageId == image.id {
                boxes.append((roi.rect, roi.kind == .liver ? (30, 160, 30) : (170, 150, 20)))
            }
        }
        let frame = image.frameNumber + s.frameOffset
        guard let picture = previews.picture(store: store, image: image, frame: frame, boxes: boxes) else {
            grid.put("cannot show this image: " + (previews.lastFailure ?? "it cannot be decoded"), x: area.x, y: area.y, role: .warning)
            return
        }
        let key = "\(image.sha256)/\(frame)/\(boxes.map { "\($0.0)" }.joined())"
        if graphics == .kitty || graphics == .sixel {
            guard let placement = PixelPlacement.fit(width: picture.width, height: picture.height, columns: area.columns, rows: area.rows,
                                                     cell: cell, limit: graphics == .sixel ? (sixelLimit.width, sixelLimit.height) : nil,
                                                     sixelBands: graphics == .sixel) else { return }
            pixelImage = PixelImageRequest(x: area.x, y: area.y, placement: placement, key: key, rgb: picture.rgb,
                                           width: picture.width, height: picture.height)
            return
        }
        guard let cells = previews.cells(picture, key: key, columns: area.columns, rows: area.rows, mode: graphics,
                                         cellAspect: cell.aspect) else { return }
        for y in 0..<cells.rows {
            for x in 0..<cells.columns {
                let c = cells[x, y]
                var cell = TextGrid.Cell(character: c.character, role: .normal)
                if graphics == .text { cell.colours = (c.foreground, c.background) }
                grid[area.x + x, area.y + y] = cell
            }
        }
    }

    func renderStatus(into grid: inout TextGrid) {
        let y = grid.height - 1
        grid.fill(y: y, role: .status)
        var left: String
        if case .command(let text) = overlay {
            left = ":" + text + "▏"
        } else if let s = study {
            let position = s.selected.map { image in "image \(image.id!)" } ?? "no images"
            left = "\(s.detail.patient.patientKey)/\(s.detail.study.studyKey) · \(position)"
            if !s.marked.isEmpty { left += " · \(s.marked.count) marked" }
        } else {
            left = worklist.statusLine
        }
        if store.isReadOnly { left += " · read-only" }
        let p = scorer.progress
        if p.running { left += " · scoring \(p.done + p.failed + 1)/\(p.total)…" }
        let i = importer.progress
        if i.running { left += " · importing \(i.done)/\(max(i.total, i.done)) images…" }
        let l = listener.progress
        if l.listening { left += " · listening \(l.aeTitle):\(l.port)" + (l.counts.newStudies > 0 ? " (\(l.counts.newStudies) new)" : "") }
        grid.put(" " + left, x: 0, y: y, role: .status)
        let hints = study == nil ? "Enter open  / filter  o sort  t triage  s score  ? help  q quit"
                                 : "1 2 3 0 tag  a accept  Space mark  s score  r review  Enter image  ? help  Esc back"
        if left.count + hints.count + 4 < grid.width { grid.put(hints, x: grid.width - hints.count - 1, y: y, role: .status) }
        if let message, case .none = overlay {
            grid.fill(y: y - 1, role: .normal)
            grid.put(" " + message.text, x: 0, y: y - 1, role: message.warning ? .warning : .accent)
        }
    }
}
