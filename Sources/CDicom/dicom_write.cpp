// DCMTK's dcmsr and dcmdata behind dicom_write.h.
#include "dicom_write.h"
#include "error_text.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmsr/dsrdoc.h"
#include "dcmtk/dcmsr/codes/dcm.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace {

const char *orEmpty(const char *s) { return s ? s : ""; }
bool given(const char *s) { return s != nullptr && *s != 0; }


std::string today() {
    OFString date;
    DcmDate::getCurrentDate(date);
    return date.c_str();
}

// Moves to a new content item below the current one (or after it), named by a code.
void add(DSRDocumentTree &tree, DSRTypes::E_RelationshipType rel, DSRTypes::E_ValueType type, const DSRCodedEntryValue &name,
         DSRTypes::E_AddMode mode) {
    tree.addContentItem(rel, type, mode);
    tree.getCurrentContentItem().setConceptName(name, OFFalse);
}

// The patient and study modules of an instance we write (new series; the study's UID when known),
// names in UTF-8. `fallbackDate` is the study date when the study has none.
void putPatientAndStudy(DcmDataset *d, const SteatoStudyIdentity *s, const std::string &fallbackDate) {
    char uid[100];
    d->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    d->putAndInsertString(DCM_StudyInstanceUID, given(s->study_uid) ? s->study_uid : dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT));
    d->putAndInsertString(DCM_SeriesInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT));
    d->putAndInsertString(DCM_PatientID, orEmpty(s->patient_id));
    d->putAndInsertString(DCM_PatientName, orEmpty(s->patient_name));
    d->putAndInsertString(DCM_PatientBirthDate, orEmpty(s->birth_date));
    d->putAndInsertString(DCM_PatientSex, orEmpty(s->sex));
    d->putAndInsertString(DCM_StudyDate, given(s->study_date) ? s->study_date : fallbackDate.c_str());
    d->putAndInsertString(DCM_StudyTime, "");
    d->putAndInsertString(DCM_AccessionNumber, orEmpty(s->accession));
    d->putAndInsertString(DCM_StudyID, orEmpty(s->study_id));
    d->putAndInsertString(DCM_ReferringPhysicianName, "");
    d->putAndInsertString(DCM_StudyDescription, orEmpty(s->study_description));
}

}  // namespace

extern "C" {

int steato_write_measurement_sr(const char *path, const SteatoStudyIdentity *s,
                                const SteatoMeasurement *measurements, size_t measurement_count,
                                const char *grade_code, const char *grade_meaning,
                                const char *algorithm, const char *algorithm_version,
                                const SteatoImageReference *images, size_t image_count,
                                char *uid_out, size_t uid_size, char *error, size_t error_size) {
    try {
        DSRDocument doc(DSRTypes::DT_EnhancedSR);
        if (given(s->study_uid)) doc.createNewSeriesInStudy(s->study_uid);
        doc.setSpecificCharacterSetType(DSRTypes::CS_UTF8);
        doc.setPatientID(orEmpty(s->patient_id));
        if (given(s->patient_name)) doc.setPatientName(s->patient_name);
        if (given(s->birth_date)) doc.setPatientBirthDate(s->birth_date);
        if (given(s->sex)) doc.setPatientSex(s->sex);
        if (given(s->study_date)) doc.setStudyDate(s->study_date);
        if (given(s->accession)) doc.setAccessionNumber(s->accession);
        if (given(s->study_id)) doc.setStudyID(s->study_id);
        if (given(s->study_description)) doc.setStudyDescription(s->study_description);
        doc.setSeriesDescription("Steatoscope liver steatosis score");
        doc.setManufacturer("Steatoscope");
        doc.setSeriesNumber("9001");

        DSRDocumentTree &tree = doc.getTree();
        add(tree, DSRTypes::RT_isRoot, DSRTypes::VT_Container, DSRCodedEntryValue("126000", "DCM", "Imaging Measurement Report"), DSRTypes::AM_afterCurrent);
        add(tree, DSRTypes::RT_hasConceptMod, DSRTypes::VT_Code, DSRCodedEntryValue("121049", "DCM", "Language of Content Item and Descendants"), DSRTypes::AM_belowCurrent);
        tree.getCurrentContentItem().setCodeValue(DSRCodedEntryValue("en-US", "RFC5646", "English (United States)"), OFFalse);
        // Who measured (TID 4019 Algorithm Identification): the model and the steato build.
        add(tree, DSRTypes::RT_hasObsContext, DSRTypes::VT_Text, DSRCodedEntryValue("111001", "DCM", "Algorithm Name"), DSRTypes::AM_afterCurrent);
        tree.getCurrentContentItem().setStringValue(orEmpty(algorithm), OFFalse);
        add(tree, DSRTypes::RT_hasObsContext, DSRTypes::VT_Text, DSRCodedEntryValue("111003", "DCM", "Algorithm Version"), DSRTypes::AM_afterCurrent);
        tree.getCurrentContentItem().setStringValue(orEmpty(algorithm_version), OFFalse);
        add(tree, DSRTypes::RT_hasConceptMod, DSRTypes::VT_Code, DSRCodedEntryValue("121058", "DCM", "Procedure reported"), DSRTypes::AM_afterCurrent);
        tree.getCurrentContentItem().setCodeValue(DSRCodedEntryValue("45036003", "SCT", "Ultrasonography of abdomen"), OFFalse);
        // The image library: what was measured.
        add(tree, DSRTypes::RT_contains, DSRTypes::VT_Container, DSRCodedEntryValue("111028", "DCM", "Image Library"), DSRTypes::AM_afterCurrent);
        if (image_count > 0) {
            add(tree, DSRTypes::RT_contains, DSRTypes::VT_Container, DSRCodedEntryValue("126200", "DCM", "Image Library Group"), DSRTypes::AM_belowCurrent);
            for (size_t i = 0; i < image_count; i++) {
                tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Image, i == 0 ? DSRTypes::AM_belowCurrent : DSRTypes::AM_afterCurrent);
                tree.getCurrentContentItem().setImageReference(DSRImageReferenceValue(images[i].sop_class, images[i].sop_instance), OFFalse);
            }
            tree.goUp();
            tree.goUp();
        }
        // The measurements.
        add(tree, DSRTypes::RT_contains, DSRTypes::VT_Container, DSRCodedEntryValue("126010", "DCM", "Imaging Measurements"), DSRTypes::AM_afterCurrent);
        add(tree, DSRTypes::RT_contains, DSRTypes::VT_Container, DSRCodedEntryValue("125007", "DCM", "Measurement Group"), DSRTypes::AM_belowCurrent);
        add(tree, DSRTypes::RT_hasObsContext, DSRTypes::VT_Text, DSRCodedEntryValue("112039", "DCM", "Tracking Identifier"), DSRTypes::AM_belowCurrent);
        tree.getCurrentContentItem().setStringValue("Liver steatosis score", OFFalse);
        add(tree, DSRTypes::RT_hasObsContext, DSRTypes::VT_UIDRef, DSRCodedEntryValue("112040", "DCM", "Tracking Unique Identifier"), DSRTypes::AM_afterCurrent);
        char uid[100];
        tree.getCurrentContentItem().setStringValue(dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT), OFFalse);
        add(tree, DSRTypes::RT_contains, DSRTypes::VT_Code, DSRCodedEntryValue("121071", "DCM", "Finding"), DSRTypes::AM_afterCurrent);
        tree.getCurrentContentItem().setCodeValue(DSRCodedEntryValue("197321007", "SCT", "Steatosis of liver"), OFFalse);
        add(tree, DSRTypes::RT_hasConceptMod, DSRTypes::VT_Code, DSRCodedEntryValue("363698007", "SCT", "Finding Site"), DSRTypes::AM_afterCurrent);
        tree.getCurrentContentItem().setCodeValue(DSRCodedEntryValue("10200004", "SCT", "Liver"), OFFalse);
        add(tree, DSRTypes::RT_hasConceptMod, DSRTypes::VT_Code, DSRCodedEntryValue("370129005", "SCT", "Measurement Method"), DSRTypes::AM_afterCurrent);
        tree.getCurrentContentItem().setCodeValue(DSRCodedEntryValue("STEATO-CNN", "99STEATO", "Deep learning on B-mode images"), OFFalse);
        for (size_t i = 0; i < measurement_count; i++) {
            const SteatoMeasurement &m = measurements[i];
            add(tree, DSRTypes::RT_contains, DSRTypes::VT_Num, DSRCodedEntryValue(m.code, "99STEATO", m.meaning), DSRTypes::AM_afterCurrent);
            char number[32];
            snprintf(number, sizeof number, "%.3f", m.value);
            tree.getCurrentContentItem().setNumericValue(DSRNumericMeasurementValue(number, DSRCodedEntryValue(m.unit, "UCUM", m.unit_meaning)), OFFalse);
            for (size_t k = 0; k < image_count; k++) {
                tree.addContentItem(DSRTypes::RT_inferredFrom, DSRTypes::VT_Image, k == 0 ? DSRTypes::AM_belowCurrent : DSRTypes::AM_afterCurrent);
                tree.getCurrentContentItem().setImageReference(DSRImageReferenceValue(images[k].sop_class, images[k].sop_instance), OFFalse);
            }
            if (image_count > 0) tree.goUp();
        }
        if (given(grade_code)) {
            add(tree, DSRTypes::RT_contains, DSRTypes::VT_Code, DSRCodedEntryValue("STEATO-GRADE", "99STEATO", "Steatosis grade"), DSRTypes::AM_afterCurrent);
            tree.getCurrentContentItem().setCodeValue(DSRCodedEntryValue(grade_code, "SCT", orEmpty(grade_meaning)), OFFalse);
        }
        doc.completeDocument();
        DcmFileFormat file;
        OFCondition status = doc.write(*file.getDataset());
        if (status.good()) status = file.saveFile(path, EXS_LittleEndianExplicit);
        if (status.bad()) {
            setError(error, error_size, std::string(path) + ": " + status.text());
            return 0;
        }
        OFString sop;
        doc.getSOPInstanceUID(sop);
        setError(uid_out, uid_size, sop.c_str());
        return 1;
    } catch (const std::exception &e) {
        setError(error, error_size, std::string("cannot write the SR: ") + e.what());
    } catch (...) {
        setError(error, error_size, "cannot write the SR");
    }
    return 0;
}

int steato_write_encapsulated_pdf(const char *path, const SteatoStudyIdentity *s, const uint8_t *pdf, size_t pdf_size,
                                  const char *title, char *uid_out, size_t uid_size, char *error, size_t error_size) {
    try {
        DcmFileFormat file;
        DcmDataset *d = file.getDataset();
        char uid[100];
        std::string instance = dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
        std::string date = today();
        putPatientAndStudy(d, s, date);
        d->putAndInsertString(DCM_SOPClassUID, UID_EncapsulatedPDFStorage);
        d->putAndInsertString(DCM_SOPInstanceUID, instance.c_str());
        d->putAndInsertString(DCM_Modality, "DOC");
        d->putAndInsertString(DCM_SeriesNumber, "9002");
        d->putAndInsertString(DCM_InstanceNumber, "1");
        d->putAndInsertString(DCM_ConversionType, "WSD");
        d->putAndInsertString(DCM_Manufacturer, "Steatoscope");
        d->putAndInsertString(DCM_ContentDate, date.c_str());
        d->putAndInsertString(DCM_AcquisitionDateTime, (date + "000000").c_str());
        d->putAndInsertString(DCM_BurnedInAnnotation, "YES");
        d->putAndInsertString(DCM_DocumentTitle, orEmpty(title));
        d->insertEmptyElement(DCM_ConceptNameCodeSequence);
        d->putAndInsertString(DCM_MIMETypeOfEncapsulatedDocument, "application/pdf");
        // An even length: one zero byte pads an odd-length PDF, as the standard allows.
        std::vector<Uint8> bytes(pdf, pdf + pdf_size);
        if (bytes.size() % 2) bytes.push_back(0);
        d->putAndInsertUint8Array(DCM_EncapsulatedDocument, bytes.data(), bytes.size());
        OFCondition status = file.saveFile(path, EXS_LittleEndianExplicit);
        if (status.bad()) {
            setError(error, error_size, std::string(path) + ": " + status.text());
            return 0;
        }
        setError(uid_out, uid_size, instance);
        return 1;
    } catch (const std::exception &e) {
        setError(error, error_size, std::string("cannot write the Encapsulated PDF: ") + e.what());
    } catch (...) {
        setError(error, error_size, "cannot write the Encapsulated PDF");
    }
    return 0;
}

int steato_write_grey_us_image(const char *path, const SteatoStudyIdentity *s, const char *sop_instance_uid,
                               const uint8_t *pixels, uint16_t width, uint16_t height, char *error, size_t error_size) {
    char series[100];
    SteatoExportedImage image{};
    image.series_uid = dcmGenerateUniqueIdentifier(series, SITE_SERIES_UID_ROOT);
    image.sop_instance_uid = sop_instance_uid;
    image.instance_number = 1;
    image.pixels = pixels;
    image.width = width;
    image.height = height;
    image.samples = 1;
    return steato_write_us_image(path, s, &image, error, error_size);
}

int steato_write_us_image(const char *path, const SteatoStudyIdentity *s, const SteatoExportedImage *image,
                          char *error, size_t error_size) {
    try {
        if (image->samples != 1 && image->samples != 3) { setError(error, error_size, "an image is grey or RGB"); return 0; }
        DcmFileFormat file;
        DcmDataset *d = file.getDataset();
        putPatientAndStudy(d, s, "");
        d->putAndInsertString(DCM_SeriesInstanceUID, image->series_uid);
        d->putAndInsertString(DCM_SOPClassUID, UID_UltrasoundImageStorage);
        d->putAndInsertString(DCM_SOPInstanceUID, image->sop_instance_uid);
        d->putAndInsertString(DCM_Modality, "US");
        d->putAndInsertString(DCM_SeriesNumber, "1");
        d->putAndInsertString(DCM_InstanceNumber, std::to_string(image->instance_number).c_str());
        d->putAndInsertString(DCM_ConversionType, "WSD");
        d->putAndInsertString(DCM_PatientOrientation, "");
        if (image->deidentified) {
            d->putAndInsertString(DCM_PatientIdentityRemoved, "YES");
            d->putAndInsertString(DCM_DeidentificationMethod, orEmpty(image->deidentification_method));
            d->putAndInsertString(DCM_BurnedInAnnotation, "NO");
        }
        d->putAndInsertUint16(DCM_Rows, image->height);
        d->putAndInsertUint16(DCM_Columns, image->width);
        d->putAndInsertUint16(DCM_SamplesPerPixel, image->samples);
        d->putAndInsertString(DCM_PhotometricInterpretation, image->samples == 3 ? "RGB" : "MONOCHROME2");
        if (image->samples == 3) d->putAndInsertUint16(DCM_PlanarConfiguration, 0);
        d->putAndInsertUint16(DCM_BitsAllocated, 8);
        d->putAndInsertUint16(DCM_BitsStored, 8);
        d->putAndInsertUint16(DCM_HighBit, 7);
        d->putAndInsertUint16(DCM_PixelRepresentation, 0);
        if (image->pixel_spacing_mm > 0) {
            // One region over the whole image, in centimetres (PS3.3 C.8.5.5).
            DcmItem *region = nullptr;
            d->findOrCreateSequenceItem(DCM_SequenceOfUltrasoundRegions, region, -2);
            if (region != nullptr) {
                double cm = image->pixel_spacing_mm / 10.0;
                region->putAndInsertUint16(DCM_RegionSpatialFormat, 1);   // 2D
                region->putAndInsertUint16(DCM_RegionDataType, 1);        // tissue
                region->putAndInsertUint32(DCM_RegionFlags, 0);
                region->putAndInsertUint32(DCM_RegionLocationMinX0, 0);
                region->putAndInsertUint32(DCM_RegionLocationMinY0, 0);
                region->putAndInsertUint32(DCM_RegionLocationMaxX1, image->width - 1u);
                region->putAndInsertUint32(DCM_RegionLocationMaxY1, image->height - 1u);
                region->putAndInsertUint16(DCM_PhysicalUnitsXDirection, 3);   // cm
                region->putAndInsertUint16(DCM_PhysicalUnitsYDirection, 3);
                region->putAndInsertFloat64(DCM_PhysicalDeltaX, cm);
                region->putAndInsertFloat64(DCM_PhysicalDeltaY, cm);
            }
        }
        unsigned long bytes = (unsigned long)image->width * image->height * image->samples;
        d->putAndInsertUint8Array(DCM_PixelData, image->pixels, bytes);
        OFCondition status = file.saveFile(path, EXS_LittleEndianExplicit);
        if (status.bad()) { setError(error, error_size, std::string(path) + ": " + status.text()); return 0; }
        return 1;
    } catch (...) {
        setError(error, error_size, "cannot write the image instance");
        return 0;
    }
}

}  // extern "C"
