import Foundation

/// JSON with its keys sorted: what a model file's metadata holds, so that the same training gives the
/// same bytes and the same sha256 (the encoder's own key order varies from run to run).
func canonicalJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try! encoder.encode(value), as: UTF8.self)
}
