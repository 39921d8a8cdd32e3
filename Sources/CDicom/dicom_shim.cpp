// DCMTK and OpenJPEG behind dicom_shim.h. Only this file sees C++.
#include "dicom_shim.h"
#include "error_text.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <openjpeg.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

struct SteatoDicom {
    DcmFileFormat file;
    std::vector<uint8_t> buffer;       // the bytes DCMTK reads from (kept alive, even-length)
    SteatoDicomPixels info{};
    bool described = false;
    bool jpeg2000 = false;
    const uint8_t *native = nullptr;   // all frames, after decompression (not for JPEG 2000)
    size_t nativeLength = 0;
};

namespace {

// Largest decoded pixel data we accept for one file (all frames), before anything is allocated.
const double maxDecodedBytes = 2.0 * 1024 * 1024 * 1024;
const long maxSide = 16384;


void setup() {
    static std::once_flag once;
    std::call_once(once, [] {
        // DCMTK logs warnings about odd files to stderr; we report one clear line per file instead.
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        DcmRLEDecoderRegistration::registerCodecs();
        // Files labelled RGB whose lossy JPEG data is YCbCr are common: guess from the JPEG markers.
        DJDecoderRegistration::registerCodecs(EDC_guessLossyOnly);
        DJLSDecoderRegistration::registerCodecs();
    });
}

DcmItem *itemFor(SteatoDicom *d, uint16_t group) {
    return group == 0x0002 ? static_cast<DcmItem *>(d->file.getMetaInfo()) : static_cast<DcmItem *>(d->file.getDataset());
}

long numberValue(DcmItem *item, const DcmTagKey &key, long fallback) {
    Float64 value = 0;
    DcmElement *element = nullptr;
    if (item->findAndGetElement(key, element, OFFalse).bad() || element == nullptr) return fallback;
    if (element->getVM() == 0) return fallback;
    switch (element->ident()) {
        case EVR_US: { Uint16 v; if (element->getUint16(v).good()) return v; break; }
        case EVR_SS: { Sint16 v; if (element->getSint16(v).good()) return v; break; }
        case EVR_UL: { Uint32 v; if (element->getUint32(v).good()) return (long)v; break; }
        case EVR_SL: { Sint32 v; if (element->getSint32(v).good()) return v; break; }
        default: {
            OFString text;
            if (element->getOFString(text, 0).good()) {
                char *end = nullptr;
                value = strtod(text.c_str(), &end);
                if (end != text.c_str()) return (long)value;
            }
        }
    }
    return fallback;
}

// --- Nesting depth, before DCMTK sees the bytes ---

// DCMTK parses sequences recursively, about a kilobyte of stack per level: a file nesting thousands of
// sequences overflows a worker thread's stack. Real ultrasound files nest a few levels. This walk reads
// only tags and lengths up to the pixel data; where it cannot follow the file it stops and lets DCMTK judge.
const int maxNesting = 32;

bool nestedTooDeeply(const uint8_t *p, size_t n) {
    size_t at = 0;
    if (n >= 132 && memcmp(p + 128, "DICM", 4) == 0) at = 132;
    else if (n >= 4 && memcmp(p, "DICM", 4) == 0) at = 4;
    bool explicitVR = true, little = true;
    auto u16 = [&](size_t i) -> uint32_t { return little ? (p[i] | p[i + 1] << 8) : (p[i] << 8 | p[i + 1]); };
    auto u32 = [&](size_t i) -> uint32_t {
        return little ? ((uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24)
                      : ((uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 | (uint32_t)p[i + 3]);
    };
    // Group 0002 is explicit little endian; its transfer syntax decides the rest.
    if (at == 0 && n >= 6) explicitVR = isupper(p[4]) && isupper(p[5]);
    bool inMeta = at > 0;
    std::vector<size_t> ends;  // end offset of each open sequence or item; SIZE_MAX when undefined
    while (at + 8 <= n) {
        while (!ends.empty() && ends.back() != SIZE_MAX && at >= ends.back()) ends.pop_back();
        if (inMeta && !(p[at] == 0x02 && p[at + 1] == 0x00)) {
            inMeta = false;
            // The transfer syntax UID was remembered below when seen.
        }
        uint32_t group = u16(at), element = u16(at + 2);
        if (group == 0xFFFE) {
            uint32_t length = u32(at + 4);
            at += 8;
            if (element == 0xE000) {
                ends.push_back(length == 0xFFFFFFFF ? SIZE_MAX : at + length);
                if ((int)ends.size() > maxNesting) return true;
            } else if (!ends.empty()) {
                ends.pop_back();  // item or sequence delimiter
            }
            continue;
        }
        if (group == 0x7FE0 && element == 0x0010) return false;
        bool sequence = false;
        uint32_t length;
        size_t header;
        if (explicitVR || inMeta) {
            char vr[2] = {(char)p[at + 4], (char)p[at + 5]};
            if (!isupper(vr[0]) || !isupper(vr[1])) return false;
            bool longForm = strchr("OB OW OF OD OL OV SQ UT UN UC UR SV UV", vr[0]) != nullptr &&
                            (memcmp(vr, "OB", 2) == 0 || memcmp(vr, "OW", 2) == 0 || memcmp(vr, "OF", 2) == 0 ||
                             memcmp(vr, "OD", 2) == 0 || memcmp(vr, "OL", 2) == 0 || memcmp(vr, "OV", 2) == 0 ||
                             memcmp(vr, "SQ", 2) == 0 || memcmp(vr, "UT", 2) == 0 || memcmp(vr, "UN", 2) == 0 ||
                             memcmp(vr, "UC", 2) == 0 || memcmp(vr, "UR", 2) == 0 || memcmp(vr, "SV", 2) == 0 ||
                             memcmp(vr, "UV", 2) == 0);
            if (longForm) {
                if (at + 12 > n) return false;
                length = u32(at + 8);
                header = 12;
            } else {
                length = u16(at + 6);
                header = 8;
            }
            sequence = memcmp(vr, "SQ", 2) == 0 || (length == 0xFFFFFFFF && memcmp(vr, "UN", 2) == 0);
        } else {
            length = u32(at + 4);
            header = 8;
            // Implicit VR: a sequence has an undefined length or starts with an item.
            sequence = length == 0xFFFFFFFF ||
                       (at + 12 <= n && length >= 8 && u16(at + 8) == 0xFFFE && u16(at + 10) == 0xE000);
        }
        if (inMeta && group == 0x0002 && element == 0x0010 && length < 80 && at + header + length <= n) {
            std::string uid((const char *)p + at + header, length);
            while (!uid.empty() && (uid.back() == 0 || uid.back() == ' ')) uid.pop_back();
            explicitVR = uid != "1.2.840.10008.1.2";
            if (uid == "1.2.840.10008.1.2.2") little = false;  // applies after the meta group
            if (uid == "1.2.840.10008.1.2.1.99") return false;  // deflated: cannot be walked
        }
        at += header;
        if (sequence) {
            ends.push_back(length == 0xFFFFFFFF ? SIZE_MAX : at + length);
            if ((int)ends.size() > maxNesting) return true;
            continue;
        }
        if (length == 0xFFFFFFFF) return false;
        at += length;
    }
    return false;
}

// --- JPEG fragments DCMTK 3.6.7 cannot survive ---

// DCMTK's scan for the JPEG sample precision walks the markers before the frame header and, on some
// markers (TEM, and others found by `steato fuzz-dicom`), never moves on: it loops forever. So the
// header of every JPEG stream is walked here first, strictly: SOI, then only the segments a JPEG
// header holds (APPn, DQT, DHT, DRI, DAC, COM) with sane lengths, up to a frame header. Anything else
// is refused; DCMTK could not have decoded it either.
bool jpegHeaderIsSound(const uint8_t *data, size_t length) {
    if (length < 4 || data[0] != 0xFF || data[1] != 0xD8) return false;
    size_t offset = 2;
    while (offset + 4 <= length) {
        if (data[offset] != 0xFF) return false;
        uint8_t marker = data[offset + 1];
        bool frameHeader = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frameHeader) return true;
        bool segment = (marker >= 0xE0 && marker <= 0xEF) || marker == 0xDB || marker == 0xC4 || marker == 0xDD ||
                       marker == 0xCC || marker == 0xFE;
        if (!segment) return false;
        size_t segmentLength = (size_t)data[offset + 2] << 8 | data[offset + 3];
        if (segmentLength < 2 || offset + 2 + segmentLength > length) return false;
        offset += 2 + segmentLength;
    }
    return false;
}

bool jpegFragmentsAreSound(DcmPixelData *pixelData, E_TransferSyntax syntax) {
    DcmPixelSequence *sequence = nullptr;
    if (pixelData->getEncapsulatedRepresentation(syntax, nullptr, sequence).bad() || sequence == nullptr) return true;
    for (unsigned long i = 1; i < sequence->card(); i++) {
        DcmPixelItem *item = nullptr;
        Uint8 *data = nullptr;
        if (sequence->getItem(item, i).bad() || item == nullptr || item->getUint8Array(data).bad() || data == nullptr) {
            if (i == 1) return false;
            continue;
        }
        size_t length = item->getLength();
        bool startsStream = length >= 2 && data[0] == 0xFF && data[1] == 0xD8;
        // The first fragment must start a stream; later ones are checked when they start one.
        if ((i == 1 || startsStream) && !jpegHeaderIsSound(data, length)) return false;
    }
    return true;
}

// --- JPEG 2000 through OpenJPEG, from memory ---

struct MemorySource { const uint8_t *data; size_t size; size_t position; };

OPJ_SIZE_T readSource(void *buffer, OPJ_SIZE_T count, void *user) {
    auto *s = static_cast<MemorySource *>(user);
    if (s->position >= s->size) return (OPJ_SIZE_T)-1;
    size_t n = std::min((size_t)count, s->size - s->position);
    memcpy(buffer, s->data + s->position, n);
    s->position += n;
    return n;
}
OPJ_OFF_T skipSource(OPJ_OFF_T count, void *user) {
    auto *s = static_cast<MemorySource *>(user);
    if (count < 0) return -1;
    size_t n = std::min((size_t)count, s->size - s->position);
    s->position += n;
    return (OPJ_OFF_T)n;
}
OPJ_BOOL seekSource(OPJ_OFF_T offset, void *user) {
    auto *s = static_cast<MemorySource *>(user);
    if (offset < 0 || (size_t)offset > s->size) return OPJ_FALSE;
    s->position = (size_t)offset;
    return OPJ_TRUE;
}
void keepMessage(const char *message, void *user) {
    auto *text = static_cast<std::string *>(user);
    if (text->empty() && message) { *text = message; while (!text->empty() && text->back() == '\n') text->pop_back(); }
}

bool decodeJpeg2000(const std::vector<uint8_t> &code, const SteatoDicomPixels &info, uint8_t *out, std::string &error) {
    MemorySource source{code.data(), code.size(), 0};
    bool jp2 = code.size() >= 12 && code[4] == 'j' && code[5] == 'P' && code[6] == ' ' && code[7] == ' ';
    opj_codec_t *codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_stream_t *stream = opj_stream_create(64 * 1024, OPJ_TRUE);
    opj_image_t *image = nullptr;
    std::string message;
    opj_set_error_handler(codec, keepMessage, &message);
    opj_set_warning_handler(codec, [](const char *, void *) {}, nullptr);
    opj_set_info_handler(codec, [](const char *, void *) {}, nullptr);
    opj_stream_set_user_data(stream, &source, nullptr);
    opj_stream_set_user_data_length(stream, code.size());
    opj_stream_set_read_function(stream, readSource);
    opj_stream_set_skip_function(stream, skipSource);
    opj_stream_set_seek_function(stream, seekSource);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    bool ok = opj_setup_decoder(codec, &parameters) && opj_read_header(stream, codec, &image);
    if (ok) {
        long w = (long)(image->x1 - image->x0), h = (long)(image->y1 - image->y0);
        if (w != info.columns || h != info.rows || (long)image->numcomps < info.samples) {
            error = "JPEG 2000 frame is " + std::to_string(w) + "x" + std::to_string(h) + " with " + std::to_string(image->numcomps) +
                    " components, the header says " + std::to_string(info.columns) + "x" + std::to_string(info.rows);
            ok = false;
        }
    } else {
        error = "JPEG 2000 header: " + (message.empty() ? std::string("unreadable") : message);
    }
    if (ok && !(opj_decode(codec, stream, image) && opj_end_decompress(codec, stream))) {
        error = "JPEG 2000 data: " + (message.empty() ? std::string("cannot decode") : message);
        ok = false;
    }
    if (ok) {
        for (long c = 0; c < info.samples && ok; c++) {
            const opj_image_comp_t &comp = image->comps[c];
            if (comp.w != (OPJ_UINT32)info.columns || comp.h != (OPJ_UINT32)info.rows || comp.data == nullptr) {
                error = "JPEG 2000 component " + std::to_string(c) + " is subsampled, which is not supported";
                ok = false;
            }
        }
    }
    if (ok) {
        long pixels = info.rows * info.columns, samples = info.samples;
        long maximum = info.bits_allocated == 8 ? 255 : 65535;
        for (long c = 0; c < samples; c++) {
            const OPJ_INT32 *data = image->comps[c].data;
            bool sgnd = image->comps[c].sgnd;
            for (long i = 0; i < pixels; i++) {
                long v = data[i];
                if (!sgnd) v = std::max(0L, std::min(maximum, v));
                long at = info.planar_configuration == 1 ? c * pixels + i : i * samples + c;
                if (info.bits_allocated == 8) out[at] = (uint8_t)v;
                else { out[2 * at] = (uint8_t)(v & 0xFF); out[2 * at + 1] = (uint8_t)((v >> 8) & 0xFF); }
            }
        }
    }
    if (image) opj_image_destroy(image);
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    return ok;
}

// The bytes of frame `index` in an encapsulated pixel sequence: all fragments for one frame, one
// fragment per frame, the Basic Offset Table, or else fragments split at each codestream's end marker.
bool frameFragments(DcmPixelSequence *sequence, long index, long frames, std::vector<uint8_t> &out, std::string &error) {
    unsigned long items = sequence->card();
    if (items < 2) { error = "encapsulated pixel data has no fragments"; return false; }
    std::vector<std::pair<const uint8_t *, size_t>> fragments;
    std::vector<size_t> starts;  // offset of each item from the first fragment item, as the offset table counts
    size_t offset = 0;
    for (unsigned long i = 1; i < items; i++) {
        DcmPixelItem *item = nullptr;
        Uint8 *data = nullptr;
        if (sequence->getItem(item, i).bad() || item == nullptr) { error = "unreadable pixel fragment"; return false; }
        size_t length = item->getLength();
        if (length > 0 && (item->getUint8Array(data).bad() || data == nullptr)) { error = "unreadable pixel fragment"; return false; }
        fragments.emplace_back(data, length);
        starts.push_back(offset);
        offset += 8 + length;
    }
    auto append = [&](size_t from, size_t to) {
        for (size_t f = from; f < to; f++) out.insert(out.end(), fragments[f].first, fragments[f].first + fragments[f].second);
    };
    if (frames == 1) { append(0, fragments.size()); return true; }
    if ((long)fragments.size() == frames) { append(index, index + 1); return true; }
    DcmPixelItem *table = nullptr;
    Uint8 *tableData = nullptr;
    if (sequence->getItem(table, 0).good() && table != nullptr && table->getLength() >= 4 * (Uint32)frames &&
        table->getUint8Array(tableData).good() && tableData != nullptr) {
        auto entry = [&](long f) -> size_t {
            const uint8_t *p = tableData + 4 * f;
            return (size_t)p[0] | ((size_t)p[1] << 8) | ((size_t)p[2] << 16) | ((size_t)p[3] << 24);
        };
        size_t begin = entry(index), end = index + 1 < frames ? entry(index + 1) : offset;
        size_t first = std::find(starts.begin(), starts.end(), begin) - starts.begin();
        size_t last = std::find(starts.begin(), starts.end(), end) - starts.begin();
        if (first < fragments.size() && (end == offset || last < fragments.size()) && first < last) {
            append(first, end == offset ? fragments.size() : last);
            return true;
        }
    }
    // Without a usable table: a frame ends with the fragment that ends in an end-of-image marker.
    long frame = 0;
    size_t begin = 0;
    for (size_t f = 0; f < fragments.size(); f++) {
        const uint8_t *p = fragments[f].first;
        size_t n = fragments[f].second;
        size_t end = n;
        while (end > 0 && p[end - 1] == 0) end--;  // padding to even length
        bool ends = end >= 2 && p[end - 2] == 0xFF && p[end - 1] == 0xD9;
        if (ends) {
            if (frame == index) { append(begin, f + 1); return true; }
            frame++;
            begin = f + 1;
        }
    }
    error = "cannot tell which fragments hold frame " + std::to_string(index + 1);
    return false;
}

int describe(SteatoDicom *d, char *error, size_t error_size) {
    DcmDataset *dataset = d->file.getDataset();
    SteatoDicomPixels &info = d->info;
    E_TransferSyntax syntax = dataset->getOriginalXfer();
    DcmXfer xfer(syntax);
    snprintf(info.transfer_syntax, sizeof info.transfer_syntax, "%s", xfer.getXferID());
    info.rows = numberValue(dataset, DCM_Rows, 0);
    info.columns = numberValue(dataset, DCM_Columns, 0);
    info.frames = numberValue(dataset, DCM_NumberOfFrames, 1);
    info.samples = numberValue(dataset, DCM_SamplesPerPixel, 1);
    info.bits_allocated = numberValue(dataset, DCM_BitsAllocated, 0);
    info.bits_stored = numberValue(dataset, DCM_BitsStored, info.bits_allocated);
    info.pixel_representation = numberValue(dataset, DCM_PixelRepresentation, 0);
    info.planar_configuration = numberValue(dataset, DCM_PlanarConfiguration, 0);
    info.compressed = xfer.isEncapsulated() ? 1 : 0;
    if (info.rows <= 0 || info.columns <= 0) { setError(error, error_size, "no image: rows and columns missing or zero"); return 0; }
    if (info.rows > maxSide || info.columns > maxSide) {
        setError(error, error_size, "image of " + std::to_string(info.columns) + "x" + std::to_string(info.rows) +
                 " pixels is larger than " + std::to_string(maxSide) + " on a side");
        return 0;
    }
    if (info.frames < 1) info.frames = 1;
    if (info.samples != 1 && info.samples != 3) { setError(error, error_size, std::to_string(info.samples) + " samples per pixel (1 or 3 expected)"); return 0; }
    if (info.bits_allocated != 8 && info.bits_allocated != 16) {
        setError(error, error_size, std::to_string(info.bits_allocated) + " bits allocated (8 or 16 supported)");
        return 0;
    }
    if (info.bits_stored < 1 || info.bits_stored > info.bits_allocated) info.bits_stored = info.bits_allocated;
    double decoded = (double)info.rows * info.columns * info.samples * (info.bits_allocated / 8) * info.frames;
    if (decoded > maxDecodedBytes) {
        setError(error, error_size, std::to_string(info.frames) + " frames of " + std::to_string(info.columns) + "x" +
                 std::to_string(info.rows) + " would take more than 2 GB decoded");
        return 0;
    }
    DcmElement *pixelElement = nullptr;
    if (dataset->findAndGetElement(DCM_PixelData, pixelElement, OFFalse).bad() || pixelElement == nullptr) {
        setError(error, error_size, "no pixel data");
        return 0;
    }
    d->jpeg2000 = syntax == EXS_JPEG2000LosslessOnly || syntax == EXS_JPEG2000 ||
                  syntax == EXS_JPEG2000MulticomponentLosslessOnly || syntax == EXS_JPEG2000Multicomponent;
    if (info.compressed && !d->jpeg2000) {
        bool jpeg = syntax >= EXS_JPEGProcess1 && syntax <= EXS_JPEGProcess14SV1;
        if (jpeg && !jpegFragmentsAreSound(static_cast<DcmPixelData *>(pixelElement), syntax)) {
            setError(error, error_size, "corrupt JPEG data (its header is broken before the frame header)");
            return 0;
        }
        OFCondition status = dataset->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (status.bad() || !dataset->canWriteXfer(EXS_LittleEndianExplicit)) {
            setError(error, error_size, std::string("cannot decompress ") + xfer.getXferName() + ": " + status.text());
            return 0;
        }
        // The decoder may have converted colour and changed the layout.
        info.samples = numberValue(dataset, DCM_SamplesPerPixel, info.samples);
        info.planar_configuration = numberValue(dataset, DCM_PlanarConfiguration, 0);
        info.bits_allocated = numberValue(dataset, DCM_BitsAllocated, info.bits_allocated);
        if (dataset->findAndGetElement(DCM_PixelData, pixelElement, OFFalse).bad() || pixelElement == nullptr) {
            setError(error, error_size, "no pixel data after decompression");
            return 0;
        }
    }
    OFString photometric;
    dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
    if (d->jpeg2000 && info.samples == 3 && (photometric == "YBR_ICT" || photometric == "YBR_RCT")) {
        photometric = "RGB";  // OpenJPEG applies the inverse colour transform
        info.planar_configuration = 0;
    }
    if (d->jpeg2000) info.planar_configuration = 0;
    snprintf(info.photometric, sizeof info.photometric, "%s", photometric.c_str());
    if (!d->jpeg2000) {
        Uint8 *data = nullptr;
        if (pixelElement->getUint8Array(data).bad() || data == nullptr) {
            setError(error, error_size, "unreadable pixel data");
            return 0;
        }
        d->native = data;
        d->nativeLength = pixelElement->getLength();
        size_t frameBytes = (size_t)info.rows * info.columns * info.samples * (info.bits_allocated / 8);
        if (d->nativeLength < frameBytes * (size_t)info.frames) {
            if (d->nativeLength >= frameBytes) {
                long complete = (long)(d->nativeLength / frameBytes);
                setError(error, error_size, "pixel data holds " + std::to_string(complete) + " of " + std::to_string(info.frames) + " frames");
            } else {
                setError(error, error_size, "pixel data is " + std::to_string(d->nativeLength) + " bytes, one frame needs " + std::to_string(frameBytes));
            }
            return 0;
        }
    }
    d->described = true;
    return 1;
}

// The Code Meaning of an item's Concept Name Code Sequence (0040,A043), or empty.
std::string conceptName(DcmItem *item) {
    DcmItem *code = nullptr;
    if (item->findAndGetSequenceItem(DcmTagKey(0x0040, 0xA043), code, 0).bad() || code == nullptr) return "";
    OFString meaning;
    if (code->findAndGetOFString(DcmTagKey(0x0008, 0x0104), meaning).bad()) return "";
    return meaning.c_str();
}

// Walks the content tree (0040,A730) depth first; `depth` stops a hostile file's nesting.
void collectText(DcmItem *item, std::string &out, int depth) {
    if (depth > 64) return;
    OFString text;
    if (item->findAndGetOFStringArray(DcmTagKey(0x0040, 0xA160), text, OFFalse).good() && !text.empty()) {
        std::string name = conceptName(item);
        out += name.empty() ? std::string(text.c_str()) : name + ": " + text.c_str();
        out += "\n";
    }
    DcmSequenceOfItems *content = nullptr;
    if (item->findAndGetSequence(DcmTagKey(0x0040, 0xA730), content, OFFalse).good() && content != nullptr) {
        for (unsigned long i = 0; i < content->card(); i++) collectText(content->getItem(i), out, depth + 1);
    }
}

}  // namespace

extern "C" {

static SteatoDicom *parse(const uint8_t *bytes, size_t count, bool headerOnly, char *error, size_t error_size) {
    try {
        setup();
        if (count < 8) { setError(error, error_size, "too short for DICOM"); return nullptr; }
        if (nestedTooDeeply(bytes, count)) {
            setError(error, error_size, "sequences nested more than " + std::to_string(maxNesting) + " deep");
            return nullptr;
        }
        auto *d = new SteatoDicom();
        // A Part 10 file without its preamble starts with "DICM": give DCMTK the preamble it expects.
        if (memcmp(bytes, "DICM", 4) == 0) d->buffer.assign(128, 0);
        d->buffer.insert(d->buffer.end(), bytes, bytes + count);
        if (d->buffer.size() % 2) d->buffer.push_back(0);
        DcmInputBufferStream stream;
        stream.setBuffer(d->buffer.data(), (offile_off_t)d->buffer.size());
        stream.setEos();
        d->file.transferInit();
        // Everything is read now (no deferred loading: the buffer is the only source).
        OFCondition status = headerOnly
            ? d->file.readUntilTag(stream, EXS_Unknown, EGL_noChange, 0xFFFFFFFE, DCM_PixelData)
            : d->file.read(stream, EXS_Unknown, EGL_noChange, 0xFFFFFFFE);
        d->file.transferEnd();
        if (status.bad()) {
            std::string reason = status == EC_StreamNotifyClient ? "truncated (the data ends inside an element)" : status.text();
            setError(error, error_size, "not a readable DICOM file: " + reason);
            delete d;
            return nullptr;
        }
        if (d->file.getDataset() == nullptr || d->file.getDataset()->card() == 0) {
            setError(error, error_size, "not a readable DICOM file: no attributes");
            delete d;
            return nullptr;
        }
        // Names and descriptions as the file means them: every Specific Character Set iconv knows
        // becomes UTF-8 (a set it cannot convert leaves the bytes, which Swift reads as Latin-1).
        OFString charset;
        DcmDataset *dataset = d->file.getDataset();
        if (dataset->findAndGetOFStringArray(DCM_SpecificCharacterSet, charset).good() && !charset.empty() &&
            charset != "ISO_IR 192" && charset != "ISO_IR 6") {
            (void)dataset->convertToUTF8();
        }
        return d;
    } catch (const std::bad_alloc &) {
        setError(error, error_size, "not a readable DICOM file: a length in it is too large to hold");
    } catch (const std::exception &e) {
        setError(error, error_size, std::string("not a readable DICOM file: ") + e.what());
    } catch (...) {
        setError(error, error_size, "not a readable DICOM file");
    }
    return nullptr;
}

SteatoDicom *steato_dicom_parse(const uint8_t *bytes, size_t count, char *error, size_t error_size) {
    return parse(bytes, count, false, error, error_size);
}

SteatoDicom *steato_dicom_parse_header(const uint8_t *bytes, size_t count, char *error, size_t error_size) {
    return parse(bytes, count, true, error, error_size);
}

void steato_dicom_free(SteatoDicom *dicom) { delete dicom; }

size_t steato_dicom_sr_text(SteatoDicom *d, char *out, size_t out_size) {
    try {
        std::string text;
        collectText(d->file.getDataset(), text, 0);
        if (out != nullptr && out_size > 0) {
            size_t n = std::min(out_size - 1, text.size());
            memcpy(out, text.data(), n);
            out[n] = 0;
        }
        return text.size();
    } catch (...) {
        return 0;
    }
}

int steato_dicom_string(SteatoDicom *d, uint16_t group, uint16_t element, char *out, size_t out_size) {
    try {
        OFString value;
        if (itemFor(d, group)->findAndGetOFStringArray(DcmTagKey(group, element), value, OFFalse).bad()) return 0;
        while (!value.empty() && (value[value.size() - 1] == ' ' || value[value.size() - 1] == 0)) value.erase(value.size() - 1);
        if (value.empty()) return 0;
        setError(out, out_size, value.c_str());
        return 1;
    } catch (...) {
        return 0;
    }
}

long steato_dicom_numbers(SteatoDicom *d, uint16_t group, uint16_t element, double *out, long max) {
    try {
        DcmElement *e = nullptr;
        if (itemFor(d, group)->findAndGetElement(DcmTagKey(group, element), e, OFFalse).bad() || e == nullptr) return 0;
        long n = std::min((long)e->getVM(), max);
        for (long i = 0; i < n; i++) {
            Float64 v = 0;
            switch (e->ident()) {
                case EVR_US: { Uint16 x; if (e->getUint16(x, i).bad()) return i; v = x; break; }
                case EVR_SS: { Sint16 x; if (e->getSint16(x, i).bad()) return i; v = x; break; }
                case EVR_UL: { Uint32 x; if (e->getUint32(x, i).bad()) return i; v = x; break; }
                case EVR_SL: { Sint32 x; if (e->getSint32(x, i).bad()) return i; v = x; break; }
                case EVR_FL: { Float32 x; if (e->getFloat32(x, i).bad()) return i; v = x; break; }
                case EVR_FD: { if (e->getFloat64(v, i).bad()) return i; break; }
                default: {
                    OFString text;
                    if (e->getOFString(text, i).bad()) return i;
                    char *end = nullptr;
                    v = strtod(text.c_str(), &end);
                    if (end == text.c_str()) return i;
                }
            }
            out[i] = v;
        }
        return n;
    } catch (...) {
        return 0;
    }
}

long steato_dicom_words(SteatoDicom *d, uint16_t group, uint16_t element, uint16_t *out, long max) {
    try {
        DcmElement *e = nullptr;
        if (itemFor(d, group)->findAndGetElement(DcmTagKey(group, element), e, OFFalse).bad() || e == nullptr) return 0;
        Uint16 *words = nullptr;
        if (e->getUint16Array(words).bad() || words == nullptr) return 0;
        long n = (long)(e->getLength() / 2);
        if (out) memcpy(out, words, sizeof(uint16_t) * (size_t)std::min(n, max));
        return n;
    } catch (...) {
        return 0;
    }
}

long steato_dicom_regions(SteatoDicom *d, SteatoDicomRegion *out, long max) {
    try {
        DcmSequenceOfItems *sequence = nullptr;
        if (d->file.getDataset()->findAndGetSequence(DcmTagKey(0x0018, 0x6011), sequence, OFFalse).bad() || sequence == nullptr) return 0;
        long count = (long)sequence->card();
        for (long i = 0; i < std::min(count, max); i++) {
            DcmItem *item = sequence->getItem((unsigned long)i);
            SteatoDicomRegion r{};
            r.spatial_format = numberValue(item, DcmTagKey(0x0018, 0x6012), 0);
            r.data_type = numberValue(item, DcmTagKey(0x0018, 0x6014), 0);
            r.min_x = numberValue(item, DcmTagKey(0x0018, 0x6018), 0);
            r.min_y = numberValue(item, DcmTagKey(0x0018, 0x601A), 0);
            r.max_x = numberValue(item, DcmTagKey(0x0018, 0x601C), 0);
            r.max_y = numberValue(item, DcmTagKey(0x0018, 0x601E), 0);
            r.units_x = numberValue(item, DcmTagKey(0x0018, 0x6024), 0);
            r.units_y = numberValue(item, DcmTagKey(0x0018, 0x6026), 0);
            Float64 v = 0;
            r.delta_x = item->findAndGetFloat64(DcmTagKey(0x0018, 0x602C), v).good() ? v : 0;
            v = 0;
            r.delta_y = item->findAndGetFloat64(DcmTagKey(0x0018, 0x602E), v).good() ? v : 0;
            out[i] = r;
        }
        return count;
    } catch (...) {
        return 0;
    }
}

int steato_dicom_pixels(SteatoDicom *d, SteatoDicomPixels *info, char *error, size_t error_size) {
    try {
        if (!d->described && !describe(d, error, error_size)) return 0;
        *info = d->info;
        return 1;
    } catch (const std::bad_alloc &) {
        setError(error, error_size, "pixel data too large to decode");
    } catch (const std::exception &e) {
        setError(error, error_size, std::string("pixel data: ") + e.what());
    } catch (...) {
        setError(error, error_size, "pixel data cannot be decoded");
    }
    return 0;
}

int steato_dicom_frame(SteatoDicom *d, long index, uint8_t *out, size_t out_size, char *error, size_t error_size) {
    try {
        if (!d->described) { setError(error, error_size, "pixel data not described"); return 0; }
        const SteatoDicomPixels &info = d->info;
        size_t frameBytes = (size_t)info.rows * info.columns * info.samples * (info.bits_allocated / 8);
        if (index < 0 || index >= info.frames) { setError(error, error_size, "no frame " + std::to_string(index + 1)); return 0; }
        if (out_size < frameBytes) { setError(error, error_size, "frame buffer too small"); return 0; }
        if (!d->jpeg2000) {
            memcpy(out, d->native + frameBytes * (size_t)index, frameBytes);
            return 1;
        }
        DcmElement *element = nullptr;
        DcmPixelSequence *sequence = nullptr;
        if (d->file.getDataset()->findAndGetElement(DCM_PixelData, element, OFFalse).bad() || element == nullptr) {
            setError(error, error_size, "no pixel data");
            return 0;
        }
        auto *pixelData = static_cast<DcmPixelData *>(element);
        E_TransferSyntax syntax = d->file.getDataset()->getOriginalXfer();
        if (pixelData->getEncapsulatedRepresentation(syntax, nullptr, sequence).bad() || sequence == nullptr) {
            setError(error, error_size, "JPEG 2000 pixel data is not encapsulated");
            return 0;
        }
        std::vector<uint8_t> code;
        std::string reason;
        if (!frameFragments(sequence, index, info.frames, code, reason) || !decodeJpeg2000(code, info, out, reason)) {
            setError(error, error_size, reason);
            return 0;
        }
        return 1;
    } catch (const std::bad_alloc &) {
        setError(error, error_size, "frame too large to decode");
    } catch (const std::exception &e) {
        setError(error, error_size, std::string("frame: ") + e.what());
    } catch (...) {
        setError(error, error_size, "frame cannot be decoded");
    }
    return 0;
}

}  // extern "C"
