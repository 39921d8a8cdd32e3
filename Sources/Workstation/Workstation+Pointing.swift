import CaseStore
import Foundation

/// The mouse (a click selects, a click on the selected row opens it) and n / N, the next and previous
/// match of the last / search.
extension Workstation {
    func click(x: Int, y: Int) {
        let visible = max(1, lastSize.height - 3)
        if var s = study {
            let area = previewArea(for: s, width: lastSize.width, height: lastSize.height)
            guard let hit = s.image(atX: x, y: y, preview: area) else { return }
            if hit.column == s.column && hit.row == s.rowInColumn { perform(.open); return }
            s.column = hit.column; s.rowInColumn = hit.row; s.frameOffset = 0
            study = s
            return
        }
        // Worklist rows start under the header.
        let row = worklist.top + y - 1
        guard y >= 1, y <= visible, row < worklist.total else { return }
        if row == worklist.cursor { perform(.open) } else { worklist.move(to: row, visible: visible) }
    }

    /// The worklist: the next study (wrapping) whose patient, name, study or scanner contains the
    /// search. A study: the next image whose file name or view contains it.
    func findMatch(forward: Bool) {
        guard let needle = lastSearch?.lowercased(), !needle.isEmpty else {
            message = ("no search yet: / types one (Esc keeps it for n and N)", true); return
        }
        let step = forward ? 1 : -1
        if var s = study {
            let images = StudyScreen.columnViews.indices.flatMap { c in s.images(in: c).indices.map { (c, $0) } }
            guard !images.isEmpty else { return }
            let here = images.firstIndex { $0.0 == s.column && $0.1 == s.rowInColumn } ?? 0
            for k in 1...images.count {
                let (c, r) = images[((here + step * k) % images.count + images.count) % images.count]
                let image = s.images(in: c)[r]
                if image.originalName.lowercased().contains(needle) || (image.view?.rawValue ?? "untagged").contains(needle) {
                    s.column = c; s.rowInColumn = r; s.frameOffset = 0; study = s; return
                }
            }
            message = ("no image matches \"\(needle)\"", true)
            return
        }
        let total = worklist.total
        guard total > 0 else { return }
        // Bounded, so a huge worklist answers quickly; the rows are read a page at a time.
        for k in 1...min(total, 20_000) {
            let i = ((worklist.cursor + step * k) % total + total) % total
            guard let row = worklist.row(i, store) else { continue }
            let fields = [row.patientKey, row.patientName ?? "", row.studyKey, row.scanner ?? ""]
            if fields.contains(where: { $0.lowercased().contains(needle) }) {
                worklist.move(to: i, visible: max(1, lastSize.height - 3))
                return
            }
        }
        message = ("no study matches \"\(needle)\"", true)
    }
}
