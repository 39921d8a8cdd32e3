import Foundation

/// Where steato finds the files it ships (the default model, themes, SampleStudies): installed beside
/// the binary in `PREFIX/share/steatoscope/` (as `make install` lays them out), else in the source
/// tree it was built from. Both hold the same relative paths (`Models/…`, `Themes/…`,
/// `SampleStudies`), so the binary works from any folder, built or installed, and nothing traps when
/// it is copied elsewhere: a missing file is an ordinary nil.
public enum InstalledFiles {
    /// The folders searched, in order.
    public static var folders: [String] {
        var folders: [String] = []
        if let binary = executableFolder { folders.append(URL(fileURLWithPath: binary + "/../share/steatoscope").standardizedFileURL.path) }
        // This file is Sources/Casework/InstalledFiles.swift of the source tree.
        folders.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path)
        return folders
    }

    /// The first existing `relative` path under the folders.
    public static func find(_ relative: String) -> String? {
        folders.map { $0 + "/" + relative }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The model shipped with steato.
    public static var defaultModel: String? { find("Models/steatoscope-default.safetensors") }
    /// The simulated studies a new database starts with.
    public static var sampleStudies: String? { find("SampleStudies/manifest.csv").map { ($0 as NSString).deletingLastPathComponent } }
    /// The shipped theme files.
    public static var themes: String? { find("Themes") }

    /// The running binary's folder (symbolic links resolved, so a link in ~/bin finds the real install).
    static var executableFolder: String? {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first
        guard let path else { return nil }
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent().path
    }
}
