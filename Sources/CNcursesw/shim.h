#ifndef STEATO_CNCURSESW_SHIM_H
#define STEATO_CNCURSESW_SHIM_H
// SwiftPM drops -D_XOPEN_SOURCE from ncursesw's pkg-config, which hides the
// wide-character API; ask for it explicitly.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncurses.h>

// Macros Swift cannot import, wrapped as functions.
static inline int steato_attr_bold(void) { return (int)A_BOLD; }
static inline int steato_attr_reverse(void) { return (int)A_REVERSE; }
static inline int steato_attr_underline(void) { return (int)A_UNDERLINE; }
static inline int steato_attr_dim(void) { return (int)A_DIM; }
static inline int steato_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int steato_lines(void) { return LINES; }
static inline int steato_cols(void) { return COLS; }
static inline void steato_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }
static inline chtype steato_acs_hline(void) { return ACS_HLINE; }
static inline chtype steato_acs_vline(void) { return ACS_VLINE; }
static inline int steato_key_f(int n) { return KEY_F(n); }
#endif
