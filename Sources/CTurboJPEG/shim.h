#ifndef STEATO_CTURBOJPEG_SHIM_H
#define STEATO_CTURBOJPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>
#endif
