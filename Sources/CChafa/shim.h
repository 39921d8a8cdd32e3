#ifndef STEATO_CCHAFA_SHIM_H
#define STEATO_CCHAFA_SHIM_H
#include <chafa.h>
#endif
