#ifndef STEATO_DICOM_SHIM_H
#define STEATO_DICOM_SHIM_H
// A small C interface to DCMTK (parsing, JPEG / JPEG-LS / RLE decompression) and OpenJPEG (JPEG 2000,
// which DCMTK's free edition cannot decode), for UltrasoundImaging's DICOM reader. Every function
// catches C++ exceptions; failures come back as a reason in `error`.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SteatoDicom SteatoDicom;

/// Parses a DICOM file held in memory: Part 10 with or without the 128-byte preamble, or a bare
/// dataset. Returns NULL with a reason in `error` when the bytes are not a readable DICOM file.
SteatoDicom *steato_dicom_parse(const uint8_t *bytes, size_t count, char *error, size_t error_size);
void steato_dicom_free(SteatoDicom *dicom);

/// As `steato_dicom_parse`, but stops before the pixel data: for reading metadata from the start of a file.
SteatoDicom *steato_dicom_parse_header(const uint8_t *bytes, size_t count, char *error, size_t error_size);

/// A top-level attribute as text (values joined by '\'), with the transfer syntax's or the
/// meta header's attributes for group 0002. Returns 0 when absent or empty.
int steato_dicom_string(SteatoDicom *dicom, uint16_t group, uint16_t element, char *out, size_t out_size);

/// A top-level attribute's numeric values (US, SS, UL, SL, IS, DS, FL, FD), at most `max`; returns the count.
long steato_dicom_numbers(SteatoDicom *dicom, uint16_t group, uint16_t element, double *out, long max);

/// A top-level attribute's 16-bit words (OW / US, e.g. palette tables): returns the count, and copies
/// at most `max` into `out` (which may be NULL to ask the count).
long steato_dicom_words(SteatoDicom *dicom, uint16_t group, uint16_t element, uint16_t *out, long max);

/// One item of the Sequence of Ultrasound Regions (0018,6011).
typedef struct {
    long min_x, min_y, max_x, max_y;   // region bounds in pixels (inclusive)
    long spatial_format;               // 1 = 2D (B-mode)
    long data_type;                    // 1 = tissue
    long units_x, units_y;             // 3 = cm
    double delta_x, delta_y;           // physical units per pixel
} SteatoDicomRegion;

/// The ultrasound regions, at most `max`; returns how many there are.
long steato_dicom_regions(SteatoDicom *dicom, SteatoDicomRegion *out, long max);

/// The text of a structured report (SR) document: every content item with a Text Value (0040,A160),
/// in document order, one per line as "Concept name: text" (the concept's Code Meaning) or the text
/// alone. Returns the bytes needed (without the terminating NUL), copying at most out_size - 1 of
/// them; 0 when the file holds no text items.
size_t steato_dicom_sr_text(SteatoDicom *dicom, char *out, size_t out_size);

/// The pixel data as it will be delivered by `steato_dicom_frame`.
typedef struct {
    long rows, columns, frames, samples;
    long bits_allocated, bits_stored, pixel_representation, planar_configuration;
    char photometric[24];      // after decompression (JPEG 2000 with a colour transform: RGB)
    char transfer_syntax[72];  // as stored
    int compressed;
} SteatoDicomPixels;

/// Describes the pixel data, decompressing JPEG, JPEG-LS and RLE (all frames) now; JPEG 2000 frames
/// are decoded one at a time by `steato_dicom_frame`. Returns 0 with a reason when there is no
/// pixel data or it cannot be decoded.
int steato_dicom_pixels(SteatoDicom *dicom, SteatoDicomPixels *info, char *error, size_t error_size);

/// Copies frame `index` (after `steato_dicom_pixels`) as little-endian samples of bits_allocated
/// (8 or 16) in the stored planar configuration: rows·columns·samples·bits_allocated/8 bytes.
int steato_dicom_frame(SteatoDicom *dicom, long index, uint8_t *out, size_t out_size, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
