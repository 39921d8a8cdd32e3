import CaseStore
import UltrasoundImaging

/// What a study's score is judged against, and how each reference becomes a grade 0–3.
public enum ReferenceStandard: String, CaseIterable, Sendable {
    case histology, report, cap, pdff

    /// The study's grade by this reference; nil when the study has no such value.
    public func grade(_ reference: Reference?) -> Int? {
        guard let r = reference else { return nil }
        switch self {
        case .histology: return r.histologyFatPct.map { Grade(fatPercent: $0).rawValue }
        case .report: return r.reportGrade
        // Common MRI-PDFF cut-offs (5 / 14 / 22 %) and CAP cut-offs (248 / 268 / 280 dB/m).
        case .pdff: return r.mriPdffPct.map { $0 >= 22 ? 3 : $0 >= 14 ? 2 : $0 >= 5 ? 1 : 0 }
        case .cap: return r.capDbm.map { $0 >= 280 ? 3 : $0 >= 268 ? 2 : $0 >= 248 ? 1 : 0 }
        }
    }
}
