import Foundation
import UltrasoundImaging

/// One preprocessed image kept in memory for training: the fan's intensities (0–255, before
/// normalisation, so augmentation can change gain and grey map first), its mask, and the labels.
public struct TrainingSample: Sendable {
    public var intensity: [UInt8]
    public var mask: [Bool]
    public var rowDepth: [Float]
    /// The label trained on (report grade, or the histological grade).
    public var grade: Int
    public var fatPercent: Double?
    public var view: Int
    public var patient: String
    /// What the gate should say: 0 a usable liver image, 1 not a liver B-mode image, 2 too poor to score.
    public var content: Int

    public init(input: NetworkInput, grade: Int, fatPercent: Double?, view: Int, patient: String, refusal: Refusal? = nil) {
        intensity = input.intensity.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
        mask = input.mask
        rowDepth = input.rowDepth
        self.grade = grade
        self.fatPercent = fatPercent
        self.view = view
        self.patient = patient
        content = TrainingSample.content(refusal)
    }

    /// The gate's class for a refusal (nil: a usable liver image).
    public static func content(_ refusal: Refusal?) -> Int {
        switch refusal {
        case nil: return 0
        case .notLiver: return 1
        case .poorQuality: return 2
        }
    }
}

/// An image file with its labels, as read from a manifest or the case database.
public struct LabelledImage: Sendable {
    public var path: String
    public var grade: Int
    public var fatPercent: Double?
    public var view: View?
    public var patient: String
    /// The frame of a multi-frame DICOM file.
    public var frame: Int
    /// Why the image must be refused (a non-liver scene, a poor image); nil for a liver image to score.
    public var refusal: Refusal?
    /// The physical size of a pixel (cm) when the manifest gives it.
    public var cmPerPixel: Double?
    public init(path: String, grade: Int, fatPercent: Double?, view: View?, patient: String, frame: Int = 0, refusal: Refusal? = nil,
                cmPerPixel: Double? = nil) {
        self.path = path; self.grade = grade; self.fatPercent = fatPercent; self.view = view; self.patient = patient
        self.frame = frame; self.refusal = refusal; self.cmPerPixel = cmPerPixel
    }
}

public enum TrainingData {
    /// Decodes and preprocesses every image on all cores; images that cannot be read or show no fan
    /// are reported through `skipped` and left out.
    public static func load(_ images: [LabelledImage], progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
                            skipped: @escaping @Sendable (String) -> Void = { _ in }) -> [TrainingSample] {
        let slots = ConcurrentSlots<TrainingSample>(count: images.count)
        let total = images.count
        DispatchQueue.concurrentPerform(iterations: images.count) { i in
            let row = images[i]
            if let data = FileManager.default.contents(atPath: row.path),
               let prepared = try? Preprocessing.prepare(file: [UInt8](data), frames: [row.frame], cmPerPixel: row.cmPerPixel),
               let input = prepared[0] {
                slots.set(i, TrainingSample(input: input, grade: row.grade, fatPercent: row.fatPercent,
                                            view: SteatosisNetwork.condition(for: row.view), patient: row.patient, refusal: row.refusal))
            } else {
                skipped("\(row.path): unreadable or no fan found")
                slots.set(i, nil)
            }
            let done = slots.done
            if done % 200 == 0 || done == total { progress(done, total) }
        }
        return slots.values.compactMap { $0 }
    }
}
