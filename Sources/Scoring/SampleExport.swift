import Foundation

/// Writes prepared training samples as NumPy arrays, for training the same network on another engine
/// (`scripts/train_torch.py`): the images exactly as `steato train` sees them before augmentation.
///
/// `intensity.npy` uint8 [N, S, S] (the fan's grey levels), `mask.npy` uint8 [N, S, S] (1 inside the
/// fan), `row_depth.npy` float32 [N, S] (cm / 20), `grade.npy`, `view.npy`, `content.npy` int64 [N]
/// (the label, the view condition, the gate class), `fat.npy` float32 [N] (NaN when unknown),
/// `validation.npy` uint8 [N] (1 for the validation patients), and `meta.json`.
public enum SampleExport {
    public static func write(training: [TrainingSample], validation: [TrainingSample], to folder: String,
                             metadata: [String: String], normalisation: IntensityNormalisation = .medianSpread) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let all = training + validation
        let size = SteatosisNetwork.size
        func save(_ name: String, _ bytes: [UInt8], dtype: String, shape: [Int]) throws {
            try Data(npy(bytes, dtype: dtype, shape: shape)).write(to: URL(fileURLWithPath: folder + "/" + name + ".npy"))
        }
        try save("intensity", all.flatMap(\.intensity), dtype: "|u1", shape: [all.count, size, size])
        try save("mask", all.flatMap { $0.mask.map { $0 ? 1 : 0 } }, dtype: "|u1", shape: [all.count, size, size])
        try save("row_depth", littleEndian(all.flatMap(\.rowDepth)), dtype: "<f4", shape: [all.count, size])
        try save("fat", littleEndian(all.map { Float($0.fatPercent ?? .nan) }), dtype: "<f4", shape: [all.count])
        for (name, values) in [("grade", all.map(\.grade)), ("view", all.map(\.view)), ("content", all.map(\.content))] {
            try save(name, values.flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) }, dtype: "<i8", shape: [all.count])
        }
        try save("validation", training.map { _ in 0 } + validation.map { _ in 1 }, dtype: "|u1", shape: [all.count])
        var meta = metadata
        meta["architecture"] = SteatosisNetwork.spec(for: normalisation).json()
        meta["samples"] = String(all.count)
        let json = try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys, .prettyPrinted])
        try json.write(to: URL(fileURLWithPath: folder + "/meta.json"))
    }

    static func littleEndian(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    /// The .npy format, version 1.0: magic, header length, a Python dict literal padded so the data
    /// starts on a 64-byte boundary, then the raw C-order data.
    static func npy(_ data: [UInt8], dtype: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': \(dims), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(header.utf8) + data
    }
}
