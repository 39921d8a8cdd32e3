import ArgumentParser
import CaseStore
import Foundation

/// A failure the user should read as one line; exits non-zero without a usage message.
struct UserFacingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension DatabaseOptions {
    /// Opens the case database; a read-only one is said once, and refused here when the command must write.
    func open(forWriting: Bool = false) throws -> CaseStore {
        let path = CaseStore.resolvePath(explicit: db)
        let store: CaseStore
        do { store = try CaseStore(path: path) } catch { throw fail(error) }
        if store.isReadOnly, forWriting { throw fail(CaseStoreError.readOnly(path: store.path)) }
        if store.isReadOnly { printError("steato: \(store.path): read-only: opened for reading; changes will be refused") }
        return store
    }
}

/// Prints the error as one line on stderr and returns the exit code to throw.
func fail(_ error: Error) -> ExitCode {
    printError("steato: \(error)")
    return ExitCode.failure
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

/// Lays out rows as columns separated by two spaces; numeric columns are right-aligned.
struct TextTable {
    var header: [String]
    var rightAligned: Set<Int> = []
    var rows: [[String]] = []

    func render() -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return all.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : (i == row.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

func formatScore(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }

func snakeCaseEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
}

/// "1 image", "3 images", "2 studies".
func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
}
