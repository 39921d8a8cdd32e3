import ArgumentParser
import CaseStore
import Foundation
import Scoring
import UltrasoundImaging
import Workstation

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score studies with the model: per image, per view (mean ± sd) and per study (mean over views).",
        discussion: """
            Scores are stored with the model's name and sha256. Flags: views-disagree (views more than one grade apart), \
            quality (an image failed the quality check), few-images:VIEW (fewer than three), missing-view:VIEW, \
            views-suggested (untagged images used the model's suggested view). --json writes one object per study per line.
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "Studies (number, PATIENT/STUDY or study id).") var studies: [String] = []
    @Flag(help: "Score every study.") var all = false
    @Flag(help: "Score the studies never scored.") var unscored = false
    @Flag(help: "One JSON object per study per line (the score JSON contract).") var json = false
    @Option(help: "Model file (default: $STEATO_MODEL, else the model shipped with steato).") var model: String?

    func run() throws {
        guard all || unscored || !studies.isEmpty else { throw fail(UserFacingError("name studies, or use --all or --unscored")) }
        let store = try database.open()
        let scorer = try ModelLocator.load(explicit: model)
        var ids: [Int64] = []
        do {
            ids = (all || unscored) ? try store.studyIds(unscoredOnly: unscored && !all) : try studies.map { try store.findStudy($0).id! }
        } catch { throw fail(error) }
        var failures = 0
        let progress = ProgressLine(enabled: stderrIsTerminal && json)
        for (n, id) in ids.enumerated() {
            do {
                let line = try StudyScoring.score(studyId: id, store: store, model: scorer)
                print(json ? line.json : line.text)
            } catch {
                printError("study \(id): \(error)")
                failures += 1
            }
            progress.show(done: n + 1, total: ids.count, label: "studies")
        }
        progress.clear()
        if failures > 0 { throw ExitCode.failure }
    }
}

/// Finds the model: an explicit path, $STEATO_MODEL, or the default model shipped with steato.
enum ModelLocator {
    static func load(explicit: String?) throws -> SteatosisModel {
        let path = explicit ?? ProcessInfo.processInfo.environment["STEATO_MODEL"] ?? bundledModelPath()
        guard let path else {
            throw fail(UserFacingError("no model: pass --model FILE or set STEATO_MODEL (this build ships none)"))
        }
        do { return try SteatosisModel(path: path) } catch { throw fail(error) }
    }

    static func bundledModelPath() -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [executable.appendingPathComponent("Steatoscope_steato.resources/steatoscope-default.safetensors"),
                          executable.appendingPathComponent("../share/steatoscope/steatoscope-default.safetensors")] {
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.standardizedFileURL.path }
        }
        return nil
    }
}
