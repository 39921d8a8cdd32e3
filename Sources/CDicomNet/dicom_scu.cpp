// DCMTK's DcmSCU behind dicom_scu.h.
#include "dicom_scu.h"
#include "../CDicom/error_text.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmnet/scu.h"
#include "dcmtk/oflog/oflog.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

void quiet() {
    static bool done = false;
    if (!done) { OFLog::configure(OFLogger::OFF_LOG_LEVEL); done = true; }
}

const std::vector<const char *> &storageClasses() {
    static const std::vector<const char *> classes = {
        UID_UltrasoundImageStorage, UID_UltrasoundMultiframeImageStorage, UID_RETIRED_UltrasoundImageStorage,
        UID_RETIRED_UltrasoundMultiframeImageStorage, UID_SecondaryCaptureImageStorage,
        UID_MultiframeGrayscaleByteSecondaryCaptureImageStorage, UID_MultiframeTrueColorSecondaryCaptureImageStorage,
        UID_BasicTextSRStorage, UID_EnhancedSRStorage, UID_ComprehensiveSRStorage, UID_EncapsulatedPDFStorage};
    return classes;
}

const std::vector<const char *> &compressed() {
    static const std::vector<const char *> syntaxes = {
        UID_JPEGProcess1TransferSyntax, UID_JPEGProcess14SV1TransferSyntax, UID_RLELosslessTransferSyntax,
        UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax, UID_JPEGLSLosslessTransferSyntax};
    return syntaxes;
}

OFList<OFString> uncompressed() {
    OFList<OFString> l;
    l.push_back(UID_LittleEndianExplicitTransferSyntax);
    l.push_back(UID_LittleEndianImplicitTransferSyntax);
    return l;
}

void configure(DcmSCU &scu, const SteatoPeer *peer) {
    scu.setAETitle(peer->calling_aet);
    scu.setPeerHostName(peer->host);
    scu.setPeerPort(peer->port);
    scu.setPeerAETitle(peer->called_aet);
    int timeout = peer->timeout_seconds > 0 ? peer->timeout_seconds : 30;
    scu.setACSETimeout(timeout);
    scu.setDIMSETimeout(timeout);
    scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
    scu.setConnectionTimeout(timeout);
}

OFCondition connect(DcmSCU &scu, std::string &why) {
    OFCondition status = scu.initNetwork();
    if (status.good()) status = scu.negotiateAssociation();
    if (status.bad()) why = std::string("cannot associate with the peer: ") + status.text();
    return status;
}

std::string text(DcmDataset *d, const DcmTagKey &tag) {
    OFString value;
    if (d == nullptr || d->findAndGetOFStringArray(tag, value).bad()) return "";
    std::string s(value.c_str());
    for (char &c : s) if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return s;
}

// Receives the instances of a C-GET into files we name, one by one.
class GetSCU : public DcmSCU {
public:
    std::string folder;
    steato_received_file_fn received = nullptr;
    void *context = nullptr;
    long count = 0;

protected:
    OFCondition handleSTORERequest(const T_ASC_PresentationContextID, DcmDataset *incoming, OFBool &continueSession,
                                   Uint16 &status) override {
        continueSession = OFTrue;
        if (incoming == nullptr) { status = STATUS_STORE_Error_CannotUnderstand; return EC_IllegalParameter; }
        std::string path = folder + "/instance-" + std::to_string(++count) + ".dcm";
        DcmFileFormat file(incoming);
        OFCondition result = file.saveFile(path.c_str(), EXS_Unknown);
        if (result.bad()) { status = STATUS_STORE_Refused_OutOfResources; --count; return result; }
        status = STATUS_Success;
        if (received) received(context, path.c_str());
        return EC_Normal;
    }
};

}  // namespace

extern "C" {

int steato_scu_store(const SteatoPeer *peer, const char *const *paths, size_t count, uint16_t *statuses,
                     char *error, size_t error_size) {
    try {
        quiet();
        DcmSCU scu;
        configure(scu, peer);
        // One context per SOP class and transfer syntax in the files, so each goes as it is stored.
        std::map<std::pair<std::string, std::string>, bool> wanted;
        std::vector<std::pair<std::string, std::string>> identity(count);
        for (size_t i = 0; i < count; i++) {
            statuses[i] = 0xFFFF;
            DcmFileFormat file;
            if (file.loadFile(paths[i], EXS_Unknown, EGL_noChange, 4096).bad()) continue;
            OFString sopClass, syntax;
            file.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sopClass);
            if (sopClass.empty()) file.getDataset()->findAndGetOFString(DCM_SOPClassUID, sopClass);
            file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, syntax);
            if (sopClass.empty()) continue;
            identity[i] = {sopClass.c_str(), syntax.c_str()};
            wanted[identity[i]] = true;
        }
        for (const auto &w : wanted) {
            OFList<OFString> syntaxes;
            if (!w.first.second.empty()) syntaxes.push_back(w.first.second.c_str());
            for (const OFString &s : uncompressed()) if (s != w.first.second.c_str()) syntaxes.push_back(s);
            scu.addPresentationContext(w.first.first.c_str(), syntaxes);
        }
        std::string why;
        if (wanted.empty()) { setError(error, error_size, "none of the files is a DICOM instance"); return 0; }
        if (connect(scu, why).bad()) { setError(error, error_size, why); return 0; }
        for (size_t i = 0; i < count; i++) {
            if (identity[i].first.empty()) continue;
            T_ASC_PresentationContextID id = scu.findPresentationContextID(identity[i].first.c_str(), identity[i].second.c_str());
            if (id == 0) id = scu.findAnyPresentationContextID(identity[i].first.c_str(), identity[i].second.c_str());
            if (id == 0) continue;
            Uint16 status = 0xFFFF;
            if (scu.sendSTORERequest(id, paths[i], nullptr, status).good()) statuses[i] = status;
        }
        scu.releaseAssociation();
        return 1;
    } catch (...) {
        setError(error, error_size, "C-STORE failed on an internal error");
        return 0;
    }
}

long steato_scu_find_studies(const SteatoPeer *peer, const char *patient_id, const char *date_range, const char *accession,
                             char **out, char *error, size_t error_size) {
    try {
        quiet();
        *out = nullptr;
        DcmSCU scu;
        configure(scu, peer);
        scu.addPresentationContext(UID_FINDStudyRootQueryRetrieveInformationModel, uncompressed());
        std::string why;
        if (connect(scu, why).bad()) { setError(error, error_size, why); return -1; }
        T_ASC_PresentationContextID id = scu.findPresentationContextID(UID_FINDStudyRootQueryRetrieveInformationModel, "");
        if (id == 0) { setError(error, error_size, "the peer does not offer C-FIND (Study Root)"); scu.releaseAssociation(); return -1; }
        DcmDataset query;
        query.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
        query.putAndInsertString(DCM_StudyInstanceUID, "");
        query.putAndInsertString(DCM_PatientID, patient_id ? patient_id : "");
        query.putAndInsertString(DCM_PatientName, "");
        query.putAndInsertString(DCM_StudyDate, date_range ? date_range : "");
        query.putAndInsertString(DCM_AccessionNumber, accession ? accession : "");
        query.putAndInsertString(DCM_StudyDescription, "");
        query.putAndInsertString(DCM_NumberOfStudyRelatedInstances, "");
        OFList<QRResponse *> responses;
        OFCondition status = scu.sendFINDRequest(id, &query, &responses);
        std::string lines;
        long found = 0;
        for (QRResponse *r : responses) {
            if (r->m_dataset != nullptr) {
                DcmDataset *d = r->m_dataset;
                lines += text(d, DCM_StudyInstanceUID) + "\t" + text(d, DCM_PatientID) + "\t" + text(d, DCM_PatientName) + "\t" +
                         text(d, DCM_StudyDate) + "\t" + text(d, DCM_AccessionNumber) + "\t" + text(d, DCM_StudyDescription) + "\t" +
                         text(d, DCM_NumberOfStudyRelatedInstances) + "\n";
                found++;
            }
            delete r;
        }
        scu.releaseAssociation();
        if (status.bad()) { setError(error, error_size, std::string("C-FIND failed: ") + status.text()); return -1; }
        *out = strdup(lines.c_str());
        return found;
    } catch (...) {
        setError(error, error_size, "C-FIND failed on an internal error");
        return -1;
    }
}

long steato_scu_get_study(const SteatoPeer *peer, const char *study_uid, const char *folder,
                          steato_received_file_fn received, void *context, long *failed, char *error, size_t error_size) {
    try {
        quiet();
        GetSCU scu;
        configure(scu, peer);
        scu.folder = folder;
        scu.received = received;
        scu.context = context;
        scu.addPresentationContext(UID_GETStudyRootQueryRetrieveInformationModel, uncompressed());
        // We take the storage role for what the peer sends back: uncompressed, or as the peer holds it.
        for (const char *sop : storageClasses()) {
            scu.addPresentationContext(sop, uncompressed(), ASC_SC_ROLE_SCP);
            for (const char *ts : compressed()) {
                OFList<OFString> one;
                one.push_back(ts);
                scu.addPresentationContext(sop, one, ASC_SC_ROLE_SCP);
            }
        }
        std::string why;
        if (connect(scu, why).bad()) { setError(error, error_size, why); return -1; }
        T_ASC_PresentationContextID id = scu.findPresentationContextID(UID_GETStudyRootQueryRetrieveInformationModel, "");
        if (id == 0) { setError(error, error_size, "the peer does not offer C-GET (Study Root)"); scu.releaseAssociation(); return -1; }
        DcmDataset query;
        query.putAndInsertString(DCM_QueryRetrieveLevel, "STUDY");
        query.putAndInsertString(DCM_StudyInstanceUID, study_uid);
        OFList<RetrieveResponse *> responses;
        OFCondition status = scu.sendCGETRequest(id, &query, &responses);
        long failures = 0;
        if (!responses.empty()) failures = responses.back()->m_numberOfFailedSubops;
        for (RetrieveResponse *r : responses) delete r;
        scu.releaseAssociation();
        if (failed) *failed = failures;
        if (status.bad()) { setError(error, error_size, std::string("C-GET failed: ") + status.text()); return -1; }
        return scu.count;
    } catch (...) {
        setError(error, error_size, "C-GET failed on an internal error");
        return -1;
    }
}

void steato_scu_free(void *pointer) { free(pointer); }

}  // extern "C"
