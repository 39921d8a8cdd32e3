import ArgumentParser
import CaseStore
import Casework
import Foundation
import TerminalGraphics
import Workstation

/// Opens the workstation on a synthetic database and times the first screen and each key, the way the
/// terminal loop runs them (handle the key, build the screen); drawing by ncurses is not included.
struct BenchTuiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Time the workstation: first screen, and each key handled and redrawn, on many studies.")

    @Option(help: "Synthetic studies to create (9 image rows each).") var studies = 100_000
    @Option(help: "Repetitions per key; medians are reported.") var repeats = 15
    @Option(help: "Screen size, columns×rows.") var size = "160x48"

    func run() throws {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--size is COLUMNSxROWS") }
        let (width, height) = (parts[0], parts[1])
        let folder = NSTemporaryDirectory() + "steato-bench-tui-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store: CaseStore
        do { store = try CaseStore(path: folder + "/cases.sqlite") } catch { throw fail(error) }
        try store.populateSynthetic(studies: studies)
        print("\(studies) studies, screen \(width)×\(height)")
        func ms(_ body: () -> Void) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        var opens: [Double] = []
        for _ in 0..<max(3, repeats / 3) {
            opens.append(ms {
                let ws = Workstation(store: store, modelPath: nil, theme: .plain, graphics: .text)
                _ = ws.render(width: width, height: height)
            })
        }
        var table = TextTable(header: ["STEP", "MEDIAN ms", "MAX ms"], rightAligned: [1, 2])
        table.rows.append(["open: first screen", String(format: "%.2f", median(opens)), String(format: "%.2f", opens.max()!)])
        let ws = Workstation(store: store, modelPath: nil, theme: .plain, graphics: .text)
        _ = ws.render(width: width, height: height)
        // Each step: keys before (not timed), the timed keys, keys after (not timed), so every
        // repetition starts from the same screen.
        let steps: [(name: String, before: [Key], timed: [Key], after: [Key])] = [
            ("j (next row)", [], [.char("j")], [.char("k")]),
            ("k (previous row)", [.char("j")], [.char("k")], []),
            ("Ctrl-d (half a page)", [], [.ctrl("d")], [.char("g")]),
            ("G (the last of them all)", [], [.char("G")], [.char("g")]),
            ("g (the first)", [.char("G")], [.char("g")], []),
            ("o (sort by the next column)", [], [.char("o")], [.char("t")]),
            ("t (triage order)", [.char("o")], [.char("t")], []),
            ("S typed after / (filter as you type)", [.char("/")], [.char("S")], [.escape]),
            ("Esc (clear the filter)", [.char("/"), .char("S")], [.escape], []),
            ("Enter (open a study)", [], [.enter], [.escape]),
            ("j in the study", [.enter], [.char("j")], [.escape]),
            ("Esc (back to the worklist)", [.enter], [.escape], []),
        ]
        for step in steps {
            var times: [Double] = []
            for _ in 0..<repeats {
                for k in step.before { ws.handle(k) }
                _ = ws.render(width: width, height: height)
                times.append(ms {
                    for k in step.timed { ws.handle(k) }
                    _ = ws.render(width: width, height: height)
                })
                for k in step.after { ws.handle(k) }
                _ = ws.render(width: width, height: height)
            }
            table.rows.append([step.name, String(format: "%.2f", median(times)), String(format: "%.2f", times.max()!)])
        }
        // A study with real images: the preview decodes the image and turns it into cells.
        if let samples = InstalledFiles.sampleStudies {
            _ = Importer(store: store).run(ImportPlanner.plan(paths: [samples + "/SIM00001"]))
            let real = Workstation(store: store, modelPath: nil, theme: .plain, graphics: .text)
            real.handle(.char("/")); for c in "SIM00001" { real.handle(.char(c)) }; real.handle(.enter)
            _ = real.render(width: width, height: height)
            for (name, timed, after) in [("Enter (open a study with images: decode + cells)", [Key.enter], [Key.escape]),
                                         ("j (next image: decode + cells)", [Key.char("j")], [Key.char("k")])] {
                var times: [Double] = []
                for _ in 0..<repeats {
                    if name.hasPrefix("j") { real.handle(.enter); _ = real.render(width: width, height: height) }
                    real.clearPreviewCache()
                    times.append(ms { for k in timed { real.handle(k) }; _ = real.render(width: width, height: height) })
                    for k in after { real.handle(k) }
                    if name.hasPrefix("j") { real.handle(.escape) }
                    _ = real.render(width: width, height: height)
                }
                table.rows.append([name, String(format: "%.2f", median(times)), String(format: "%.2f", times.max()!)])
            }
            // As in xterm -ti vt340 with 8×17 cells: the screen, then the sixel sequence written after it.
            let sixel = Workstation(store: store, modelPath: nil, theme: .plain, graphics: .sixel)
            sixel.cell = CellGeometry(width: 8, height: 17, source: .kernel)
            sixel.handle(.char("/")); for c in "SIM00001" { sixel.handle(.char(c)) }; sixel.handle(.enter)
            _ = sixel.render(width: width, height: height)
            var times: [Double] = [], bytes = 0
            for _ in 0..<repeats {
                sixel.clearPreviewCache()
                times.append(ms {
                    sixel.handle(.enter)
                    _ = sixel.render(width: width, height: height)
                    if let image = sixel.pixelImage {
                        bytes = PixelProtocol.sequence(rgb: image.rgb, width: image.width, height: image.height,
                                                       placement: image.placement, cell: sixel.cell, mode: .sixel)?.utf8.count ?? 0
                    }
                })
                sixel.handle(.escape); _ = sixel.render(width: width, height: height)
            }
            table.rows.append(["Enter (study, sixel at 8×17 cells: decode + \(bytes / 1024) KB sixel)",
                               String(format: "%.2f", median(times)), String(format: "%.2f", times.max()!)])
        }
        print(table.render())
    }

    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
