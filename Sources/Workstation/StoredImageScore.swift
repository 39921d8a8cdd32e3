import CaseStore

/// The stored per-image score record (Scoring has a type of the same name).
typealias StoredImageScore = ImageScore
