import CaseStore
import DicomNetwork
import Foundation
import GRDB
import Testing
import TerminalGraphics
import UltrasoundImaging
@testable import Workstation

/// The workstation driven by keys without a terminal: what a person would read on the grid, and what
/// lands in the database.
@Suite(.serialized) struct WorkstationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let model = root + "/Models/steatoscope-default.safetensors"

    final class Fixture {
        let folder = NSTemporaryDirectory() + "steato-ws-\(UUID().uuidString)"
        let store: CaseStore
        let ws: Workstation
        init() throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            store = try CaseStore(path: folder + "/cases.sqlite")
            // Two sample patients, their manifest rows only.
            let manifest = try String(contentsOfFile: WorkstationTests.root + "/SampleStudies/manifest.csv", encoding: .utf8)
            let lines = manifest.split(separator: "\n")
            let rows = lines.dropFirst().filter { $0.hasPrefix("SIM00001/") || $0.hasPrefix("SIM00002/") }
                .map { WorkstationTests.root + "/SampleStudies/" + $0 }
            try ([String(lines[0])] + rows).joined(separator: "\n").write(toFile: folder + "/manifest.csv", atomically: true, encoding: .utf8)
            _ = Importer(store: store).run(ImportPlanner.plan(paths: [folder + "/manifest.csv"]))
            ws = Workstation(store: store, modelPath: WorkstationTests.model, theme: .plain, graphics: .ascii)
        }
        deinit { try? FileManager.default.removeItem(atPath: folder) }

        func type(_ keys: [Key]) { for k in keys { ws.handle(k) } }
        func type(_ text: String) { for c in text { ws.handle(.char(c)) } }
        func screen(_ w: Int = 120, _ h: Int = 40) -> String { ws.render(width: w, height: h).text }
    }

    @Test func worklistListsStudiesAndFiltersAsYouType() throws {
        let f = try Fixture()
        var text = f.screen()
        #expect(text.contains("SIM00001") && text.contains("SIM00002") && text.contains("study 1 of 2"))
        #expect(text.contains("RI3 SC3 LL3"))
        f.type([.char("/")])
        f.type("00002")
        text = f.screen()
        #expect(text.contains("SIM00002") && !text.contains("SIM00001 "))
        #expect(text.contains("/00002"))
        f.type([.enter])
        #expect(f.screen().contains("study 1 of 1 · sort triage filter \"00002\""))
        f.type([.char("/"), .escape])
        #expect(f.screen().contains("study 1 of 2"))
    }

    @Test func habitsFromOtherTerminalTools() throws {
        let f = try Fixture()
        _ = f.screen()
        // n / N: the next match of the last search, kept after Esc cleared the filter.
        f.type([.char("n")])
        #expect(f.screen().contains("no search yet"))
        f.type([.char("o")])                       // sort by patient: SIM00001 first
        f.type([.char("/")]); f.type("00002"); f.type([.escape])
        #expect(f.screen().contains("study 1 of 2"))
        f.type([.char("n")])
        #expect(f.screen().contains("study 2 of 2"))
        f.type([.char("N")])                       // wraps round to the same, only match
        #expect(f.screen().contains("study 2 of 2"))
        // The mouse: a click selects a row, a click on the selected row opens it; the wheel scrolls.
        f.ws.handle(.click(x: 5, y: 1))
        #expect(f.screen().contains("study 1 of 2"))
        f.ws.handle(.wheelDown)
        #expect(f.screen().contains("study 2 of 2"))
        f.ws.handle(.click(x: 5, y: 2))
        let study = f.screen()
        #expect(study.contains("SIM00002") && study.contains("right-intercostal"))
        // In a study, a click on an image in the lists selects it.
        f.ws.handle(.click(x: 2, y: StudyScreen.listTop + 3))
        #expect(f.ws.study?.rowInColumn == 1 && f.ws.study?.column == 0)
        // Ctrl-L asks the terminal for a redraw; Ctrl-Z for a suspend.
        f.type([.ctrl("l")])
        #expect(f.ws.terminalRequest == .redraw)
        f.ws.terminalRequest = nil
        f.type([.escape])
        // The command line: history with ↑ ↓, Tab completes commands, themes and paths.
        f.type([.char(":")]); f.type("sort date"); f.type([.enter])
        f.type([.char(":"), .up])
        #expect(f.screen().contains(":sort date"))
        f.type([.escape, .char(":")]); f.type("th"); f.type([.tab]); f.type("li"); f.type([.tab])
        #expect(f.screen().contains(":theme light"))
        f.type([.escape])
        #expect(CommandCompletion.complete("import " + WorkstationTests.root + "/SampleStud").text
                == "import " + WorkstationTests.root + "/SampleStudies/")
        #expect(CommandCompletion.complete("sc").text == "score ")
    }

    @Test func wideAndAccentedNamesAreMeasuredInColumns() {
        var grid = TextGrid(width: 20, height: 1)
        let end = grid.put("李小龍 Zoë", x: 0, y: 0)
        #expect(end == 10)                              // three wide characters, a space, three narrow
        #expect(grid.lines[0] == "李小龍 Zoë")
        #expect(TextGrid.columns("Kowalski, Anna") == 14 && TextGrid.columns("e\u{301}") == 1)
        #expect(fitted("李小龍李小龍", 7) == "李小龍…" && TextGrid.columns(fitted("李小龍李小龍", 7)) == 7)
        #expect(TextGrid.columns(fitted("李", 5)) == 5)
        // A wide character that would straddle the edge is left out, not cut in half.
        var narrow = TextGrid(width: 3, height: 1)
        #expect(narrow.put("a李龍", x: 0, y: 0) == 3 && narrow.lines[0] == "a李")
    }

    @Test func sortingCyclesColumnsAndReverses() throws {
        let f = try Fixture()
        f.type([.char("o")])   // triage → patient
        #expect(f.screen().contains("PATIENT▲"))
        f.type([.char("O")])
        let lines = f.screen().split(separator: "\n")
        #expect(lines[0].contains("PATIENT▼") && lines[1].contains("SIM00002") && lines[2].contains("SIM00001"))
    }

    @Test func tagAViewUndoAndMarkSeveral() throws {
        let f = try Fixture()
        f.type([.char("o"), .enter])   // patient order: SIM00001 first
        var text = f.screen()
        #expect(text.contains("right-intercostal") && text.contains("subcostal") && text.contains("left-lobe"))
        let study = try #require(f.ws.study)
        let first = try #require(study.selected)
        f.type([.char("0")])
        var image = try f.store.read { db in try ImageRecord.fetchOne(db, key: first.id!) }
        #expect(image?.view == .other)
        text = f.screen()
        #expect(text.contains("tagged 1 image other (u undoes)"))
        f.type([.char("u")])
        image = try f.store.read { db in try ImageRecord.fetchOne(db, key: first.id!) }
        #expect(image?.view == .rightIntercostal)
        // Mark two images of the subcostal column and tag them left-lobe at once.
        f.type([.char("l"), .char(" "), .char(" "), .char("3")])
        let leftLobe = try f.store.read { db in
            try ImageRecord.filter(Column("studyId") == study.studyId && Column("view") == "left-lobe").fetchCount(db)
        }
        #expect(leftLobe == 5)
        let audits = try f.store.read { db in try AuditEntry.filter(Column("action") == "tag").fetchCount(db) }
        #expect(audits >= 2 + 2 + 18)   // the manifest's tags, the other/undo pair, the two retags
    }

    @Test func scoreInTheBackgroundThenReview() throws {
        let f = try Fixture()
        f.type([.char("o"), .enter, .char("s")])
        #expect(f.screen().contains("scoring study"))
        f.ws.scorer.wait()
        #expect(f.ws.poll())
        var text = f.screen()
        #expect(text.contains("Study ") && text.contains("score") && text.contains("±"))
        let grade = try #require(f.ws.study?.detail.studyScore?.grade)
        f.type([.char("r")])
        #expect(f.screen().contains("Review study"))
        let other = grade == 3 ? 2 : grade + 1
        f.type([.char(Character(String(other)))])
        f.type("steatosis visible")
        f.type([.enter])
        text = f.screen()
        #expect(text.contains("overridden"))
        let studyId = try #require(f.ws.study?.studyId)
        let study = try f.store.read { db in try Study.fetchOne(db, key: studyId)! }
        #expect(study.status == .reviewed && study.grade == other)
        let review = try f.store.read { db in try Review.fetchOne(db)! }
        #expect(review.decision == .overridden && review.reason == "steatosis visible")
    }

    @Test func imageViewCineAndHepatorenalBoxes() throws {
        let f = try Fixture()
        f.type([.char("o"), .enter, .enter])
        var text = f.screen()
        #expect(text.contains("image ") && text.contains("1024×768") || text.contains("640×480") || text.contains("800×600"))
        f.type([.char(".")])
        #expect(f.screen().contains("single frame"))
        f.type([.escape, .char("H")])
        text = f.screen()
        #expect(text.contains("Hepatorenal index") && text.contains("liver/kidney ="))
        f.type([.right, .right, .tab, .down, .char("+"), .enter])
        #expect(f.screen().contains("hepatorenal index"))
        let rois = try f.store.read { db in try ROI.fetchCount(db) }
        #expect(rois >= 2)
    }

    @Test func helpIsTheKeyTable() throws {
        let f = try Fixture()
        f.type([.char("?")])
        let text = f.screen(120, 60)
        for binding in KeyTable.bindings { #expect(text.contains(binding.help), "help misses: \(binding.help)") }
        f.type([.char("x")])
        #expect(!f.screen().contains("this help"))
    }

    @Test func commandLineFiltersSortsAndSwitchesTheme() throws {
        let f = try Fixture()
        f.type([.char(":")]); f.type("sort name"); f.type([.enter])
        #expect(f.ws.worklist.query.sort == .name)
        f.type([.char(":")]); f.type("filter grade>=2"); f.type([.enter])
        #expect(f.ws.worklist.query.minGrade == 2 && f.screen().contains("No study matches"))
        f.type([.char(":")]); f.type("filter"); f.type([.enter])
        #expect(f.screen().contains("study 1 of 2"))
        f.type([.char(":")]); f.type("theme high-contrast"); f.type([.enter])
        #expect(f.ws.theme.name == "high contrast")
        f.type([.char(":")]); f.type("bogus"); f.type([.enter])
        #expect(f.screen().contains("unknown command ':bogus'"))
    }

    @Test func importFromTheCommandLineInTheBackground() throws {
        let f = try Fixture()
        f.type([.char(":")]); f.type("import " + WorkstationTests.root + "/SampleStudies/SIM00003"); f.type([.enter])
        #expect(f.screen().contains("importing"))
        f.ws.importer.wait()
        _ = f.ws.poll()
        let text = f.screen()
        #expect(text.contains("import finished: 9 images in 1 studies") && text.contains("study 1 of 3"), "\(text)")
        f.type([.char(":")]); f.type("import /no/such/folder"); f.type([.enter])
        #expect(f.screen().contains("/no/such/folder: no such file or folder"))
        // A cine with every frame.
        f.type([.char(":")]); f.type("import " + WorkstationTests.root + "/Tests/Fixtures/dicom/jpeg-cine.dcm --frames all"); f.type([.enter])
        f.ws.importer.wait()
        _ = f.ws.poll()
        #expect(f.screen().contains("import finished: 3 images in 1 studies"))
        f.type([.char(":")]); f.type("import /tmp --frames some"); f.type([.enter])
        #expect(f.screen().contains("--frames must be all, first or every:N"))
    }

    @Test func shippedThemesLoadAndBadLinesAreNamed() throws {
        for name in ["default", "light", "high-contrast", "monochrome"] {
            let theme = try ThemeLibrary.load(name)
            #expect(theme.style(.selected) != Theme.Style() || theme.monochrome, "\(name)")
        }
        #expect(try ThemeLibrary.load("monochrome").monochrome)
        #expect(throws: ThemeError.self) { try Theme(name: "x", text: "header = purple-ish") }
        #expect(throws: ThemeError.self) { try Theme(name: "x", text: "nonsense = red") }
    }

    @Test func pixelImagesAreOfferedOnlyWithoutAnOverlay() throws {
        let f = try Fixture()
        f.ws.graphics = .kitty
        _ = f.screen()
        #expect(f.ws.pixelImage == nil)          // the worklist has no image
        f.type([.enter])
        _ = f.screen()
        let shown = try #require(f.ws.pixelImage)
        #expect(shown.placement.columns > 10 && shown.placement.rows > 5 && shown.rgb.count == shown.width * shown.height * 3)
        // Sized with the cell: 8×17 cells (xterm, DejaVu 10) give a larger image than 10×20 in the same box.
        f.ws.cell = CellGeometry(width: 8, height: 17, source: .kernel)
        _ = f.screen()
        let small = try #require(f.ws.pixelImage)
        #expect(small.placement.pixelWidth <= small.placement.columns * 8 && small.placement.pixelHeight <= small.placement.rows * 17)
        f.ws.cell = .assumed
        f.type([.char("?")])
        _ = f.screen()
        #expect(f.ws.pixelImage == nil)          // help covers it: cleared, drawn again after
        f.type([.char("x")])
        _ = f.screen()
        #expect(f.ws.pixelImage?.key == shown.key)
    }

    @Test func themesFallBackToFewColoursAndTheSelectionAlwaysShows() throws {
        let theme = try ThemeLibrary.load("default")
        // Declared 8 / 16-colour styles are used as written; 256-colour terminals get the full ones.
        #expect(theme.style(.selected, colours: 8).background == 6 && theme.style(.selected, colours: 256).background == 117)
        // Undeclared ones go to the nearest basic colour, never all to white: 196 is red, 77 green.
        #expect(theme.style(.grade3, colours: 8).foreground == 1 && theme.style(.grade3, colours: 16).foreground == 9)
        #expect(theme.style(.grade0, colours: 16).foreground == 2)
        #expect(Theme.nearest(250, among: 8) == 7 && Theme.nearest(244, among: 16) == 8 && Theme.nearest(232, among: 16) == 0)
        #expect(Theme.nearest(117, among: 8) == 6 && Theme.nearest(117, among: 16) == 14 && Theme.nearest(220, among: 8) == 3)
        // Grey text on the terminal's background (hint, dim) takes the terminal's foreground, dimmed,
        // so it shows on light and dark backgrounds alike.
        #expect(theme.style(.dim, colours: 8).foreground == -1 && theme.style(.dim, colours: 8).dim)
        // Without colour (ASCII, NO_COLOR) every theme's selection is reversed and its headers bold.
        for name in ThemeLibrary.names() {
            let t = try ThemeLibrary.load(name)
            #expect(t.style(.selected, colours: 0).reverse, "\(name)")
            #expect(t.style(.selected, colours: 0).foreground == -1 && t.style(.header, colours: 0).bold)
            // With few colours the selection's text and background differ.
            for colours in [8, 16] {
                let selected = t.style(.selected, colours: colours)
                #expect(selected.reverse || selected.foreground != selected.background, "\(name) \(colours)")
            }
        }
        #expect(throws: ThemeError.self) { try Theme(name: "x", text: "selected = black 117 | black 117") }
    }

    @Test func tinyTerminalsSayWhatTheyNeed() throws {
        let f = try Fixture()
        #expect(f.screen(30, 8).contains("need 40×10"))
    }

    @Test func probeRepliesAreRead() {
        let base = TerminalCapabilities()
        let kitty = TerminalProbe.parse("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;22c", into: base)
        #expect(kitty.kitty && !kitty.sixel && kitty.bestMode == .kitty)
        let sixel = TerminalProbe.parse("\u{1B}[?63;1;2;4;6;9;15;22c", into: base)
        #expect(!sixel.kitty && sixel.sixel && sixel.bestMode == .sixel)
        var tmux = sixel; tmux.insideTmux = true
        #expect(tmux.bestMode == .text)
        var plain = tmux; plain.colour = false
        #expect(plain.bestMode == .ascii)
    }

    @Test func probeRepliesGiveTheCellSizeAndSixelLimit() {
        let base = TerminalCapabilities()
        // xterm -ti vt340 with 8×17 cells: CSI 16 t, CSI 14 t, XTSMGRAPHICS, then DA1.
        let xterm = TerminalProbe.parse("\u{1B}[6;17;8t\u{1B}[4;816;1280t\u{1B}[?2;0;1000;1000S\u{1B}[?63;1;2;4;6;9;15;22c", into: base)
        #expect(xterm.sixel && xterm.reportedCell == CellGeometry(width: 8, height: 17, source: .terminal))
        #expect(xterm.sixelLimit == PixelSize(width: 1000, height: 1000))
        // Only the window's pixels (CSI 14 t): divided by its cells.
        let window = TerminalProbe.parse("\u{1B}[4;816;1280t\u{1B}[?62;22c", into: base, columns: 160, rows: 48)
        #expect(window.reportedCell == CellGeometry(width: 8, height: 17, source: .terminal))
        // Nonsense sizes are ignored; a terminal that answers only DA1 leaves them unknown.
        #expect(TerminalProbe.parse("\u{1B}[6;0;0t\u{1B}[?62c", into: base).reportedCell == nil)
        #expect(TerminalProbe.parse("\u{1B}[?1;2c", into: base).sixelLimit == nil)
        #expect(CellGeometry.from(pixelWidth: 1284, pixelHeight: 820, columns: 160, rows: 48, source: .kernel)
                == CellGeometry(width: 8, height: 17, source: .kernel))
        #expect(CellGeometry.from(pixelWidth: 0, pixelHeight: 0, columns: 160, rows: 48, source: .kernel) == nil)
    }

    @Test func tmuxPassesImagesOnlyWithPassthrough() {
        var base = TerminalCapabilities(); base.insideTmux = true
        let off = TmuxClient.parse("0|256,RGB,sixel,title|xterm-256color\n", into: base)
        #expect(off.sixel && !off.tmuxPassthrough && off.bestMode == .text)
        let on = TmuxClient.parse("1|256,RGB,sixel,title|xterm-256color\n", into: base)
        #expect(on.bestMode == .sixel)
        let kitty = TmuxClient.parse("1|256,RGB,title|xterm-kitty\n", into: base)
        #expect(kitty.bestMode == .kitty)
        #expect(TmuxClient.wrap("\u{1B}_Ga=d\u{1B}\\") == "\u{1B}Ptmux;\u{1B}\u{1B}_Ga=d\u{1B}\u{1B}\\\u{1B}\\")
    }

    @Test func pixelImagesFitTheirBoxTheLimitAndWholeSixelBands() throws {
        let xterm = CellGeometry(width: 8, height: 17, source: .kernel)
        // A 4:3 screen in a 76×42-cell box: 608×714 pixels of box, so width decides.
        let p = try #require(PixelPlacement.fit(width: 1024, height: 768, columns: 76, rows: 42, cell: xterm, sixelBands: true))
        #expect(p.pixelWidth == 608 && p.pixelHeight == 456 && p.pixelHeight % 6 == 0)
        #expect(p.columns == 76 && p.rows == 27)
        // The large view at 160×48 would be 1256×… pixels: the sixel limit holds it to 1000 wide.
        let big = try #require(PixelPlacement.fit(width: 1024, height: 768, columns: 158, rows: 44, cell: xterm,
                                                  limit: (1000, 1000), sixelBands: true))
        #expect(big.pixelWidth <= 1000 && big.pixelHeight <= 1000 && big.pixelHeight <= 44 * 17)
        #expect(abs(Double(big.pixelWidth) / Double(big.pixelHeight) - 4.0 / 3.0) < 0.02)
    }

    @Test func pixelProtocolSequences() throws {
        var rgb = [UInt8](repeating: 0, count: 64 * 48 * 3)
        for i in 0..<(64 * 48) { rgb[3 * i] = UInt8(i % 256); rgb[3 * i + 1] = UInt8(i / 64 * 5) }
        let cell = CellGeometry(width: 8, height: 17, source: .kernel)
        let placement = try #require(PixelPlacement.fit(width: 64, height: 48, columns: 20, rows: 10, cell: cell, sixelBands: true))
        let kitty = try #require(PixelProtocol.sequence(rgb: rgb, width: 64, height: 48, placement: placement, cell: cell, mode: .kitty))
        #expect(kitty.hasPrefix("\u{1B}_G") && kitty.contains("\u{1B}\\"))
        let sixel = try #require(PixelProtocol.sequence(rgb: rgb, width: 64, height: 48, placement: placement, cell: cell, mode: .sixel))
        #expect(sixel.hasPrefix("\u{1B}P") && sixel.contains("#"))   // DCS … q, colour registers
        // The sixel declares exactly the placement's pixels in its raster attributes ("Pan;Pad;Ph;Pv).
        #expect(sixel.contains("\"1;1;\(placement.pixelWidth);\(placement.pixelHeight)"))
        #expect(PixelProtocol.sequence(rgb: rgb, width: 64, height: 48, placement: placement, cell: cell, mode: .text) == nil)
    }

    @Test func cellImagesKeepTheAspectRatio() throws {
        let rgb = [UInt8](repeating: 128, count: 200 * 100 * 3)
        let text = try #require(CellImage.render(rgb: rgb, width: 200, height: 100, columns: 40, rows: 40, mode: .text))
        #expect(text.columns == 40 && text.rows == 10)
        // Cells 17/8 times as tall as wide (xterm): a 2:1 image over 40 columns is 40 / 2 / (17/8) ≈ 9 rows.
        let xterm = try #require(CellImage.render(rgb: rgb, width: 200, height: 100, columns: 40, rows: 40, mode: .text, cellAspect: 17.0 / 8))
        #expect(xterm.columns == 40 && xterm.rows == 9)
        let ascii = try #require(CellImage.render(rgb: rgb, width: 200, height: 100, columns: 40, rows: 40, mode: .ascii))
        #expect(ascii.columns == 40 && ascii.rows == 10 && ascii.cells.allSatisfy { $0.character == "=" || $0.character == "-" || $0.character == "+" })
    }
}

/// The default theme is compiled in (so an installed or copied binary never lacks one) and is the
/// same as the shipped file users copy and edit.
@Test func compiledDefaultThemeIsTheShippedFile() throws {
    let file = try String(contentsOfFile: WorkstationTests.root + "/Themes/default.theme", encoding: .utf8)
    #expect(ThemeLibrary.defaultText == file.trimmingCharacters(in: .newlines))
    #expect(try Theme(name: "default", text: ThemeLibrary.defaultText) == ThemeLibrary.load("default"))
}

@Test func theConfigFileGivesDefaultsAndNamesItsBadLines() throws {
    let settings = try UserSettings.parse("# mine\ntheme = light\ngraphics = text   # over ssh\n", file: "config")
    #expect(settings == UserSettings(theme: "light", graphics: "text"))
    #expect(try UserSettings.load(path: "/nonexistent/config") == UserSettings())
    #expect(throws: ThemeError.self) { try UserSettings.parse("graphics = pixels", file: "config") }
    do { _ = try UserSettings.parse("theme = light\ncolour = on", file: "/home/x/.config/steatoscope/config"); Issue.record("accepted") }
    catch { #expect("\(error)".contains("/home/x/.config/steatoscope/config: line 2")) }
}

@Test func theConfigFileGivesTheListenersTitlePortAndCallers() throws {
    let s = try UserSettings.parse("listen_aet = US_READER\nlisten_port = 4242\nallowed_callers = US_ROOM1, PACS ,CT\n", file: "config")
    #expect(s.listenAETitle == "US_READER" && s.listenPort == 4242 && s.allowedCallers == ["US_ROOM1", "PACS", "CT"])
    for bad in ["listen_port = 0", "listen_port = 70000", "listen_aet = A_TITLE_LONGER_THAN_16", "allowed_callers = ,", "listen_aet = BACK\\SLASH"] {
        do { _ = try UserSettings.parse(bad, file: "config"); Issue.record("accepted: \(bad)") }
        catch { #expect("\(error)".hasPrefix("config: line 1")) }
    }
}

@Test func dicomPeersAreTitleAtHostColonPort() {
    #expect(DicomPeer("ORTHANC@127.0.0.1:4242") == DicomPeer(aeTitle: "ORTHANC", host: "127.0.0.1", port: 4242))
    #expect(DicomPeer("PACS@pacs.example.org:104")?.host == "pacs.example.org")
    for bad in ["ORTHANC", "ORTHANC@host", "@host:104", "ORTHANC@:104", "ORTHANC@host:0", "ORTHANC@host:99999", "TOO_LONG_A_TITLE_X@h:104"] {
        #expect(DicomPeer(bad) == nil, "accepted \(bad)")
    }
}
