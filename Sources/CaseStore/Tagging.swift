import Foundation
import GRDB
import UltrasoundImaging

extension CaseStore {
    /// Sets (or, with nil, clears) the view tag of images, one audit entry per image that changes,
    /// all in one transaction. Returns the previous tags by image id.
    @discardableResult
    public func tag(imageIds: [Int64], view: View?, who: String = CaseStore.currentUser) throws -> [Int64: View?] {
        try write { db in
            var previous: [Int64: View?] = [:]
            let now = Date()
            for id in imageIds {
                guard var image = try ImageRecord.fetchOne(db, key: id) else { throw CaseStoreError.notFound("image \(id)") }
                let old = image.view
                previous[id] = old
                guard old != view else { continue }
                image.view = view
                image.viewTaggedBy = view == nil ? nil : who
                image.viewTaggedAt = view == nil ? nil : now
                try image.update(db)
                var entry = AuditEntry(who: who, action: "tag", entity: "image", entityId: id,
                                       oldValue: old?.rawValue, newValue: view?.rawValue, at: now)
                try entry.insert(db)
            }
            return previous
        }
    }
}
