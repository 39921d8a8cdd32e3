#ifndef STEATO_DICOM_SCU_H
#define STEATO_DICOM_SCU_H
// DICOM service user through DCMTK's DcmSCU: C-ECHO, C-STORE (send), C-FIND and C-GET (pull).
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where to connect: the peer's host, port and AE title, and ours.
typedef struct { const char *host; uint16_t port; const char *called_aet; const char *calling_aet; int timeout_seconds; } SteatoPeer;

/// C-STOREs `count` files on one association. `statuses[i]` gets each file's C-STORE status
/// (0xFFFF: not sent, e.g. no presentation context for it). Returns 0 with a reason when the
/// association cannot be made.
int steato_scu_store(const SteatoPeer *peer, const char *const *paths, size_t count, uint16_t *statuses,
                     char *error, size_t error_size);

/// C-FIND at study level (Study Root). Empty keys match all; `date_range` as YYYYMMDD-YYYYMMDD.
/// Writes one line per study to a malloc'd `*out` (free with steato_scu_free): tab-separated
/// StudyInstanceUID, PatientID, PatientName, StudyDate, AccessionNumber, StudyDescription,
/// NumberOfStudyRelatedInstances. Returns the number of studies, or -1 with a reason.
long steato_scu_find_studies(const SteatoPeer *peer, const char *patient_id, const char *date_range, const char *accession,
                             char **out, char *error, size_t error_size);

/// Called for each instance a C-GET brings, once it is a file in the folder.
typedef void (*steato_received_file_fn)(void *context, const char *path);

/// C-GET of one study (Study Root) into `folder`; returns the number of instances received,
/// or -1 with a reason. `failed` gets the count of sub-operations the peer reported failed.
long steato_scu_get_study(const SteatoPeer *peer, const char *study_uid, const char *folder,
                          steato_received_file_fn received, void *context, long *failed, char *error, size_t error_size);

void steato_scu_free(void *pointer);

#ifdef __cplusplus
}
#endif
#endif
