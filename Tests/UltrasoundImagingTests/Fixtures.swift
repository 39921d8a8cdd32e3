import Foundation

/// Paths of the committed fixtures in Tests/Fixtures.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func bytes(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: root + "/images/" + name)!)
    }

    static func reference() -> [String: [String: Int]] {
        let data = FileManager.default.contents(atPath: root + "/images/reference.json")!
        return try! JSONDecoder().decode([String: [String: Int]].self, from: data)
    }
}
