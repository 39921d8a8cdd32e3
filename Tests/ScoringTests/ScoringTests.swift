import Foundation
import Phantom
import Testing
import UltrasoundImaging
@testable import Scoring

@Suite struct ImagePredictionTests {
    @Test func expectedGradeFromCumulativeLogits() {
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        // The expected grade is P(≥ mild) + P(≥ moderate) + P(severe) ≈ 0.953 + 0.622 + 0.119 ≈ 1.69.
        let s = ImagePrediction(logits: [3, 0.5, -2, 5, 0, 0, 0, 3, 0, 0])
        #expect(abs(s.score - (sigmoid(3) + sigmoid(0.5) + sigmoid(-2))) < 1e-6)
        #expect(abs(s.probabilities.reduce(0, +) - 1) < 1e-12)
        #expect(ScoreRule.standard.grade(s.score) == .moderate && s.suggestedView == .rightIntercostal && s.quality > 0.9)
        // Non-monotone cumulative logits are made monotone: P(≥ moderate) never exceeds P(≥ mild).
        let t = ImagePrediction(logits: [-1, 1, 3, 0, 0, 0, 0, 0, 0, 0])
        #expect(t.cumulative[1] <= t.cumulative[0] && t.cumulative[2] <= t.cumulative[1])
        #expect(t.probabilities.allSatisfy { $0 >= 0 })
    }

    @Test func studyIsTheMeanOverViewsWithFlags() {
        func image(_ score: Float, view: Int = 0, quality: Float = 4) -> ImagePrediction {
            var logits: [Float] = [score, score - 4, score - 8, 0, 0, 0, 0, quality, 0, 1]
            logits[3 + view] = 5
            return ImagePrediction(logits: logits)
        }
        let scores = [image(6), image(6), image(6), image(-6), image(-6), image(-6, quality: -4)]
        let views: [View?] = [.rightIntercostal, .rightIntercostal, .rightIntercostal, .subcostal, .subcostal, .subcostal]
        let r = StudyResult.aggregate(scores, views: views, calibration: .gradeMidpoints)
        #expect(r.views.map(\.view) == [.rightIntercostal, .subcostal])
        #expect(r.views.map(\.images) == [3, 2])
        #expect(abs((r.score ?? -9) - (r.views[0].score + r.views[1].score) / 2) < 1e-12)
        #expect(r.flags.contains("refused:poor-quality") && r.flags.contains("few-images:subcostal") && r.flags.contains("missing-view:left-lobe"))
        #expect(r.flags.contains("views-disagree"))
        let untagged = StudyResult.aggregate([image(0), image(0), image(0)], views: [nil, nil, nil], calibration: .gradeMidpoints)
        #expect(untagged.flags.contains("views-suggested") && untagged.views.first?.view == .rightIntercostal)
    }

    @Test func fatCalibrationIsMonotone() {
        let c = FatCalibration.gradeMidpoints
        let values = stride(from: -0.5, through: 3.5, by: 0.05).map { c.fatPercent(score: $0) }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(Grade(fatPercent: c.fatPercent(score: 1)) == .mild && Grade(fatPercent: c.fatPercent(score: 3)) == .severe)
        #expect(FatCalibration(json: c.json) == c)
    }

    @Test func headsAreReadWhereTheSpecPutsThem() throws {
        // The same logits with the heads in another order read the same once the layout follows the spec.
        var spec = SteatosisNetwork.spec
        spec.heads = [spec.heads[2], spec.heads[0], spec.heads[1]]   // gate, ordinal, view
        let layout = try #require(HeadLayout(spec))
        #expect(layout.gate == 0..<3 && layout.ordinal == 3..<6 && layout.view == 6..<10)
        let standard: [Float] = [2, 0.5, -1, 4, 0, 0, 0, 1.5, -1, 0]
        let moved: [Float] = [1.5, -1, 0, 2, 0.5, -1, 4, 0, 0, 0]
        #expect(ImagePrediction(logits: moved, layout: layout) == ImagePrediction(logits: standard))
        // A network without a gate (or an older file's quality logit) is not a steatosis network.
        spec.heads.removeFirst()
        #expect(HeadLayout(spec) == nil)
    }

    @Test func theGateRefusesAndNamesWhy() {
        // Gate logits: usable, not liver, poor.
        func prediction(gate: [Float]) -> ImagePrediction { ImagePrediction(logits: [1, 0, -1, 3, 0, 0, 0] + gate) }
        #expect(prediction(gate: [3, 0, 0]).refusal(.standard) == nil)
        #expect(prediction(gate: [0, 3, 1]).refusal(.standard) == .notLiver)
        #expect(prediction(gate: [0, 1, 3]).refusal(.standard) == .poorQuality)
        // The threshold is the model's: a lenient rule keeps an uncertain image.
        let unsure = prediction(gate: [0.5, 0.6, 0])
        #expect(unsure.refusal(.standard) == .notLiver && unsure.refusal(ScoreRule(gateThreshold: 0.3)) == nil)
    }

    /// A gate trained with class weights 1,4,2.5 has them divided out before the threshold (the
    /// weights' share of each logit comes off), and files without the field (every model before it)
    /// keep the network's probabilities.
    @Test func theGatesTrainingWeightsAreDividedOut() throws {
        let weighted = ImagePrediction(logits: [1, 0, -1, 3, 0, 0, 0, 0.2, Float(log(4.0)), Float(log(2.5)) - 0.3])
        #expect(weighted.refusal(.standard) == .notLiver)
        let rule = ScoreRule(gatePriorWeights: [1, 4, 2.5])
        let corrected = weighted.dividingGate(by: rule.gatePriorWeights)
        // e^0.2 : 1 : e^-0.3 after dividing, so P(usable) = e^0.2 / (e^0.2 + 1 + e^-0.3), still under even odds.
        #expect(abs(corrected.quality - exp(0.2) / (exp(0.2) + 1 + exp(-0.3))) < 1e-6 && corrected.refusal(rule) == .notLiver)
        let clearer = ImagePrediction(logits: [1, 0, -1, 3, 0, 0, 0, 1, Float(log(4.0)), Float(log(2.5))]).dividingGate(by: rule.gatePriorWeights)
        #expect(clearer.refusal(rule) == nil && abs(clearer.gate.reduce(0, +) - 1) < 1e-12)
        #expect(try #require(ScoreRule(json: rule.json)) == rule)
        // Keys sorted, so the same training writes the same model file (and sha256).
        #expect(rule.json == #"{"gatePriorWeights":[1,4,2.5],"gateThreshold":0.5,"gradeCutoffs":[0.5,1.5,2.5]}"#)
        #expect(try #require(ScoreRule(json: "{\"gradeCutoffs\":[1,1.5,2],\"gateThreshold\":0.5}")).gatePriorWeights == nil)
        #expect(ScoreRule(json: "{\"gradeCutoffs\":[1,1.5,2],\"gateThreshold\":0.5,\"gatePriorWeights\":[1,0,2]}") == nil)
    }

    @Test func aStudyWithNothingScorableHasNoResultNotHealthy() {
        let refused = ImagePrediction(logits: [-5, -5, -5, 3, 0, 0, 0, -2, 4, 0])
        let r = StudyResult.aggregate([refused, refused], views: [.rightIntercostal, .subcostal], calibration: .gradeMidpoints)
        #expect(r.score == nil && r.grade == nil && r.fatPercent == nil && r.scoreSd == nil)
        #expect(r.flags.contains("no-result") && r.flags.contains("refused:not-liver"))
        #expect(r.refusals == [.notLiver, .notLiver])
    }

    @Test func gradeCutoffsComeFromTheRuleAndAreFittedWhereTheyBestSeparate() {
        let rule = ScoreRule(gradeCutoffs: [0.8, 1.6, 2.2])
        #expect([0.79, 0.8, 1.59, 1.6, 2.19, 2.2, 3].map { rule.grade($0).rawValue } == [0, 1, 1, 2, 2, 3, 3])
        #expect(ScoreRule(json: rule.json) == rule && ScoreRule(json: "{\"gradeCutoffs\":[1,0.5,2],\"gateThreshold\":0.5}") == nil)
        // Healthy livers score up to 0.9, mild from 1.0: the cut-off lands between them, not at 0.5.
        let healthy: [Double] = (0..<40).map { Double($0) * 0.9 / 39 }
        let mild: [Double] = (0..<40).map { 1.0 + Double($0) / 39 }
        let scores = healthy + mild
        let grades = [Int](repeating: 0, count: 40) + [Int](repeating: 1, count: 40)
        let fitted = ScoreRule.fit(scores: scores, grades: grades, liverQuality: Array(repeating: 0.9, count: 80))
        #expect(fitted.gradeCutoffs[0] > 0.9 && fitted.gradeCutoffs[0] <= 1.0)
        #expect(fitted.gateThreshold == 0.5)
    }

    @Test func theGradeScaleSendsEachCutoffToItsHalfwayPoint() {
        let rule = ScoreRule(gradeCutoffs: [1.08, 1.42, 2.10])
        // Worked by hand: 0.54 is half way to the first cut-off; 1.25 half way between the first two.
        let mapped = [0, 0.54, 1.08, 1.25, 1.42, 2.10, 2.55, 3].map(rule.onGradeScale)
        let expected = [0, 0.25, 0.5, 1.0, 1.5, 2.5, 2.75, 3]
        #expect(zip(mapped, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(mapped)")
        #expect(expected.indices.allSatisfy { abs(rule.expectedGrade(onGradeScale: expected[$0]) - [0, 0.54, 1.08, 1.25, 1.42, 2.10, 2.55, 3][$0]) < 1e-12 })
        // Rounding the mapped score gives the rule's grade; the map is increasing; standard cut-offs map to themselves.
        let grid = stride(from: 0.0, through: 3.0, by: 0.005).map { $0 }
        #expect(grid.allSatisfy { ScoreRule.standard.grade(rule.onGradeScale($0)) == rule.grade($0) })
        #expect(zip(grid, grid.dropFirst()).allSatisfy { rule.onGradeScale($0) < rule.onGradeScale($1) })
        #expect(grid.allSatisfy { abs(ScoreRule.standard.onGradeScale($0) - $0) < 1e-12 })
        // A last cut-off at or above 3 still maps into [2.5, 3].
        let high = ScoreRule(gradeCutoffs: [1, 2, 3.2])
        #expect(high.onGradeScale(3.2) == 2.5 && high.onGradeScale(3.5) == 3)
        // A study result keeps its grades and fat %, its scores and spread move with the map.
        func image(_ score: Float) -> ImagePrediction { ImagePrediction(logits: [score, score - 3, score - 6, 5, 0, 0, 0, 3, 0, 0]) }
        let r = StudyResult.aggregate([image(0), image(0.4), image(-0.2)], views: [.rightIntercostal, .rightIntercostal, .rightIntercostal],
                                      calibration: .gradeMidpoints, rule: rule)
        let g = r.onGradeScale(rule)
        #expect(g.grade == r.grade && g.fatPercent == r.fatPercent && g.views.map(\.grade) == r.views.map(\.grade))
        #expect(abs(g.score! - rule.onGradeScale(r.score!)) < 1e-12 && g.score! < r.score!)
        #expect(!g.flags.contains("scanner-calibrated"))
    }

    @Test func anEnsembleAveragesItsMembersAndKeepsTheirScores() {
        let a = ImagePrediction(logits: [2, 0, -2, 3, 0, 0, 0, 3, 0, 0]), b = ImagePrediction(logits: [0, -1, -3, 3, 0, 0, 0, 3, 0, 0])
        let mean = ImagePrediction(averaging: [a, b])
        #expect(abs(mean.score - (a.score + b.score) / 2) < 1e-12)
        #expect(mean.memberScores == [a.score, b.score])
        let r = StudyResult.aggregate([mean, mean, mean], views: [.rightIntercostal, .rightIntercostal, .rightIntercostal],
                                      calibration: .gradeMidpoints)
        // Identical images: no sampling spread beyond one view's; the members' disagreement remains.
        #expect((r.scoreSd ?? 0) >= abs(a.score - b.score) / 2 * 0.99)
    }
}

/// The depth scale burned in beside the fan gives centimetres per pixel on every simulated screen.
@Suite struct DepthScaleTests {
    /// A real scanner's screenshots (../shared/real-liver; skipped when absent): every scale is read,
    /// and the fans come out 8–18 cm deep (the screens print D 8.0 to 17.0; the fan's box reaches a
    /// little past the last centimetre); none looks like a colour-Doppler study.
    @Test func realScreenshotsHaveTheirScaleRead() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path + "/shared/real-liver"
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder).filter({ $0.hasSuffix(".jpg") }), !files.isEmpty else { return }
        for file in files {
            let image = try ImageDecoder.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))).image
            let grey = FanDetector.greyAndColour(image).grey
            let fan = try #require(FanDetector.detect(image), "\(file): no fan")
            // The header bar (its text ends near row 40; the fan's apex is at row 98) never joins the fan.
            #expect(fan.y0 > 80, "\(file): fan starts at row \(fan.y0)")
            let read = DepthScale.read(grey: grey, width: image.width, height: image.height, fan: fan)
            #expect(read != nil, "\(file): no depth scale read")
            let depth = Double(fan.y1 - fan.y0) * (read ?? 0)
            #expect(depth > 8 && depth < 18, "\(file): fan \(depth) cm deep")
            // The operator's typed grade is colour, but far too little to pass for a Doppler box.
            let input = try #require(Preprocessing.prepare(image))
            #expect(input.colouredShare < Preprocessing.colourDopplerShare / 4, "\(file): \(input.colouredShare) colour")
        }
    }

    @Test(arguments: ScannerProfile.all.map(\.id))
    func theScaleIsReadOffTheScreen(scanner: String) throws {
        let profile = try #require(ScannerProfile.named(scanner))
        let exam = Exam(patient: SimulatedPatient(index: 2, fatPercent: 20, seed: 3), profile: profile, date: "2025-01-01", seed: 5)
        let frame = exam.frame(view: .subcostal, index: 0)
        let fan = try #require(FanDetector.detect(frame.image))
        let grey = FanDetector.greyAndColour(frame.image).grey
        let read = DepthScale.read(grey: grey, width: frame.image.width, height: frame.image.height, fan: fan)
        #expect(read != nil, "\(scanner): no depth scale found")
        let cmPerPixel = read ?? 0
        #expect(abs(cmPerPixel * frame.pixelsPerCm - 1) < 0.03, "\(scanner): read \(1 / cmPerPixel) px/cm, drawn \(frame.pixelsPerCm)")
    }
}

/// Fan detection on every simulator profile and view: the detected fan overlaps the true one.
@Suite struct FanDetectionTests {
    /// On randomly drawn scanners (header bars, scales and colours of every kind) the fan never
    /// reaches into the header, and its top is no more than 1.2 cm below the skin line (a dark near
    /// field can be left out; the window then starts that much lower, which training's shifts
    /// cover). A curved probe's fan starts above the skin at its centre: at the ends of its arc.
    @Test func theFanStartsAtTheSkinNotInTheHeader() throws {
        for k in 0..<12 {
            let profile = ScannerProfile.randomised(seed: UInt64(900 + k))
            let exam = Exam(patient: SimulatedPatient(index: k, fatPercent: 30, seed: 5), profile: profile, date: "2025-01-01", seed: UInt64(k))
            let frame = exam.frame(view: .subcostal, index: 0)
            let fan = try #require(FanDetector.detect(frame.image), "\(profile.id): no fan")
            #expect(fan.y0 >= profile.screen.headerHeight, "\(profile.id): fan top \(fan.y0) in the header (\(profile.screen.headerHeight))")
            #expect(Double(fan.y0) - frame.skinY < 1.2 * frame.pixelsPerCm,
                    "\(profile.id): fan top \(fan.y0), skin at \(frame.skinY), \(frame.pixelsPerCm) px/cm")
        }
    }

    @Test(arguments: ScannerProfile.all.map(\.id))
    func detectedFanMatchesTheTrueFan(scanner: String) throws {
        let profile = try #require(ScannerProfile.named(scanner))
        for view in View.liverViews {
            let exam = Exam(patient: SimulatedPatient(index: 3, fatPercent: 40, seed: 8), profile: profile, date: "2025-01-01", seed: 21)
            let frame = exam.frame(view: view, index: 0)
            let fan = try #require(FanDetector.detect(frame.image), "\(scanner) \(view): no fan")
            // Recall counts the visible fan: black lung below a diaphragm shows nothing to find.
            let (grey, _) = FanDetector.greyAndColour(frame.image)
            var both = 0, truth = 0, found = 0
            for y in 0..<frame.image.height { for x in 0..<frame.image.width {
                let i = y * frame.image.width + x
                let d = fan.mask[i], t = frame.insideFan(x, y) && (grey[i] > 20 || d)
                if t { truth += 1 }; if d { found += 1 }; if t && d { both += 1 }
            } }
            // Most of the detected region is fan, and most of the fan is found (the mask is eroded and
            // skips coloured overlays; a dark rib shadow at the edge may be left out).
            #expect(Double(both) / Double(found) > 0.97, "\(scanner) \(view): precision \(Double(both) / Double(found))")
            #expect(Double(both) / Double(truth) > 0.8, "\(scanner) \(view): recall \(Double(both) / Double(truth))")
        }
    }

    /// The real screenshots in ../shared/real-liver (skipped when absent): a fan on every one, and the
    /// operator's green grade text never inside the mask.
    @Test func realScreenshotsHaveAFanAndTheTypedGradeIsMasked() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/real-liver").path
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder).filter({ $0.hasSuffix(".jpg") }), !files.isEmpty else {
            print("real-liver: folder absent, test skipped"); return
        }
        for file in files {
            let (_, image) = try ImageDecoder.decode([UInt8](FileManager.default.contents(atPath: folder + "/" + file)!))
            let fan = try #require(FanDetector.detect(image), "\(file): no fan")
            #expect(Double(fan.area) / Double(image.width * image.height) > 0.2, "\(file): fan too small")
            var greenInside = 0
            for i in 0..<(image.width * image.height) where fan.mask[i] {
                let r = Int(image.pixels[3 * i]), g = Int(image.pixels[3 * i + 1]), b = Int(image.pixels[3 * i + 2])
                if g - max(r, b) > 60 { greenInside += 1 }
            }
            #expect(greenInside == 0, "\(file): \(greenInside) green pixels inside the mask")
        }
    }
}

@Suite struct CalibrationFitTests {
    @Test func isotonicFitIsMonotoneAndFollowsTheData() throws {
        let scores = (0..<60).map { Double($0) / 20 }
        let fat = scores.enumerated().map { i, s in s * 28 + (i % 2 == 0 ? 6 : -6) }   // noisy, rising
        let c = try #require(FatCalibration.fit(scores: scores, fat: fat))
        #expect(zip(c.fat, c.fat.dropFirst()).allSatisfy { $0 <= $1 } && zip(c.scores, c.scores.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(c.fatPercent(score: 1.5) - 42) < 8)
    }
}

/// Preprocessing: where the scale comes from, and what is refused before the network.
@Suite struct PreprocessingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.root + "/" + path))) }

    @Test func theScaleIsDeclaredReadOffTheScreenOrAssumed() throws {
        let jpeg = try bytes("SampleStudies/SIM00002/SIM00002-1/subcostal-1.jpg")
        // A simulated screenshot: its depth scale is read; with the manifest's spacing it is declared.
        let read = try #require(try Preprocessing.prepare(file: jpeg)[0])
        #expect(read.scale == .screen)
        let declared = try #require(try Preprocessing.prepare(file: jpeg, cmPerPixel: 0.03)[0])
        #expect(declared.scale == .declared)
        // Every input row is the same physical depth: 16 cm over 128 rows, in cm / 20.
        #expect(abs(Double(read.rowDepth[127]) - 15.9375 / 20) < 1e-6 && read.rowDepth == declared.rowDepth)
        // A DICOM file with an ultrasound region declares its spacing (the fixture's region: 0.05 cm a pixel).
        #expect(ImageDecoder.declaredSpacing(try bytes("Tests/Fixtures/dicom/implicit-vr.dcm")) == 0.05)
        #expect(ImageDecoder.declaredSpacing(jpeg) == nil)
    }

    @Test func aScreenWithoutAScaleIsAssumedAndFlagged() throws {
        // The sample's screen with its left side (scale and grey bar) painted over.
        var image = try ImageDecoder.decode(try bytes("SampleStudies/SIM00002/SIM00002-1/subcostal-1.jpg")).image
        let fan = try #require(FanDetector.detect(image))
        for y in 0..<image.height { for x in 0..<max(0, fan.x0 - 2) { for c in 0..<image.channels { image.pixels[(y * image.width + x) * image.channels + c] = 0 } } }
        let input = try #require(Preprocessing.prepare(image))
        #expect(input.scale == .assumed)
    }

    @Test func colourDopplerBoxesAreCountedAsColour() throws {
        let exam = Exam(patient: SimulatedPatient(index: 1, fatPercent: 10, seed: 2), profile: .meridian, date: "2025-01-01", seed: 4)
        let doppler = try #require(Preprocessing.prepare(exam.frame(other: .colourDoppler, index: 0).image))
        let plain = try #require(Preprocessing.prepare(exam.frame(view: .rightIntercostal, index: 0).image))
        #expect(doppler.colouredShare > Preprocessing.colourDopplerShare)
        #expect(plain.colouredShare < Preprocessing.colourDopplerShare / 4)
    }

    @Test func aDeclaredDopplerDisplayIsRefusedAnECGTraceIsNot() throws {
        // One sample liver image on a DICOM screen above a strip the file declares as a PW spectral
        // Doppler sweep, or as an ECG trace (scripts/make_region_fixtures.py).
        let duplexFile = try bytes("Tests/Fixtures/dicom/regions/duplex.dcm"), ecgFile = try bytes("Tests/Fixtures/dicom/regions/bmode-ecg.dcm")
        let duplex = try #require(try Preprocessing.prepare(file: duplexFile)[0])
        let ecg = try #require(try Preprocessing.prepare(file: ecgFile)[0])
        #expect(duplex.scale == .declared && ecg.scale == .declared)
        #expect(duplex.declaresDopplerOrMMode && Preprocessing.isNotLiverByRule(duplex))
        #expect(!ecg.declaresDopplerOrMMode && !Preprocessing.isNotLiverByRule(ecg))
        // The many-files path scoring takes says the same.
        let batch = Preprocessing.prepare(files: [(duplexFile, [0], nil), (ecgFile, [0], nil)])
        #expect(batch[0][0]?.declaresDopplerOrMMode == true && batch[1][0]?.declaresDopplerOrMMode == false)
        // The standard's codes: M-mode and spectral formats, colour flow and Doppler data types are
        // Doppler or M-mode displays; tissue, an ECG trace and a grey bar are not.
        func region(_ format: Int, _ type: Int) -> UltrasoundRegion {
            UltrasoundRegion(minX: 0, minY: 0, maxX: 9, maxY: 9, spatialFormat: format, dataType: type)
        }
        let doppler = [region(2, 1), region(3, 4), region(1, 2), region(4, 5), region(3, 8)].map(\.isDopplerOrMMode)
        let other = [region(1, 1), region(4, 10), region(0, 13), region(1, 0)].map(\.isDopplerOrMMode)
        #expect(doppler == [true, true, true, true, true] && other == [false, false, false, false])
    }
}

@Suite struct AugmentationTests {
    let size = 32
    /// A flat field with a vertical step edge in the middle, all inside the fan but the first row.
    func stepImage() -> ([Float], [Bool]) {
        let v = (0..<(size * size)).map { i -> Float in i % size < size / 2 ? 0.2 : 0.8 }
        let m = (0..<(size * size)).map { $0 >= size }
        return (v, m)
    }

    @Test func gaussianKeepsFlatFieldsAndNeverReadsOutsideTheFan() {
        let a = Augmentation()
        let flat = [Float](repeating: 0.4, count: size * size)
        var mask = [Bool](repeating: true, count: size * size)
        var withOutside = flat
        for i in 0..<size { withOutside[i] = 1; mask[i] = false }   // a bright row outside the fan
        let out = a.gaussian(withOutside, mask: mask, size: size, sigma: 1.5)
        for i in size..<(size * size) { #expect(abs(out[i] - 0.4) < 1e-5) }
    }

    @Test func speckleReductionSmoothsFlatAreasButKeepsEdges() {
        let a = Augmentation()
        var (v, m) = stepImage()
        var rng = Xorshift(seed: 9)
        for i in v.indices { v[i] += 0.05 * rng.normal() }   // speckle-like noise
        let out = a.speckleReduction(v, mask: m, size: size, sigma: 1.5, edge: 0.05)
        func spread(_ x: [Float], columns: Range<Int>) -> Float {
            let values = (4..<(size - 4)).flatMap { y in columns.map { x[y * size + $0] } }
            let mean = values.reduce(0, +) / Float(values.count)
            return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
        }
        #expect(spread(out, columns: 2..<10) < 0.6 * spread(v, columns: 2..<10))
        // The step stays a step: the columns either side of it still differ by most of 0.6.
        let row = 16 * size
        #expect(out[row + size / 2] - out[row + size / 2 - 1] > 0.35)
    }

    @Test func sharpeningSteepensAnEdgeAndStaysInRange() {
        let a = Augmentation()
        let (v, m) = stepImage()
        let out = a.sharpen(v, mask: m, size: size, amount: 1)
        let row = 16 * size
        #expect(out[row + size / 2] > 0.8 && out[row + size / 2 - 1] < 0.2)
        #expect(out.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}

@Suite struct SiteCalibrationTests {
    @Test func aScannerMapIsMonotoneAndRemovesABias() throws {
        // A scanner whose scores read 0.6 grade high across the range.
        let grades = (0..<60).map { $0 % 4 }
        let scores = grades.enumerated().map { i, g in min(3, Double(g) + 0.6 + 0.1 * sin(Double(i))) }
        let calibration = try #require(ScoreCalibration.fit(scores: scores, grades: grades, fat: grades.map { _ in nil }))
        let mapped = scores.map(calibration.apply)
        let bias = zip(mapped, grades).map { $0 - Double($1) }.reduce(0, +) / Double(grades.count)
        #expect(abs(bias) < 0.1)
        #expect(zip(stride(from: 0.0, to: 3, by: 0.1), stride(from: 0.1, to: 3.1, by: 0.1)).allSatisfy { calibration.apply($0) <= calibration.apply($1) })
        #expect(calibration.fat == nil)
        #expect(ScoreCalibration(json: calibration.json) == calibration)
        // Too few studies, or one grade only: no map.
        #expect(ScoreCalibration.fit(scores: Array(scores.prefix(10)), grades: Array(grades.prefix(10)), fat: Array(repeating: nil, count: 10)) == nil)
        #expect(ScoreCalibration.fit(scores: scores, grades: grades.map { _ in 1 }, fat: grades.map { _ in nil }) == nil)
        // A cross-validation fold of a small site (four fifths of 23 studies) still fits, on its own floor.
        #expect(ScoreCalibration.fit(scores: Array(scores.prefix(18)), grades: Array(grades.prefix(18)), fat: Array(repeating: nil, count: 18), minimum: 8) != nil)
    }

    @Test func aCalibratedResultReadsOnTheScannersScale() throws {
        let calibration = ScoreCalibration(grade: FatCalibration(scores: [0, 3], fat: [0, 1.5]), fat: nil, studies: 40)
        let prediction = ImagePrediction(logits: [3, 1, 0.5, 5, 0, 0, 0, 5, 0, 0])
        let raw = StudyResult.aggregate([prediction], views: [.rightIntercostal], calibration: .gradeMidpoints)
        let mapped = raw.calibrated(by: calibration, modelFat: .gradeMidpoints)
        #expect(abs(mapped.score! - raw.score! / 2) < 1e-9 && mapped.flags.contains("scanner-calibrated"))
        #expect(mapped.grade == ScoreRule.standard.grade(mapped.score!))
        #expect(mapped.fatPercent == raw.fatPercent)   // no fat map for the scanner: the model's, on the raw score
    }

    @Test func fineTuningKeepsTheStemAndEarlyBlocks() {
        var options = TrainingOptions()
        options.frozenBlocks = 3
        #expect(options.isFrozen("stem.conv.weight") && options.isFrozen("blocks.2.pw.weight"))
        #expect(!options.isFrozen("blocks.3.pw.weight") && !options.isFrozen("head.weight"))
        options.frozenBlocks = 0
        #expect(!options.isFrozen("stem.conv.weight"))
    }
}

@Suite struct GateTrainingTests {
    /// Scenes to refuse are shown under the liver views as often as livers: a gate trained otherwise
    /// reads "not a liver" off a missing view tag and refuses untagged liver images.
    @Test func scenesToRefuseAreNotAlwaysShownWithoutAView() throws {
        let exam = Exam(patient: SimulatedPatient(index: 1, fatPercent: 10, seed: 2), profile: .meridian, date: "2025-01-01", seed: 4)
        let input = try #require(Preprocessing.prepare(exam.frame(other: .heart, index: 0).image))
        let scene = TrainingSample(input: input, grade: 0, fatPercent: nil, view: SteatosisNetwork.unknownView, patient: "p", refusal: .notLiver)
        var options = TrainingOptions(); options.junkFraction = 0; options.augmentationStrength = 0...0
        let trainer = Trainer(options: options)
        var rng = Xorshift(seed: 5)
        let (_, conditions, _, _, _, content) = trainer.assemble(Array(repeating: scene, count: 400), rng: &rng)
        #expect(content.allSatisfy { $0 == 1 })
        let unknown = conditions.filter { $0 == SteatosisNetwork.unknownView }.count
        #expect(unknown > 40 && unknown < 130, "shown without a view \(unknown) of 400 times (view dropout is 20 %)")
        for view in 0..<3 { #expect(conditions.filter { $0 == view }.count > 60, "liver view \(view)") }
    }

    /// `--augment MIN,MAX`: each image's strength is drawn from the range; 0 leaves the image as it
    /// was (up to mirroring), and a stronger range moves the intensities further.
    @Test func augmentationStrengthComesFromTheRange() throws {
        let exam = Exam(patient: SimulatedPatient(index: 1, fatPercent: 20, seed: 2), profile: .meridian, date: "2025-01-01", seed: 4)
        let input = try #require(Preprocessing.prepare(exam.frame(view: .rightIntercostal, index: 0).image))
        let liver = TrainingSample(input: input, grade: 1, fatPercent: 20, view: 0, patient: "p", refusal: nil)
        let plain = input.channels(intensity: liver.intensity.map { Float($0) / 255 })
        let size = SteatosisNetwork.size
        // Half the images are mirrored whatever the strength: compare with the nearer of the two.
        let mirrored = plain.indices.map { i in plain[i - i % size + size - 1 - i % size] }
        func change(_ range: ClosedRange<Float>) -> Double {
            var options = TrainingOptions(); options.junkFraction = 0; options.augmentationStrength = range
            var rng = Xorshift(seed: 9)
            let (x, _, _, _, _, _) = Trainer(options: options).assemble(Array(repeating: liver, count: 40), rng: &rng)
            let plane = plain.count
            var total = 0.0
            for b in 0..<40 {
                let image = Array(x.data[(b * plane)..<((b + 1) * plane)])
                let distances = [plain, mirrored].map { zip(image, $0).map { Double(abs($0 - $1)) }.reduce(0, +) / Double(plane) }
                total += distances.min()!
            }
            return total / 40
        }
        let none = change(0...0), weak = change(0.4...0.6), strong = change(1.4...1.6)
        #expect(weak > none && strong > weak * 1.3, "mean change \(none) / \(weak) / \(strong)")
    }
}

/// A fan found once is reused for the other images of the same acquisition, and only when it fits.
@Suite struct FanReuseTests {
    static func overlap(_ a: FanRegion, _ b: FanRegion) -> Double {
        var both = 0, either = 0
        for i in a.mask.indices where a.mask[i] || b.mask[i] { either += 1; if a.mask[i] && b.mask[i] { both += 1 } }
        return Double(both) / Double(max(1, either))
    }

    /// Share of the true fan's visible pixels a mask finds (recall), and share of the mask inside the true
    /// fan (precision; dark lung or a shadow inside the fan's outline is still fan).
    static func recallPrecision(_ fan: FanRegion, _ frame: SimulatedFrame) -> (Double, Double) {
        let (grey, _) = FanDetector.greyAndColour(frame.image)
        var both = 0, truth = 0, found = 0, inside = 0
        for y in 0..<frame.image.height { for x in 0..<frame.image.width {
            let i = y * frame.image.width + x
            let t = frame.insideFan(x, y) && grey[i] > 20
            if t { truth += 1 }; if fan.mask[i] { found += 1 }; if t && fan.mask[i] { both += 1 }
            if fan.mask[i] && frame.insideFan(x, y) { inside += 1 }
        } }
        return (Double(both) / Double(max(1, truth)), Double(inside) / Double(max(1, found)))
    }

    /// Within an exam (one probe, one depth) the larger of the first two frames' fans fits most other
    /// frames; whenever a
    /// fan is reused — within an exam or on another exam's screen of the same size — it matches the
    /// true fan as well as detecting afresh does.
    @Test func aReusedFanIsAsGoodAsDetectingAfresh() throws {
        var accepted = 0, tried = 0
        let profiles = ScannerProfile.all + (0..<6).map { ScannerProfile.randomised(seed: UInt64(300 + $0)) }
        for (k, profile) in profiles.enumerated() {
            let exams = (0..<2).map { Exam(patient: SimulatedPatient(index: k, fatPercent: 25, seed: UInt64(k)), profile: profile,
                                           date: "2025-01-01", seed: UInt64(40 + 7 * k + $0)) }
            // As scoring does: the larger of the first two frames' fans.
            let leaderFan = try [View.subcostal, .rightIntercostal].map { view in
                try #require(FanDetector.detect(exams[0].frame(view: view, index: 0).image), "\(profile.id): no fan")
            }.max { $0.area < $1.area }!
            let candidates = [exams[0].frame(view: .rightIntercostal, index: 1), exams[0].frame(view: .leftLobe, index: 2),
                              exams[1].frame(view: .subcostal, index: 0)]
            for (c, frame) in candidates.enumerated() {
                let image = frame.image
                let (grey, coloured) = FanDetector.greyAndColour(image)
                guard let fresh = FanDetector.detect(grey: grey, coloured: coloured, width: image.width, height: image.height) else { continue }
                let reused = FanDetector.reuse(leaderFan, grey: grey, coloured: coloured, width: image.width, height: image.height)
                if c < 2 { tried += 1; if reused != nil { accepted += 1 } }
                guard let reused else { continue }
                let (r1, p1) = Self.recallPrecision(reused, frame), (r0, p0) = Self.recallPrecision(fresh, frame)
                #expect(r1 > min(r0, 0.95) - 0.02 && p1 > min(p0, 0.98) - 0.02,
                        "\(profile.id) image \(c): reused recall \(r1) precision \(p1), afresh \(r0) \(p0)")
            }
        }
        #expect(Double(accepted) >= 0.7 * Double(tried), "reused within an exam \(accepted) of \(tried)")
    }

    @Test func aFanIsNotReusedOnAnotherScreenOrABlankOne() throws {
        let exam = Exam(patient: SimulatedPatient(index: 1, fatPercent: 10, seed: 2), profile: .meridian, date: "2025-01-01", seed: 4)
        let image = exam.frame(view: .subcostal, index: 0).image
        let fan = try #require(FanDetector.detect(image))
        let blank = [UInt8](repeating: 12, count: image.width * image.height)
        let none = [Bool](repeating: false, count: blank.count)
        #expect(FanDetector.reuse(fan, grey: blank, coloured: none, width: image.width, height: image.height) == nil)
        let smaller = [UInt8](repeating: 12, count: (image.width - 2) * image.height)
        #expect(FanDetector.reuse(fan, grey: smaller, coloured: [Bool](repeating: false, count: smaller.count),
                                  width: image.width - 2, height: image.height) == nil)
    }

    /// A study's frames prepared together (with reuse) give the inputs each frame gives alone.
    @Test func preparingAStudyTogetherMatchesEachImageAlone() throws {
        let exam = Exam(patient: SimulatedPatient(index: 4, fatPercent: 30, seed: 6), profile: .aurora, date: "2025-01-01", seed: 9)
        let files = try View.liverViews.flatMap { view in
            try (0..<2).map { try JPEGCodec.encode(exam.frame(view: view, index: $0).image, quality: 90) }
        }
        let together = Preprocessing.prepare(files: files.map { (bytes: $0, frames: [0], cmPerPixel: nil) })
        for (bytes, prepared) in zip(files, together) {
            let alone = try #require(try Preprocessing.prepare(file: bytes).first ?? nil)
            let input = try #require(prepared.first ?? nil)
            let differing = zip(alone.mask, input.mask).filter { $0 != $1 }.count
            #expect(differing <= alone.mask.count / 100, "\(differing) of \(alone.mask.count) cells differ in the mask")
            let delta = zip(alone.intensity, input.intensity).map { abs($0 - $1) }.reduce(0, +) / Float(alone.intensity.count)
            #expect(delta < 0.005, "mean |Δ intensity| \(delta)")
        }
    }
}

/// A large JPEG is decoded at a reduced scale for analysis (libjpeg-turbo's DCT scaling) and gives the
/// network the input the full-size decode gives.
@Suite struct ReducedDecodeTests {
    /// A simulated 640×480 screen shown twice as large (what a 1280×960 capture of it holds).
    static func doubled(_ image: PixelImage) -> PixelImage {
        let w = image.width * 2, h = image.height * 2, c = image.channels
        var pixels = [UInt8](repeating: 0, count: w * h * c)
        for y in 0..<h { for x in 0..<w { for k in 0..<c {
            pixels[(y * w + x) * c + k] = image.pixels[((y / 2) * image.width + x / 2) * c + k]
        } } }
        return PixelImage(width: w, height: h, channels: c, pixels: pixels)
    }

    @Test func onlyImagesLargerThanTheSmallestTestedScreenAreReduced() throws {
        let exam = Exam(patient: SimulatedPatient(index: 1, fatPercent: 10, seed: 2), profile: .meridian, date: "2025-01-01", seed: 4)
        let frame = exam.frame(view: .subcostal, index: 0).image
        #expect(try JPEGCodec.reduction(JPEGCodec.encode(frame), minimumWidth: 640, minimumHeight: 480) == 1)
        #expect(try JPEGCodec.reduction(JPEGCodec.encode(Self.doubled(frame)), minimumWidth: 640, minimumHeight: 480) == 2)
        let reduced = try JPEGCodec.decode(JPEGCodec.encode(Self.doubled(frame)), reduction: 2)
        #expect(reduced.width == frame.width && reduced.height == frame.height)
    }

    /// Same brightness and contrast (no bias: the cells move by a fraction of a pixel, which changes
    /// each cell's speckle a little, as the training's shifts do), and the same score from the shipped model.
    @Test(arguments: ["meridian-c5", "lumen-l5"])
    func aReducedDecodeGivesTheNetworkTheSameInput(scanner: String) throws {
        let profile = try #require(ScannerProfile.named(scanner))
        let model = try SteatosisModel(path: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/steatoscope-default.safetensors").path)
        let exam = Exam(patient: SimulatedPatient(index: 2, fatPercent: 30, seed: 3), profile: profile, date: "2025-01-01", seed: 6)
        for view in View.liverViews {
            let frame = exam.frame(view: view, index: 0)
            let bytes = try JPEGCodec.encode(Self.doubled(frame.image), quality: 95)
            let full = try #require(Preprocessing.prepare(try JPEGCodec.decode(bytes)), "\(scanner) \(view): full size")
            let reduced = try #require(try Preprocessing.prepare(file: bytes).first ?? nil, "\(scanner) \(view): reduced")
            #expect(full.scale == reduced.scale)
            let differing = zip(full.mask, reduced.mask).filter { $0 != $1 }.count
            #expect(differing <= full.mask.count / 50, "\(scanner) \(view): \(differing) mask cells differ")
            let both = full.mask.indices.filter { full.mask[$0] && reduced.mask[$0] }
            let bias = both.map { full.intensity[$0] - reduced.intensity[$0] }.reduce(0, +) / Float(max(1, both.count))
            let delta = both.map { abs(full.intensity[$0] - reduced.intensity[$0]) }.reduce(0, +) / Float(max(1, both.count))
            #expect(abs(bias) < 0.003 && delta < 0.04, "\(scanner) \(view): mean Δ intensity \(bias), mean |Δ| \(delta)")
            let scores = model.score([full, reduced], views: [view, view]).map(\.score)
            #expect(abs(scores[0] - scores[1]) < 0.1, "\(scanner) \(view): score \(scores[0]) full size, \(scores[1]) reduced")
            // A declared spacing (the manifest's, for the stored size) is scaled with the decode.
            let declared = try #require(try Preprocessing.prepare(file: bytes, cmPerPixel: 0.5 / frame.pixelsPerCm).first ?? nil)
            let fullDeclared = try #require(Preprocessing.prepare(try JPEGCodec.decode(bytes), cmPerPixel: 0.5 / frame.pixelsPerCm))
            let shift = zip(declared.mask, fullDeclared.mask).filter { $0 != $1 }.count
            #expect(shift <= declared.mask.count / 50, "\(scanner) \(view): declared spacing, \(shift) mask cells differ")
        }
    }
}
