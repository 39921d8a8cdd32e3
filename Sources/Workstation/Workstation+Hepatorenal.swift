import CaseStore
import Foundation
import TerminalGraphics
import UltrasoundImaging

/// The hepatorenal index tool: two boxes moved with the keys over the image, their grey ratio, stored as ROIs.
extension Workstation {
    func handleHRI(_ key: Key) {
        guard var s = study, var draft = s.hri, let image = s.selected else { return }
        let step = max(2, image.width / 80)
        switch key {
        case .left, .char("h"): draft.move(dx: -step, dy: 0, grow: 0, width: image.width, height: image.height)
        case .right, .char("l"): draft.move(dx: step, dy: 0, grow: 0, width: image.width, height: image.height)
        case .up, .char("k"): draft.move(dx: 0, dy: -step, grow: 0, width: image.width, height: image.height)
        case .down, .char("j"): draft.move(dx: 0, dy: step, grow: 0, width: image.width, height: image.height)
        case .char("+"): draft.move(dx: 0, dy: 0, grow: step, width: image.width, height: image.height)
        case .char("-"): draft.move(dx: 0, dy: 0, grow: -step, width: image.width, height: image.height)
        case .tab: draft.active = draft.active == .liver ? .kidney : .liver
        case .escape: s.hri = nil; study = s; message = ("boxes not stored", false); return
        case .enter:
            do {
                try store.saveROI(imageId: image.id!, kind: .liver, rect: draft.liver)
                try store.saveROI(imageId: image.id!, kind: .kidney, rect: draft.kidney)
                s.hri = nil
                s.detail = try store.detail(studyId: s.studyId)
                study = s
                message = (String(format: "liver and kidney boxes stored; hepatorenal index %.2f", draft.ratio ?? 0), false)
            } catch { message = ("boxes not stored: \(error)", true) }
            return
        default: return
        }
        s.hri = draft
        measureHRI(&s)
        study = s
    }

    func measureHRI(_ s: inout StudyScreen) {
        guard var draft = s.hri, let image = s.selected,
              let picture = previews.picture(store: store, image: image, frame: image.frameNumber, boxes: []) else { return }
        draft.measure(picture.frame)
        s.hri = draft
    }
}
