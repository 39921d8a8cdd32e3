// DCMTK's dcmnet behind dicom_net.h: a storage SCP that serves each association on a thread of its own.
#include "dicom_net.h"
#include "../CDicom/error_text.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmnet/scpthrd.h"
#include "dcmtk/dcmnet/assoc.h"
#include "dcmtk/oflog/oflog.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <list>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace {

std::string trimmed(const OFString &s) {
    std::string t(s.c_str());
    t.erase(t.find_last_not_of(' ') + 1);
    return t;
}

class StoreWorker : public DcmThreadSCP {
public:
    explicit StoreWorker(SteatoListener *listener) : listener(listener) {}

protected:
    OFCondition handleIncomingCommand(T_DIMSE_Message *message, const DcmPresentationContextInfo &info) override;
    OFBool checkCallingAETitleAccepted(const OFString &callingAE) override;

private:
    SteatoListener *listener;
};

// One association on its own thread; `done` is set as its last act so the listening thread can
// join it. (DCMTK's DcmSCPPool deletes a finished worker without joining or detaching its thread,
// which leaves every association's thread stack mapped: about 80 KB lost per association.)
struct Session {
    std::thread thread;
    std::atomic<bool> done{false};
};

}  // namespace

struct SteatoListener {
    DcmSCPConfig config;
    size_t maxAssociations = 1;
    std::atomic<bool> stopping{false};
    std::list<Session> sessions;   // touched only by the listening thread
    std::string spool;
    std::set<std::string> allowed;   // empty: any calling AE title
    steato_store_fn store = nullptr;
    void *context = nullptr;
    std::atomic<unsigned long> received{0};
};

namespace {

OFCondition StoreWorker::handleIncomingCommand(T_DIMSE_Message *message, const DcmPresentationContextInfo &info) {
    if (message->CommandField != DIMSE_C_STORE_RQ) return DcmThreadSCP::handleIncomingCommand(message, info);
    T_DIMSE_C_StoreRQ &request = message->msg.CStoreRQ;
    SteatoListener *l = listener;
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
    if (listener->allowed.empty()) return OFTrue;
    return listener->allowed.count(trimmed(callingAE)) > 0;
}

void refuse(T_ASC_Association *assoc, T_ASC_RejectParametersReason reason) {
    T_ASC_RejectParameters rejection;
    rejection.result = ASC_RESULT_REJECTEDTRANSIENT;
    rejection.source = ASC_SOURCE_SERVICEPROVIDER_PRESENTATION_RELATED;
    rejection.reason = reason;
    ASC_rejectAssociation(assoc, &rejection);
}

void dropAndDestroy(T_ASC_Association *assoc) {
    if (assoc == nullptr) return;
    ASC_dropAssociation(assoc);
    ASC_destroyAssociation(&assoc);
}

// Joins the sessions that have ended; with `all`, waits for every session.
void reap(SteatoListener *l, bool all) {
    for (auto it = l->sessions.begin(); it != l->sessions.end();) {
        if (all || it->done.load()) {
            it->thread.join();
            it = l->sessions.erase(it);
        } else {
            ++it;
        }
    }
}

// Hands an accepted association to a new session thread, or refuses it when all are busy.
void serve(SteatoListener *l, T_ASC_Association *assoc, const DcmSharedSCPConfig &shared) {
    reap(l, false);   // sessions that ended while this request was arriving do not count
    if (l->sessions.size() >= l->maxAssociations) {
        refuse(assoc, ASC_REASON_SP_PRES_LOCALLIMITEXCEEDED);
        dropAndDestroy(assoc);
        return;
    }
    Session &session = l->sessions.emplace_back();
    try {
        session.thread = std::thread([l, assoc, shared, &session] {
            {
                StoreWorker worker(l);
                worker.setSharedConfig(shared);
                worker.run(assoc);   // ends, drops and frees the association
            }
            session.done.store(true);
        });
    } catch (...) {
        l->sessions.pop_back();
        refuse(assoc, ASC_REASON_SP_PRES_TEMPORARYCONGESTION);
        dropAndDestroy(assoc);
    }
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
        auto *l = new SteatoListener();
        l->spool = spool;
        for (size_t i = 0; i < allowed_count; i++) l->allowed.insert(allowed[i]);
        l->store = store;
        l->context = context;
        l->maxAssociations = static_cast<size_t>(std::max(1, max_associations));
        DcmSCPConfig &config = l->config;
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
        return l;
    } catch (...) {
        setError(error, error_size, "cannot set up the listener");
        return nullptr;
    }
}

int steato_listener_run(SteatoListener *l, char *error, size_t error_size) {
    try {
        T_ASC_Network *network = nullptr;
        OFCondition status = ASC_initializeNetwork(NET_ACCEPTOR, static_cast<int>(l->config.getPort()),
                                                   static_cast<int>(l->config.getACSETimeout()), &network);
        if (status.bad()) {
            setError(error, error_size, status.text());
            return 0;
        }
        DcmSharedSCPConfig shared(l->config);
        while (!l->stopping.load()) {
            reap(l, false);
            T_ASC_Association *assoc = nullptr;
            status = ASC_receiveAssociation(network, &assoc, static_cast<long>(l->config.getMaxReceivePDULength()),
                                            nullptr, nullptr, OFFalse, l->config.getConnectionBlockingMode(),
                                            static_cast<int>(l->config.getConnectionTimeout()));
            if (status.good()) {
                serve(l, assoc, shared);
            } else if (status == DUL_NOASSOCIATIONREQUEST) {
                ASC_destroyAssociation(&assoc);   // the one-second timeout: look at the stop flag again
            } else {
                dropAndDestroy(assoc);   // a peer that broke off or spoke nonsense: keep listening
            }
        }
        reap(l, true);   // the associations in progress finish first
        ASC_dropNetwork(&network);
        return 1;
    } catch (...) {
        setError(error, error_size, "the listener stopped on an internal error");
        return 0;
    }
}

void steato_listener_stop(SteatoListener *l) { l->stopping.store(true); }

void steato_listener_free(SteatoListener *l) { delete l; }

}  // extern "C"
