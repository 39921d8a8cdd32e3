import Foundation
import CaseStore
import Scoring
import UltrasoundImaging

/// Stored images as the model sees them, each stored file read and decoded once.
public enum StoredImages {
    /// The network input of each record, in order; nil where the file cannot be decoded or shows no
    /// fan. Frames of one file (a cine) share one decode. Throws only when the image store cannot
    /// give a file back (missing or unreadable), which is not the image's fault.
    public static func prepare(_ records: [ImageRecord], store: CaseStore) throws -> [NetworkInput?] {
        var order: [String] = [], indices: [String: [Int]] = [:]
        for (i, record) in records.enumerated() {
            if indices[record.sha256] == nil { order.append(record.sha256) }
            indices[record.sha256, default: []].append(i)
        }
        // Read and checked against their SHA-256 on all cores (hashing is a good part of the work).
        let loaded = ConcurrentSlots<Result<[UInt8], Error>>(count: order.count)
        let images = store.images, names = order
        DispatchQueue.concurrentPerform(iterations: names.count) { k in
            loaded.set(k, Result { try images.load(sha256: names[k]) })
        }
        // A manifest's pixel spacing travels with the record; a DICOM file declares its own.
        let files = try order.indices.map { k in
            let sha = order[k], first = records[indices[sha]![0]]
            return (bytes: try loaded[k]!.get(), frames: indices[sha]!.map { records[$0].frameNumber },
                    cmPerPixel: first.pixelSpacingMm.map { $0 / 10 })
        }
        var inputs = [NetworkInput?](repeating: nil, count: records.count)
        for (sha, prepared) in zip(order, Preprocessing.prepare(files: files)) {
            for (i, input) in zip(indices[sha]!, prepared) { inputs[i] = input }
        }
        return inputs
    }
}
