#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H
#include <stddef.h>
#include <stdint.h>

/// memmem wrapper: Glibc's declaration needs _GNU_SOURCE, which Swift's import does not set.
const void *if_memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);
/// Count occurrences of needle in haystack, counting at most once per line.
size_t if_count_lines_containing(const uint8_t *hay, size_t len, const uint8_t *needle, size_t nlen);

/// memrchr wrapper (GNU extension, hidden from Swift for the same reason as memmem).
const void *if_memrchr(const void *s, int c, size_t n);
/// Length of the leading run of bytes that are printable ASCII (0x20...0x7E) or TAB; 8 bytes per step.
size_t if_printable_ascii_prefix(const uint8_t *p, size_t n);
/// ASCII-only lowercase copy (other bytes unchanged); dst and src may be equal.
void if_ascii_lower(uint8_t *dst, const uint8_t *src, size_t n);

/// prctl(PR_SET_PDEATHSIG, sig): prctl is variadic, which Swift cannot call. Returns 0 or -1 with errno.
int if_set_parent_death_signal(int sig);

/// SO_PEERCRED of a connected Unix socket (struct ucred needs _GNU_SOURCE, hidden from Swift). 0 or -1.
int if_peer_credentials(int fd, uint32_t *uid, uint32_t *gid, int32_t *pid);

/// Keyword families whose case-folded trigram occurs in a log line (prefilter for the level classifier).
enum {
    IF_LOG_ERR = 1u << 0,        /* err */
    IF_LOG_WARN = 1u << 1,       /* arn */
    IF_LOG_FAIL = 1u << 2,       /* fai */
    IF_LOG_FATAL = 1u << 3,      /* fat */
    IF_LOG_PANIC = 1u << 4,      /* pan */
    IF_LOG_GOROUTINE = 1u << 5,  /* gor */
    IF_LOG_TRACEBACK = 1u << 6,  /* ceb */
    IF_LOG_DEPRECAT = 1u << 7,   /* eca */
    IF_LOG_NOTFOUND = 1u << 8,   /* fou */
    IF_LOG_NOSUCH = 1u << 9,     /* uch */
    IF_LOG_STARS = 1u << 10,     /* *** */
    IF_LOG_NONZERO = 1u << 11,   /* n-z */
    IF_LOG_SEGFAULT = 1u << 12,  /* gme */
    IF_LOG_COREDUMP = 1u << 13,  /* ump */
    IF_LOG_LEVELKEY = 1u << 14,  /* vel, sev, lvl */
    IF_LOG_EXCEPTION = 1u << 15, /* xce */
    IF_LOG_CRITICAL = 1u << 16,  /* cri */
    IF_LOG_GOFILE = 1u << 17,    /* .go */
};
/// One pass over the line: returns the IF_LOG_* families whose trigram occurs (ASCII case-insensitive).
uint32_t if_log_level_triggers(const uint8_t *p, size_t n);
/// The same without SIMD (used where SSSE3 is missing); tests compare the two.
uint32_t if_log_level_triggers_portable(const uint8_t *p, size_t n);
#endif
