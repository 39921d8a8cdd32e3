import CaseStore
import Scoring
import UltrasoundImaging

/// Scoring a stored study taken apart into its stages, for `steato bench score` to time each one
/// on the same images the end-to-end path uses.
public struct ScoringStages {
    public let records: [ImageRecord]
    public let files: [[UInt8]]
    public let inputs: [NetworkInput]
    public let views: [View?]

    public init(studyId: Int64, store: CaseStore) throws {
        let records = try store.detail(studyId: studyId).images
        self.records = records
        files = try records.map { try store.images.load(sha256: $0.sha256) }
        let prepared = try StoredImages.prepare(records, store: store)
        let usable = prepared.indices.filter { prepared[$0] != nil }
        inputs = usable.map { prepared[$0]! }
        views = usable.map { records[$0].view }
    }

    public func decode() throws -> [PixelImage] { try zip(files, records).map { try ImageDecoder.decode($0, frame: $1.frameNumber).image } }
    public func detectFans(_ pixels: [PixelImage]) -> [FanRegion?] { pixels.map { FanDetector.detect($0) } }
    public func reuseFans(_ pixels: [PixelImage], reference: FanRegion) -> [FanRegion?] {
        pixels.map { image in
            let (grey, coloured) = FanDetector.greyAndColour(image)
            return FanDetector.reuse(reference, grey: grey, coloured: coloured, width: image.width, height: image.height)
        }
    }
    public func resample(_ pixels: [PixelImage], _ fans: [FanRegion?]) -> [NetworkInput] {
        zip(pixels, fans).compactMap { p, f in f.map { Preprocessing.prepare(p, fan: $0) } }
    }
    public func normalise() { for input in inputs { _ = input.channels() } }
}
