#ifndef STEATO_CNCURSESW_SHIM_H
#define STEATO_CNCURSESW_SHIM_H
// SwiftPM drops -D_XOPEN_SOURCE from ncursesw's pkg-config, which hides the
// wide-character API; ask for it explicitly.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncurses.h>

// wcwidth is hidden without _XOPEN_SOURCE (which SwiftPM drops): declare the C library's own.
extern int wcwidth(wchar_t c);
static inline int steato_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

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
// The mouse: clicks and the wheel only (no motion reports), read as one event kind.
static inline void steato_mouse_on(void) {
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    mouseinterval(0);
}
// 1: click at (*x, *y); 4: wheel up; 5: wheel down; 0: anything else.
static inline int steato_mouse_event(int *x, int *y) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *x = event.x; *y = event.y;
    if (event.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) return 1;
    if (event.bstate & BUTTON4_PRESSED) return 4;
#ifdef BUTTON5_PRESSED
    if (event.bstate & BUTTON5_PRESSED) return 5;
#endif
    return 0;
}
#endif
