#ifndef STEATO_CPNG_SHIM_H
#define STEATO_CPNG_SHIM_H
#include <png.h>
#endif
