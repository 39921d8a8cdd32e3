import ArgumentParser
import Casework
import CKernels
#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation

@main
struct Steato: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steato",
        abstract: "Steatoscope: score liver steatosis from 2D ultrasound, review and tag cases.",
        discussion: "With no subcommand, opens the workstation on the case database (`steato list` prints the worklist).",
        version: "steato " + SoftwareVersion.current,
        subcommands: [WorkstationCommand.self, ListCommand.self, ImportCommand.self, ShowCommand.self, TagCommand.self, ExportCommand.self, CheckCommand.self, BackupCommand.self,
                      ScoreCommand.self, ReportCommand.self, EvalCommand.self, ListenCommand.self, PullCommand.self, SendCommand.self, AdaptCommand.self, CalibrateCommand.self, TrainCommand.self, LabelsCommand.self, SimulateCommand.self, FanCommand.self],
        groupedSubcommands: [
            CommandGroup(name: "Developer", subcommands: [BenchCommand.self, FuzzDicomCommand.self]),
        ],
        defaultSubcommand: WorkstationCommand.self
    )

    static func main() {
        umask(0o077)  // everything we write holds patient data: owner only
        setvbuf(stdout, nil, _IOLBF, 0)  // line by line even into a file or pipe, so long runs show progress
        steato_reuse_large_buffers()  // image-sized buffers per image: a third of preprocessing's time otherwise
        do {
            var command = try parseAsRoot(databaseFirst(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// `steato --db PATH list …` reads as `steato list --db PATH …`: the database names where to work, so it
/// may come first, as in `git -C`.
func databaseFirst(_ arguments: [String]) -> [String] {
    let names = Set((Steato.configuration.subcommands + Steato.configuration.groupedSubcommands.flatMap(\.subcommands))
        .compactMap { $0.configuration.commandName })
    if arguments.count >= 3, arguments[0] == "--db", names.contains(arguments[2]) {
        return [arguments[2], "--db", arguments[1]] + arguments.dropFirst(3)
    }
    if arguments.count >= 2, arguments[0].hasPrefix("--db="), names.contains(arguments[1]) {
        return [arguments[1], arguments[0]] + arguments.dropFirst(2)
    }
    return arguments
}

/// Options every command that touches the case database takes.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The case database (default: $STEATO_DB, else $XDG_DATA_HOME/steatoscope/cases.sqlite).", valueName: "path"))
    var db: String?
}
