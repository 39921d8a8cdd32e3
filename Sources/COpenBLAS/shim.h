#ifndef STEATO_COPENBLAS_SHIM_H
#define STEATO_COPENBLAS_SHIM_H
#include <cblas.h>
// OpenBLAS's own thread control (declared in openblas_config.h / cblas.h).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
