import CaseStore
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
        #expect(shown.area.columns > 10 && shown.area.rows > 5 && shown.rgb.count == shown.width * shown.height * 3)
        f.type([.char("?")])
        _ = f.screen()
        #expect(f.ws.pixelImage == nil)          // help covers it: cleared, drawn again after
        f.type([.char("x")])
        _ = f.screen()
        #expect(f.ws.pixelImage?.key == shown.key)
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

    @Test func pixelProtocolSequences() throws {
        var rgb = [UInt8](repeating: 0, count: 64 * 48 * 3)
        for i in 0..<(64 * 48) { rgb[3 * i] = UInt8(i % 256); rgb[3 * i + 1] = UInt8(i / 64 * 5) }
        let kitty = try #require(PixelProtocol.sequence(rgb: rgb, width: 64, height: 48, columns: 20, rows: 10, mode: .kitty))
        #expect(kitty.hasPrefix("\u{1B}_G") && kitty.contains("\u{1B}\\"))
        let sixel = try #require(PixelProtocol.sequence(rgb: rgb, width: 64, height: 48, columns: 20, rows: 10, mode: .sixel))
        #expect(sixel.hasPrefix("\u{1B}P") && sixel.contains("#"))   // DCS … q, colour registers
        #expect(PixelProtocol.sequence(rgb: rgb, width: 64, height: 48, columns: 20, rows: 10, mode: .text) == nil)
    }

    @Test func cellImagesKeepTheAspectRatio() throws {
        let rgb = [UInt8](repeating: 128, count: 200 * 100 * 3)
        let text = try #require(CellImage.render(rgb: rgb, width: 200, height: 100, columns: 40, rows: 40, mode: .text))
        #expect(text.columns == 40 && text.rows == 10)
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
