// DCMTK's dcmnet behind dicom_net.h: a pool of storage SCP workers, one per association.
#include "dicom_net.h"
#include "../CDicom/error_text.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmnet/scppool.h"
#include "dcmtk/oflog/oflog.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>
#include <string>

namespace {

std::string trimmed(const OFString &s) {
    std::string t(s.c_str());
    t.erase(t.find_last_not_of(' ') + 1);
    return t;
}

class StoreWorker : public DcmThreadSCP {
protected:
    OFCondition handleIncomingCommand(T_DIMSE_Message *message, const DcmPresentationContextInfo &info) override;
    OFBool checkCallingAETitleAccepted(const OFString &callingAE) override;
};

class Pool : public DcmSCPPool<StoreWorker> {};

}  // namespace

struct SteatoListener {
    Pool pool;
    std::string spool;
    std::set<std::string> allowed;   // empty: any calling AE title
    steato_store_fn store = nullptr;
    void *context = nullptr;
    std::atomic<unsigned long> received{0};
};

namespace {

// dcmnet builds the workers itself (DcmSCPPool<Worker>), so they find their listener here; a
// process runs one listener at a time.
std::atomic<SteatoListener *> current{nullptr};

OFCondition StoreWorker::handleIncomingCommand(T_DIMSE_Message *message, const DcmPresentationContextInfo &info) {
    if (message->CommandField != DIMSE_C_STORE_RQ) return DcmThreadSCP::handleIncomingCommand(message, info);
    T_DIMSE_C_StoreRQ &request = message->msg.CStoreRQ;
    SteatoListener *l = current.load();
    // Received into a hidden file first: the callee only ever sees complete instances.
    std::string partial = l->spool + "/.receiving-" + std::to_string(getpid()) + "-" + std::to_string(++l->received);
    OFCondition status = receiveSTORERequest(request, info.presentationContextID, partial.c_str());
    if (status.bad()) {
        unlink(partial.c_str());
        return status;   // the association broke mid-transfer: nothing was stored
    }
    Uint16 answer = l->store ? l->store(l->context, partial.c_str(), getPeerAETitle().c_str(), request.AffectedSOPInstanceUID)
                             : STATUS_STORE_Refused_OutOfResources;
    unlink(partial.c_str());   // imported (or refused) by now
    return sendSTOREResponse(info.presentationContextID, request, answer);
}

OFBool StoreWorker::checkCallingAETitleAccepted(const OFString &callingAE) {
    SteatoListener *l = current.load();
    if (l == nullptr || l->allowed.empty()) return OFTrue;
    return l->allowed.count(trimmed(callingAE)) > 0;
}

void addContexts(DcmSCPConfig &config) {
    OFList<OFString> syntaxes;
    for (const char *ts : {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
                           UID_BigEndianExplicitTransferSyntax, UID_JPEGProcess1TransferSyntax,
                           UID_JPEGProcess2_4TransferSyntax, UID_JPEGProcess14TransferSyntax,
                           UID_JPEGProcess14SV1TransferSyntax, UID_JPEGLSLosslessTransferSyntax,
                           UID_JPEGLSLossyTransferSyntax, UID_RLELosslessTransferSyntax,
                           UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax,
                           UID_DeflatedExplicitVRLittleEndianTransferSyntax}) {
        syntaxes.push_back(ts);
    }
    OFList<OFString> echo;
    echo.push_back(UID_LittleEndianExplicitTransferSyntax);
    echo.push_back(UID_LittleEndianImplicitTransferSyntax);
    config.addPresentationContext(UID_VerificationSOPClass, echo);
    for (const char *sop : {UID_UltrasoundImageStorage, UID_UltrasoundMultiframeImageStorage,
                            UID_RETIRED_UltrasoundImageStorage, UID_RETIRED_UltrasoundMultiframeImageStorage,
                            UID_SecondaryCaptureImageStorage, UID_MultiframeGrayscaleByteSecondaryCaptureImageStorage,
                            UID_MultiframeTrueColorSecondaryCaptureImageStorage, UID_EnhancedUSVolumeStorage,
                            UID_BasicTextSRStorage, UID_EnhancedSRStorage, UID_ComprehensiveSRStorage}) {
        config.addPresentationContext(sop, syntaxes);
    }
}

}  // namespace

extern "C" {

SteatoListener *steato_listener_new(uint16_t port, const char *aet, const char *const *allowed, size_t allowed_count,
                                    const char *spool, int max_associations, steato_store_fn store, void *context,
                                    char *error, size_t error_size) {
    try {
        static std::once_flag once;
        std::call_once(once, [] { OFLog::configure(OFLogger::OFF_LOG_LEVEL); });
        SteatoListener *expected = nullptr;
        auto *l = new SteatoListener();
        if (!current.compare_exchange_strong(expected, l)) {
            delete l;
            setError(error, error_size, "a listener is already running in this process");
            return nullptr;
        }
        l->spool = spool;
        for (size_t i = 0; i < allowed_count; i++) l->allowed.insert(allowed[i]);
        l->store = store;
        l->context = context;
        DcmSCPConfig &config = l->pool.getConfig();
        config.setPort(port);
        config.setAETitle(aet);
        config.setRespondWithCalledAETitle(OFFalse);
        config.setHostLookupEnabled(OFFalse);
        // Non-blocking with a one-second timeout, so a stop request is seen promptly.
        config.setConnectionBlockingMode(DUL_NOBLOCK);
        config.setConnectionTimeout(1);
        config.setACSETimeout(30);
        config.setDIMSETimeout(60);
        config.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
        addContexts(config);
        l->pool.setMaxThreads(static_cast<Uint16>(std::max(1, max_associations)));
        return l;
    } catch (...) {
        setError(error, error_size, "cannot set up the listener");
        return nullptr;
    }
}

int steato_listener_run(SteatoListener *l, char *error, size_t error_size) {
    try {
        OFCondition status = l->pool.listen();
        // Every association has ended: the process may start another listener now, before this one is freed.
        SteatoListener *expected = l;
        current.compare_exchange_strong(expected, nullptr);
        if (status.bad()) {
            setError(error, error_size, status.text());
            return 0;
        }
        return 1;
    } catch (...) {
        setError(error, error_size, "the listener stopped on an internal error");
        return 0;
    }
}

void steato_listener_stop(SteatoListener *l) { l->pool.stopAfterCurrentAssociations(); }

void steato_listener_free(SteatoListener *l) {
    SteatoListener *expected = l;
    current.compare_exchange_strong(expected, nullptr);
    delete l;
}

}  // extern "C"
