import CaseStore
import UltrasoundImaging

/// A stored image written out as a lossless PNG of its decoded pixels (one per DICOM frame).
public enum ImageExport {
    /// The PNG bytes; anonymised, everything outside the detected fan is black (burned-in names and
    /// dates live there). `fanFound` is false when no fan was found and the image is all black.
    public static func png(_ image: ImageRecord, store: CaseStore, anonymize: Bool) throws -> (png: [UInt8], fanFound: Bool) {
        let (pixels, fanFound) = try pixels(image, store: store, anonymize: anonymize)
        return (try PNGCodec.encode(pixels), fanFound)
    }

    /// The decoded pixels, blanked outside the fan when anonymised.
    public static func pixels(_ image: ImageRecord, store: CaseStore, anonymize: Bool) throws -> (image: PixelImage, fanFound: Bool) {
        try pixels(image, bytes: store.images.load(sha256: image.sha256), anonymize: anonymize)
    }

    /// The same from the stored file's bytes, already loaded (and checked against its hash).
    public static func pixels(_ image: ImageRecord, bytes: [UInt8], anonymize: Bool) throws -> (image: PixelImage, fanFound: Bool) {
        var pixels = try ImageDecoder.decode(bytes, frame: image.frameNumber).image
        var fanFound = true
        if anonymize {
            let fan = try ImageDecoder.decodeWithFanMask(bytes, frame: image.frameNumber).fan
            for i in 0..<(pixels.width * pixels.height) where !fan[i] {
                for c in 0..<pixels.channels { pixels.pixels[i * pixels.channels + c] = 0 }
            }
            fanFound = fan.contains(true)
        }
        return (pixels, fanFound)
    }
}
