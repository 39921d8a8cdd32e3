import Foundation
import PackagePlugin

/// Writes the build's version (`git describe` of the source tree) into a Swift file before each
/// build of the target, so `steato --version` and every stored score name the exact build. The file
/// is rewritten only when the version changes, so an unchanged tree recompiles nothing. Outside a
/// git checkout the version reads "unknown".
@main
struct SoftwareVersionPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("GeneratedVersion")
        let script = """
            v=$(git -C "$1" describe --tags --always --dirty 2>/dev/null || echo unknown)
            mkdir -p "$2"
            line="let gitDescription = \\"$v\\""
            [ "$(cat "$2/GitDescription.swift" 2>/dev/null)" = "$line" ] || printf '%s\\n' "$line" > "$2/GitDescription.swift"
            """
        return [.prebuildCommand(displayName: "Version from git describe",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
