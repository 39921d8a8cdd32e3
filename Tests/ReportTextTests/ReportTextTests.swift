import Testing
@testable import ReportText

@Suite struct ReportReaderTests {
    @Test(arguments: reportCorpus.indices)
    func readsTheCorpus(_ i: Int) {
        let (text, grade, hedged) = reportCorpus[i]
        let reading = ReportReader.read(text)
        #expect(reading.grade == grade, "\"\(text)\" → \(reading)")
        #expect(reading.hedged == hedged, "\"\(text)\" hedged → \(reading)")
        if grade != nil { #expect(reading.phrase != nil) } else { #expect(reading.why != nil) }
    }

    @Test func sayWhyThereIsNoGrade() {
        #expect(ReportReader.read("Kidneys normal.").why == "no mention")
        #expect(ReportReader.read("Steatosis cannot be excluded.").why == "indeterminate")
        #expect(ReportReader.read("Liver could not be assessed.").why == "not assessable")
    }

    // Text before a finding is walked in UTF-16 units; a character outside the basic plane is two of
    // them, neither a scalar of its own (this crashed the reader; found reading it, not by the fuzzer).
    @Test func charactersOutsideTheBasicPlaneBeforeAFinding() {
        #expect(ReportReader.read("Liver 😀 with mild steatosis.").grade == 1)
        #expect(ReportReader.read("No 🫀 steatosis, liver normal.").grade == 0)
    }

    @Test func abbreviationsAreFoundOnlyAsWholeShortWords() {
        #expect(ReportReader.sentences(of: "Steatosis gr. 2. Spleen normal.") == ["Steatosis gr. 2", "Spleen normal"])
        #expect(ReportReader.sentences(of: "Liver xgr. Kidney.") == ["Liver xgr", "Kidney"])
        #expect(ReportReader.sentences(of: "Mild steatosis i.e. fatty liver. Next.") == ["Mild steatosis i.e. fatty liver", "Next"])
    }

    @Test func thePhraseIsTheSentenceRelied() {
        let reading = ReportReader.read("Kidneys normal. Moderate hepatic steatosis. Spleen 11 cm.")
        #expect(reading.phrase == "Moderate hepatic steatosis")
    }
}
