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

    @Test func thePhraseIsTheSentenceRelied() {
        let reading = ReportReader.read("Kidneys normal. Moderate hepatic steatosis. Spleen 11 cm.")
        #expect(reading.phrase == "Moderate hepatic steatosis")
    }
}
