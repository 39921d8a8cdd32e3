import ArgumentParser
import CaseStore
import Casework
import Foundation
import TerminalGraphics
import Workstation

/// `steato` with no subcommand: the workstation on the case database.
struct WorkstationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open the workstation (what `steato` with no subcommand does); not on a terminal, print the worklist.",
        discussion: """
            On first run the database is created and SampleStudies imported. Images are drawn with kitty or sixel \
            graphics when the terminal answers for them (inside tmux only with allow-passthrough on), else as \
            coloured text cells, else ASCII. Themes: files NAME.theme in the shipped Themes folder or \
            $XDG_CONFIG_HOME/steatoscope/themes/. Defaults for --theme and --graphics: \
            $XDG_CONFIG_HOME/steatoscope/config (lines `theme = NAME`, `graphics = MODE`). \
            NO_COLOR and TERM=dumb give the monochrome look.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "How images are drawn (auto asks the terminal; default from the config file, else auto).") var graphics: GraphicsChoice?
    @Option(help: "Theme name (\(ThemeLibrary.names().joined(separator: ", "))).", completion: .list(ThemeLibrary.names()))
    var theme: String?
    @Option(help: "Model for scoring (default: $STEATO_MODEL, else the shipped model).") var model: String?
    @Flag(help: "Also receive studies over DICOM while open (as steato listen; port and AE title from the config file, else 11112 and STEATOSCOPE; :listen off stops it).")
    var listen = false

    func run() throws {
        // Piped or redirected (`steato | less`, scripts): the worklist as a table, as `steato list` prints it.
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            let list = try ListCommand.parse(database.db.map { ["--db", $0] } ?? [])
            try list.run()
            return
        }
        // Defaults from $XDG_CONFIG_HOME/steatoscope/config; options on the command line win.
        let settings: UserSettings
        do { settings = try UserSettings.load() } catch { throw fail(error) }
        let mode = (graphics ?? settings.graphics.flatMap(GraphicsChoice.init(rawValue:)) ?? .auto).mode
        let environment = ProcessInfo.processInfo.environment
        let plain = environment["NO_COLOR"] != nil || environment["TERM"] == "dumb"
        let themeName = theme ?? settings.theme
        let chosenTheme: Theme
        do { chosenTheme = plain && themeName == nil ? Theme.plain : try ThemeLibrary.load(themeName ?? "default") }
        catch { throw fail(error) }

        // A key must not hang for the default 30 s while another process holds the write lock: a
        // change that cannot get it in 5 s is reported on the status line and can be tried again.
        if environment["STEATO_BUSY_TIMEOUT"] == nil { setenv("STEATO_BUSY_TIMEOUT", "5", 1) }
        let path = CaseStore.resolvePath(explicit: database.db)
        let firstRun = !FileManager.default.fileExists(atPath: path)
        let store = try database.open()
        var notice: String?
        if firstRun {
            if let samples = InstalledFiles.sampleStudies {
                let summary = Importer(store: store).run(ImportPlanner.plan(paths: [samples]))
                notice = "New database \(path): \(summary.imported) sample images in \(summary.studiesImported) studies imported from \(samples)."
            } else {
                notice = "New database \(path) (no SampleStudies folder found to import)."
            }
        }
        // Probe before curses takes the terminal; the answer decides kitty / sixel / text.
        var capabilities = TerminalProbe.probe()
        if plain { capabilities.colour = false }
        let workstation = Workstation(store: store, modelPath: ModelLocator.path(explicit: model),
                                      theme: chosenTheme, graphics: mode ?? capabilities.bestMode)
        workstation.listenSettings = settings
        if listen { workstation.run(command: "listen") }
        if let notice { workstation.notice(notice) }
        TerminalSession(workstation: workstation, capabilities: capabilities).run()
    }
}
