#ifndef STEATO_DICOM_WRITE_H
#define STEATO_DICOM_WRITE_H
// Writing DICOM result instances through DCMTK (dcmsr, dcmdata): the study's measurement report
// as a Structured Report and the PDF report as an Encapsulated PDF. Failures come back as a reason.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The patient and study the result belongs to (NULL or "" when unknown). Dates as YYYYMMDD.
typedef struct {
    const char *patient_id, *patient_name, *birth_date, *sex;
    const char *study_uid, *study_date, *accession, *study_id, *study_description;
} SteatoStudyIdentity;

typedef struct { const char *sop_class, *sop_instance; } SteatoImageReference;

/// One measurement: a private code in the 99STEATO scheme, its meaning, value and UCUM unit.
typedef struct { const char *code, *meaning; double value; const char *unit, *unit_meaning; } SteatoMeasurement;

/// A TID 1500 Imaging Measurement Report (Enhanced SR): the finding "steatosis of liver", the
/// measurements, the grade as a coded value (SNOMED CT: normal, mild, moderate, severe; NULL when
/// none), the algorithm's name and version, and the images it was inferred from.
int steato_write_measurement_sr(const char *path, const SteatoStudyIdentity *study,
                                const SteatoMeasurement *measurements, size_t measurement_count,
                                const char *grade_code, const char *grade_meaning,
                                const char *algorithm, const char *algorithm_version,
                                const SteatoImageReference *images, size_t image_count,
                                char *uid_out, size_t uid_size, char *error, size_t error_size);

/// An Encapsulated PDF instance (modality DOC) in the same study.
int steato_write_encapsulated_pdf(const char *path, const SteatoStudyIdentity *study, const uint8_t *pdf, size_t pdf_size,
                                  const char *title, char *uid_out, size_t uid_size, char *error, size_t error_size);

/// An 8-bit grey Ultrasound Image Storage instance (uncompressed), for benchmarks and tests that need
/// many distinct instances of one study.
int steato_write_grey_us_image(const char *path, const SteatoStudyIdentity *study, const char *sop_instance_uid,
                               const uint8_t *pixels, uint16_t width, uint16_t height, char *error, size_t error_size);

/// One exported image as an Ultrasound Image Storage instance (uncompressed, 8-bit grey or RGB), in
/// the given series; `pixel_spacing_mm` > 0 writes the Sequence of Ultrasound Regions with the
/// image's physical scale. `deidentified` marks it Patient Identity Removed with the method named and
/// no burned-in annotation (the caller has blanked the screen outside the imaging fan).
typedef struct {
    const char *series_uid, *sop_instance_uid;
    int instance_number;
    const uint8_t *pixels;
    uint16_t width, height, samples;   // samples: 1 (grey) or 3 (RGB, interleaved)
    double pixel_spacing_mm;
    int deidentified;
    const char *deidentification_method;
} SteatoExportedImage;

int steato_write_us_image(const char *path, const SteatoStudyIdentity *study, const SteatoExportedImage *image,
                          char *error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
