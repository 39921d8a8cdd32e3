import ArgumentParser
import CaseStore
import Casework
import Foundation
import Scoring

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
        let store = try database.open(forWriting: true)
        let scorer: SteatosisModel
        do { scorer = try ModelLocator.load(explicit: model) } catch { throw fail(error) }
        var ids: [Int64] = []
        do {
            ids = (all || unscored) ? try store.studyIds(unscoredOnly: unscored && !all) : try studies.map { try store.findStudy($0).id! }
        } catch { throw fail(error) }
        var failures = 0
        let progress = ProgressLine(enabled: stderrIsTerminal && json)
        var done = 0
        // The next study is prepared while this one is scored and saved.
        StudyPipeline.score(ids, store: store, model: scorer) { id, result in
            switch result {
            case .success(let scored): print(json ? scored.report.json : scored.text)
            case .failure(let error):
                printError("study \(id): \(error)")
                failures += 1
            }
            done += 1
            progress.show(done: done, total: ids.count, label: "studies")
        }
        progress.clear()
        if failures > 0 { throw ExitCode.failure }
    }
}
