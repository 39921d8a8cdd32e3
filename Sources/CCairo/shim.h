#ifndef STEATO_CCAIRO_SHIM_H
#define STEATO_CCAIRO_SHIM_H
// Cairo (Debian's libcairo2-dev) for the PDF report and the evaluation plots.
#include <cairo.h>
#include <cairo-pdf.h>
#endif
