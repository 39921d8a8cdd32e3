import CaseStore
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// Picking up what background scoring and importing have written.
extension Workstation {
    /// Picks up finished background scoring and importing; true when the screen must be redrawn.
    public func poll() -> Bool {
        let imports = importer.progress
        var changed = false
        if imports.generation != seenImportGeneration {
            seenImportGeneration = imports.generation
            worklist.reload(store)   // keeps the cursor where it is while it stays in range
            if !imports.running, let summary = imports.summary {
                let first = imports.rejections.first.map { " — first: \($0)" } ?? ""
                message = ("import finished: \(summary.imported) images in \(summary.studiesImported) studies, \(summary.duplicates) duplicates, \(summary.rejected) rejected\(first)",
                           summary.rejected > 0)
            }
            changed = true
        }
        if imports.running { changed = true }
        return pollScoring() || pollListener() || changed
    }

    /// New instances from the network: the worklist refreshes, the message line says what came.
    func pollListener() -> Bool {
        let l = listener.progress
        guard l.generation != seenListenerGeneration else { return false }
        let before = seenListenerCounts
        seenListenerGeneration = l.generation
        seenListenerCounts = l.counts
        worklist.reload(store)
        if study != nil { reloadStudy() }
        if let problem = l.lastProblem, l.counts.refused > before.refused || !l.listening {
            message = (problem, true)
        } else if l.counts.newStudies > 0 {
            let c = l.counts
            message = ("\(c.newStudies) new stud\(c.newStudies == 1 ? "y" : "ies") received (\(c.instances) instance\(c.instances == 1 ? "" : "s"))", false)
        }
        return true
    }

    func pollScoring() -> Bool {
        let p = scorer.progress
        guard p.generation != seenGeneration else { return p.running }
        seenGeneration = p.generation
        if study != nil { reloadStudy() }
        worklist.reload(store)
        if !p.running {
            message = p.failed > 0 ? ("scoring finished: \(p.done) scored, \(p.failed) failed (\(p.lastError ?? ""))", true)
                                   : ("scoring finished: \(p.done) stud\(p.done == 1 ? "y" : "ies") scored", false)
        }
        return true
    }
}
