import Foundation
import Testing
import UltrasoundImaging

/// Names and dates as the files mean them: each Specific Character Set becomes UTF-8, a file that
/// declares none but holds accented names reads as Latin-1, old-style dates (1994.11.05) read as ISO.
/// The fixtures and their expected values come from scripts/make_charset_fixtures.py (pydicom).
@Suite struct CharsetTests {
    static let folder = Fixtures.root + "/dicom/charset"

    struct Expected: Decodable { var patient_name: String; var study_date: String; var birth_date: String }

    static let expected: [String: Expected] = {
        let data = FileManager.default.contents(atPath: folder + "/expected.json")!
        return try! JSONDecoder().decode([String: Expected].self, from: data)
    }()

    @Test(arguments: expected.keys.sorted())
    func namesAndDatesReadAsMeant(file: String) throws {
        let bytes = [UInt8](FileManager.default.contents(atPath: Self.folder + "/" + file)!)
        let want = try #require(Self.expected[file])
        for m in [try DicomFile(bytes: bytes).metadata, try DicomFile.metadata(headerBytes: bytes)] {
            #expect(m.patientName?.replacingOccurrences(of: "^", with: " ") == want.patient_name)
            #expect(m.studyDate == want.study_date)
            #expect(m.birthDate == want.birth_date)
        }
    }

    @Test func datesInEveryShapeReadTheSame() {
        #expect(DicomMetadata.isoDate("19941105") == "1994-11-05")
        #expect(DicomMetadata.isoDate("1994.11.05") == "1994-11-05")
        #expect(DicomMetadata.isoDate(" 1994-11-05 ") == "1994-11-05")
        #expect(DicomMetadata.isoDate("1994") == "1994")          // partial: kept as written
        #expect(DicomMetadata.isoDate("") == nil)
    }
}
