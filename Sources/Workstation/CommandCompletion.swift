import CaseStore
import Foundation

/// Tab on the command line: the command's name, a theme's name after `:theme`, a sort column after
/// `:sort`, and a path (files and folders, `~` understood) after `:import`. Completes as far as every
/// choice agrees, as a shell does, and gives the choices when there are several.
enum CommandCompletion {
    static let commands = ["import", "score", "listen", "filter", "sort", "theme", "help", "quit"]

    static func complete(_ text: String) -> (text: String, choices: [String]) {
        guard let space = text.firstIndex(of: " ") else {
            let choices = commands.filter { $0.hasPrefix(text) }
            return (extend(text, choices, done: " "), choices)
        }
        let verb = String(text[..<space]), argument = String(text[text.index(after: space)...])
        let head = verb + " "
        switch verb {
        case "import":
            let (completed, choices) = path(argument)
            return (head + completed, choices)
        case "theme":
            let choices = ThemeLibrary.names().filter { $0.hasPrefix(argument) }
            return (head + extend(argument, choices, done: ""), choices)
        case "sort":
            let choices = WorklistSort.allCases.map(\.rawValue).filter { $0.hasPrefix(argument) }
            return (head + extend(argument, choices, done: ""), choices)
        case "score":
            return (head + extend(argument, ["all"].filter { $0.hasPrefix(argument) }, done: ""), [])
        default:
            return (text, [])
        }
    }

    /// A path's completion: the folder's entries that start with what was typed; a folder gets a `/`.
    static func path(_ typed: String) -> (String, [String]) {
        let expanded = (typed as NSString).expandingTildeInPath
        let folder: String, stem: String
        if typed.isEmpty || typed.hasSuffix("/") { folder = typed.isEmpty ? "." : expanded; stem = "" }
        else { folder = (expanded as NSString).deletingLastPathComponent.isEmpty ? "." : (expanded as NSString).deletingLastPathComponent
               stem = (expanded as NSString).lastPathComponent }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(stem) && (stem.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted()
        guard !entries.isEmpty else { return (typed, []) }
        let common = commonPrefix(entries)
        // Keep what the person typed before the last component (their ~ or relative folder).
        let typedFolder = typed.hasSuffix("/") || !typed.contains("/") ? (typed.hasSuffix("/") ? typed : "") : String(typed[...typed.lastIndex(of: "/")!])
        var result = typedFolder + common
        if entries.count == 1 {
            var isFolder: ObjCBool = false
            let full = (folder as NSString).appendingPathComponent(common)
            if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), isFolder.boolValue { result += "/" }
        }
        return (result, entries)
    }

    static func extend(_ typed: String, _ choices: [String], done: String) -> String {
        guard !choices.isEmpty else { return typed }
        let common = commonPrefix(choices)
        return choices.count == 1 ? choices[0] + done : (common.count > typed.count ? common : typed)
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for word in words.dropFirst() { while !word.hasPrefix(prefix) { prefix.removeLast() } }
        return prefix
    }
}
