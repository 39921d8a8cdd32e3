import Foundation
import UltrasoundImaging

/// The model's preprocessing contract, in one place: decoded pixels (or an image file) in, the
/// network's input out. Training, scoring, adaptation, evaluation baselines and the fan sheets all
/// come through here, so they see an image the same way.
public enum Preprocessing {
    /// The network input of a decoded imaging area; nil when no imaging fan is found.
    public static func prepare(_ image: PixelImage) -> NetworkInput? {
        NetworkInput(image: image, size: SteatosisNetwork.size)
    }

    /// The same, with the fan already found (benchmarks time the two steps apart).
    public static func prepare(_ image: PixelImage, fan: FanRegion) -> NetworkInput {
        NetworkInput(image: image, fan: fan, size: SteatosisNetwork.size)
    }

    /// An image file's frames as the model sees them: each frame's imaging area (a DICOM file's
    /// declared B-mode region) decoded once for the file, then prepared. A frame without a fan is nil;
    /// a file that cannot be decoded throws.
    public static func prepare(file bytes: [UInt8], frames: [Int] = [0]) throws -> [NetworkInput?] {
        try ImageDecoder.decodeImagingAreas(bytes, frames: frames).map(prepare)
    }

    /// Many files' frames on all cores: each file decoded once (a cine's frames share one parse and
    /// decompression), files in parallel, then every frame prepared in parallel. A file that cannot be
    /// decoded gives nil for each of its frames, like a frame without a fan.
    public static func prepare(files: [(bytes: [UInt8], frames: [Int])]) -> [[NetworkInput?]] {
        let decoded = ConcurrentSlots<[PixelImage]>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { f in
            if let images = try? ImageDecoder.decodeImagingAreas(files[f].bytes, frames: files[f].frames) { decoded.set(f, images) }
        }
        let jobs = files.indices.flatMap { f in files[f].frames.indices.map { (file: f, frame: $0) } }
        let prepared = ConcurrentSlots<NetworkInput>(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { j in
            if let image = decoded[jobs[j].file]?[jobs[j].frame], let input = prepare(image) { prepared.set(j, input) }
        }
        var out = files.map { [NetworkInput?](repeating: nil, count: $0.frames.count) }
        for (j, job) in jobs.enumerated() { out[job.file][job.frame] = prepared[j] }
        return out
    }
}
