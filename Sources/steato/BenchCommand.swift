import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the speed of a part of Steatoscope (medians of repeated runs).",
        subcommands: [BenchWorklistCommand.self, BenchSimulateCommand.self, BenchModelCommand.self, BenchTrainCommand.self, BenchScoreCommand.self, BenchImportCommand.self, BenchTuiCommand.self, BenchListenCommand.self])
}
