#ifndef STEATO_DICOM_NET_H
#define STEATO_DICOM_NET_H
// DICOM networking through DCMTK's dcmnet, behind a C interface for the DicomNetwork module:
// a storage SCP (C-ECHO, C-STORE) serving several associations at once. Only dicom_net.cpp sees C++.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SteatoListener SteatoListener;

/// Called on an association's worker thread for each received instance, once its bytes are in a
/// file (`path`, which the callee may move or delete). Returns the C-STORE status to send back:
/// 0x0000 stored, 0xA700 out of resources (try again), 0xC000 cannot understand (refused).
typedef uint16_t (*steato_store_fn)(void *context, const char *path, const char *calling_aet,
                                    const char *sop_instance_uid);

/// A storage SCP on `port` answering as `aet`. `allowed` lists the calling AE titles accepted
/// (NULL or none: any); others are rejected at association ("calling AE title not recognized").
/// Received files are written to `spool` (a folder on the same file system as where they go).
/// `max_associations` are served at once. Returns NULL with a reason when the port cannot be opened.
SteatoListener *steato_listener_new(uint16_t port, const char *aet, const char *const *allowed, size_t allowed_count,
                                    const char *spool, int max_associations, steato_store_fn store, void *context,
                                    char *error, size_t error_size);

/// Serves associations until `steato_listener_stop`; returns 0 with a reason when listening fails.
/// A listener runs once.
int steato_listener_run(SteatoListener *listener, char *error, size_t error_size);

/// Asks `steato_listener_run` to return once the associations in progress end (within about a second).
void steato_listener_stop(SteatoListener *listener);

void steato_listener_free(SteatoListener *listener);

#ifdef __cplusplus
}
#endif
#endif
