import CKernels
import Foundation

/// Why a model file cannot be used; each names the file and, where it applies, the tensor.
public enum ModelFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case unwritable(file: String, reason: String)
    case truncated(file: String, reason: String)
    case badHeader(file: String, reason: String)
    case wrongDType(file: String, tensor: String, dtype: String)
    case badOffsets(file: String, tensor: String)
    case missingTensor(file: String, tensor: String)
    case wrongShape(file: String, tensor: String, expected: [Int], found: [Int])
    case badArchitecture(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(f, r): return "\(f): cannot read the model file (\(r))"
        case let .unwritable(f, r): return "\(f): cannot write the model file (\(r))"
        case let .truncated(f, r): return "\(f): truncated model file (\(r))"
        case let .badHeader(f, r): return "\(f): not a safetensors model file (\(r))"
        case let .wrongDType(f, t, d): return "\(f): tensor '\(t)' has dtype \(d), expected F32"
        case let .badOffsets(f, t): return "\(f): tensor '\(t)' points outside the file's data"
        case let .missingTensor(f, t): return "\(f): tensor '\(t)' is missing"
        case let .wrongShape(f, t, e, s): return "\(f): tensor '\(t)' has shape \(s), expected \(e)"
        case let .badArchitecture(f, r): return "\(f): \(r)"
        }
    }
}

/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw little-endian data. `__metadata__` holds string pairs.
public struct SafetensorsFile: Sendable {
    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    public init(tensors: [String: Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public static func read(path: String) throws -> SafetensorsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelFileError.unreadable(file: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        return try parse([UInt8](data), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> SafetensorsFile {
        guard bytes.count >= 8 else { throw ModelFileError.truncated(file: file, reason: "\(bytes.count) bytes, no header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw ModelFileError.truncated(file: file, reason: "header of \(headerLength) bytes in a \(bytes.count)-byte file")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = json as? [String: Any] else {
            throw ModelFileError.badHeader(file: file, reason: "the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"] {
            guard let pairs = meta as? [String: String] else { throw ModelFileError.badHeader(file: file, reason: "__metadata__ must map strings to strings") }
            metadata = pairs
        }
        let dataLength = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else {
                throw ModelFileError.badHeader(file: file, reason: "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw ModelFileError.wrongDType(file: file, tensor: name, dtype: dtype) }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw ModelFileError.badHeader(file: file, reason: "tensor '\(name)' has a negative dimension") }
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == count * 4 else {
                throw ModelFileError.badOffsets(file: file, tensor: name)
            }
            guard offsets[1] <= dataLength else {
                throw ModelFileError.truncated(file: file, reason: "tensor '\(name)' ends at byte \(offsets[1]) of \(dataLength)")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(headerEnd + offsets[0])..<(headerEnd + offsets[1])]))
                }
            }
            tensors[name] = Tensor(shape: shape, data: values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// The file's bytes: tensors in name order, the header padded with spaces to 8-byte alignment.
    public func serialized() -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.count * 4]]
            offset += t.count * 4
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = [UInt8]((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data())
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64(i)))) }
        out += json
        for name in names {
            tensors[name]!.data.withUnsafeBytes { out += $0 }
        }
        return out
    }

    /// Whole or not at all: a full disk leaves the previous file (if any) in place and no partial one.
    public func write(path: String) throws {
        let failure = serialized().withUnsafeBytes { steato_write_file_atomically(path, $0.baseAddress, $0.count, 0o644) }
        guard failure == 0 else {
            throw ModelFileError.unwritable(file: path, reason: String(cString: strerror(failure)))
        }
    }
}
