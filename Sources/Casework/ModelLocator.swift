import Foundation
import Scoring

/// Finds and loads the model: an explicit path, else `$STEATO_MODEL`, else the model shipped with steato.
public enum ModelLocator {
    public struct NoModel: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "no model: pass --model FILE or set STEATO_MODEL (no shipped model found beside steato)" }
    }

    public static func path(explicit: String?) -> String? {
        explicit ?? ProcessInfo.processInfo.environment["STEATO_MODEL"] ?? InstalledFiles.defaultModel
    }

    public static func load(explicit: String?) throws -> SteatosisModel {
        guard let path = path(explicit: explicit) else { throw NoModel() }
        return try SteatosisModel(path: path)
    }
}
